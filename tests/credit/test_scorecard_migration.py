"""credit 0004: checks and decisions scorecard-v1 scored before scorecards were stored get theirs from the text it
wrote, with the rule ids the engine uses today; anything else is left as it was and still renders."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from credit.engine import Scorecard, ScorecardProvider
from credit.models import CreditCheck, CreditDecision
from tests.factories import CustomerFactory
from tests.staff.builders import staff_user

migration = importlib.import_module("credit.migrations.0004_decision_scorecard")

BEFORE = ("credit", "0003_credit_transaction_billed_at_settable")
AFTER = ("credit", "0004_decision_scorecard")

# What scorecard-v1 stored before it stored data, word for word: three outcomes.
REFERRED_ABOVE_LIMIT = [
    "+20 EIN present and well formed",
    "+10 full business address",
    "+10 supported country",
    "+15 business email domain bluebird.example",
    "+15 has purchase history",
    "+0 terms history not given",
    "+5 legal name on file",
    "+0 requested amount 6000000 USD",
    "+0 customer for 0 days",
    "referred: 6000000 requested, above the instant limit 5000000",
]
DECLINED_FREE_MAIL = [
    "+0 no EIN on file",
    "+10 full business address",
    "+10 supported country",
    "+0 free-mail email domain gmail.com",
    "+0 no purchase history",
    "+0 terms history not given",
    "+5 legal name on file",
    "+10 requested amount 500000 USD",
    "+0 customer for 0 days",
    "declined: score 35 is below 45",
]
KNOCKED_OUT = [
    "+20 EIN present and well formed",
    "+10 full business address",
    "+0 unsupported country",
    "+15 business email domain maple.example",
    "+15 has purchase history",
    "+0 terms history not given",
    "+5 legal name on file",
    "+10 requested amount 500000 USD",
    "+0 customer for 0 days",
    "knock-out: business address in CA, outside the supported countries",
]


def shape(scorecard: Scorecard) -> tuple:
    """Everything but the labels (the engine now writes amounts in major units)."""
    rules = [(rule.id, rule.points, rule.max_points, rule.passed) for rule in scorecard.rules]
    return scorecard.provider, scorecard.score, scorecard.scale, rules, scorecard.conclusion.id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reasons", "score", "customer", "check"),
    [
        (REFERRED_ABOVE_LIMIT, 75, {"email": "ap@bluebird.example"}, {"amount_requested": 6_000_000}),
        (
            DECLINED_FREE_MAIL,
            35,
            {"email": "joe@gmail.com", "ein": ""},
            {"amount_requested": 500_000, "has_purchase_history": False},
        ),
        (KNOCKED_OUT, 75, {"email": "ap@maple.example", "country": "CA", "state": "ON"}, {"amount_requested": 500_000}),
    ],
)
def test_old_text_becomes_the_scorecard_the_engine_gives_today(reasons, score, customer, check):
    customer = CustomerFactory(**customer)
    check = CreditCheck(customer=customer, **{"has_purchase_history": True, **check})
    today = ScorecardProvider().evaluate(customer=customer, check=check).scorecard
    converted = Scorecard.from_json(migration.scorecard_from_reasons(reasons, score))
    assert shape(converted) == shape(today)
    # Labels are kept as they were written, the conclusion's too.
    assert converted.reasons == reasons


@pytest.mark.parametrize(
    ("reasons", "score"),
    [
        (["Good references"], 70),  # an officer's note
        (["decision engine gave no answer after 5 attempts"], None),  # referred by the sweep, never scored
        (REFERRED_ABOVE_LIMIT, 80),  # points that do not add up to the score
        (REFERRED_ABOVE_LIMIT[:-1], 75),  # no conclusion
        (REFERRED_ABOVE_LIMIT[:-2] + REFERRED_ABOVE_LIMIT[-1:], 75),  # a rule missing
        ([*REFERRED_ABOVE_LIMIT[:-1], "approved by a credit officer"], 75),  # not one of its conclusions
        (["+25 EIN present and well formed", *REFERRED_ABOVE_LIMIT[1:]], 80),  # more than the rule can give
        ([*REFERRED_ABOVE_LIMIT[1:], REFERRED_ABOVE_LIMIT[0]], 75),  # out of order
        ("+20 EIN present and well formed", 20),  # not a list
    ],
)
def test_anything_but_exactly_what_scorecard_v1_wrote_is_left_alone(reasons, score):
    assert migration.scorecard_from_reasons(reasons, score) is None


@pytest.fixture
def at_0003():
    """The database as it was before 0004 (without the scorecard columns), put back after the test whatever
    happens. Returns the executor and the models as they were."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    executor.loader.build_graph()
    try:
        yield executor, executor.loader.project_state([BEFORE]).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_stored_engine_rows_and_leaves_the_others_rendering(at_0003, client):
    executor, old = at_0003
    old_check, old_decision = old.get_model("credit", "CreditCheck"), old.get_model("credit", "CreditDecision")
    assert "scorecard" not in {field.name for field in old_check._meta.fields}
    v1 = {"provider": "scorecard-v1", "country": "US"}
    referred = old_check.objects.create(
        customer_id=CustomerFactory(email="ap@bluebird.example").id,
        amount_requested=6_000_000,
        has_purchase_history=True,
        status="in_review",
        score=75,
        reasons=REFERRED_ABOVE_LIMIT,
        inputs=v1,
    )
    declined_customer = CustomerFactory(email="joe@gmail.com", ein="")
    declined = old_check.objects.create(
        customer_id=declined_customer.id,
        amount_requested=500_000,
        has_purchase_history=False,
        status="in_review",  # decided below, after the decisions exist
        score=35,
        reasons=DECLINED_FREE_MAIL,
        inputs=v1,
    )
    engine_decision = old_decision.objects.create(
        customer_id=declined_customer.id,
        credit_check_id=declined.id,
        decision="declined",
        decline_code="email_verification_freemail",
        score=35,
        reasons=DECLINED_FREE_MAIL,
        inputs=v1,
        decided_by_type="system",
    )
    # An officer's decision copies the check's inputs; its reasons are a note that happens to look like points.
    officer_decision = old_decision.objects.create(
        customer_id=declined_customer.id,
        credit_check_id=declined.id,
        decision="declined",
        decline_code="other",
        score=35,
        reasons=["+5 years of trading, but no references"],
        inputs=v1,
        decided_by_type="staff",
        decided_by_id="42",
    )
    swept = old_check.objects.create(
        customer_id=CustomerFactory().id,
        amount_requested=100,
        has_purchase_history=True,
        status="in_review",
        reasons=["decision engine gave no answer after 5 attempts"],
    )

    executor.loader.build_graph()
    executor.migrate([AFTER])

    converted = Scorecard.from_json(CreditCheck.objects.get(pk=referred.pk).scorecard)
    assert converted.conclusion.id == "above_instant_limit"
    assert (converted.score, converted.scale) == (75, ScorecardProvider.SCALE)
    assert (
        CreditDecision.objects.get(pk=engine_decision.pk).scorecard == CreditCheck.objects.get(pk=declined.pk).scorecard
    )
    assert CreditDecision.objects.get(pk=engine_decision.pk).scorecard["conclusion"]["id"] == "score_below_decline"
    assert CreditDecision.objects.get(pk=officer_decision.pk).scorecard is None
    assert CreditCheck.objects.get(pk=swept.pk).scorecard is None
    # What the API said is kept as it was.
    assert CreditCheck.objects.get(pk=referred.pk).reasons == REFERRED_ABOVE_LIMIT

    client.force_login(staff_user("viewer"))
    html = client.get(reverse("staff:review_queue")).content.decode()
    assert "Score 75 of 100: declined below 45, approved from 75" in html
    assert '<span class="points" title="20 of 20 points">+20</span><span>EIN present and well formed</span>' in html
    assert "referred: 6000000 requested, above the instant limit 5000000" in html
    assert "decision engine gave no answer after 5 attempts" in html


@pytest.mark.django_db
def test_the_conversion_goes_through_every_row_in_batches(monkeypatch):
    monkeypatch.setattr(migration, "BATCH", 2)
    ids = [
        CreditCheck.objects.create(
            customer=CustomerFactory(),
            amount_requested=6_000_000,
            has_purchase_history=True,
            status="in_review",
            score=75,
            reasons=REFERRED_ABOVE_LIMIT,
            inputs={"provider": "scorecard-v1"},
        ).id
        for _ in range(5)
    ]
    migration.forward(django_apps, None)
    stored = list(CreditCheck.objects.filter(pk__in=ids).values_list("scorecard", flat=True))
    assert len(stored) == 5
    assert all(scorecard["conclusion"]["id"] == "above_instant_limit" for scorecard in stored)
