"""credit 0011: reasons and scorecard labels written with amounts in minor units read in major units afterwards;
anything else is left as it was."""

import importlib

import pytest
from django.apps import apps as django_apps

from credit.models import CreditDecision
from tests.credit.builders import approved_customer

migration = importlib.import_module("credit.migrations.0011_reasons_in_major_units")


@pytest.mark.parametrize(
    ("text", "currency", "readable"),
    [
        ("+10 requested amount 7500000 USD", "USD", "+10 requested amount 75,000.00 USD"),
        ("requested amount 7500000 JPY", "USD", "requested amount 7,500,000 JPY"),
        (
            "referred: 7500000 requested, above the instant limit 5000000",
            "USD",
            "referred: 75,000.00 USD requested, above the instant limit 50,000.00 USD",
        ),
        (
            "ctx_01m9546yttx6g984pykn55h101: 100000 USD due 2026-02-04, 16 days past due",
            None,
            "ctx_01m9546yttx6g984pykn55h101: 1,000.00 USD due 2026-02-04, 16 days past due",
        ),
        ("+10 requested amount 75,000.00 USD", "USD", "+10 requested amount 75,000.00 USD"),
        ("requested amount 7500000 ZZZ", "USD", "requested amount 7500000 ZZZ"),
        ("growing", "USD", "growing"),
        (None, "USD", None),
    ],
)
def test_only_the_old_wordings_are_rewritten(text, currency, readable):
    assert migration.readable(text, currency) == readable


@pytest.mark.django_db
def test_stored_reasons_and_scorecards_are_rewritten():
    customer = approved_customer()
    decision = CreditDecision.objects.get(customer=customer)
    scorecard = {
        "rules": [{"id": "amount_requested", "label": "requested amount 7500000 USD"}],
        "conclusion": {
            "id": "above_instant_limit",
            "label": "referred: 7500000 requested, above the instant limit 5000000",
        },
    }
    CreditDecision.objects.filter(pk=decision.pk).update(
        reasons=["ctx_01m9546yttx6g984pykn55h101: 100000 USD due 2026-02-04, 16 days past due", "kept"],
        scorecard=scorecard,
    )
    migration.forward(django_apps, None)
    decision.refresh_from_db()
    assert decision.reasons == ["ctx_01m9546yttx6g984pykn55h101: 1,000.00 USD due 2026-02-04, 16 days past due", "kept"]
    assert decision.scorecard["rules"][0]["label"] == "requested amount 75,000.00 USD"
    assert decision.scorecard["conclusion"]["label"] == (
        "referred: 75,000.00 USD requested, above the instant limit 50,000.00 USD"
    )
