import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credit.engine import (
    Conclusion,
    DecisionProvider,
    EngineResult,
    RuleResult,
    Scorecard,
    ScorecardProvider,
    ScoreScale,
    ein_well_formed,
    get_provider,
)
from credit.models import CreditAccount, CreditCheck, CreditCheckStatus, CreditDecision
from credit.services import credit_check_decide
from customers.models import Customer
from tests.credit.builders import approved_customer
from tests.factories import CustomerFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db


def evaluate(customer=None, **check_fields):
    customer = customer or CustomerFactory()
    values = {"amount_requested": 500_000, "has_purchase_history": True} | check_fields
    check = CreditCheck(customer=customer, **values)
    return ScorecardProvider().evaluate(customer=customer, check=check)


def test_complete_profile_with_history_is_approved_for_the_amount_asked():
    result = evaluate()
    assert (result.outcome, result.score) == ("approve", 85)
    assert (result.amount, result.currency_code, result.default_terms) == (500_000, "USD", "net30")
    assert result.decline_code is None
    assert "+20 EIN present and well formed" in result.reasons
    assert result.reasons[-1] == "approved: score 85 is at least 75"


def test_approval_keeps_the_customers_own_terms():
    result = evaluate(CustomerFactory(default_terms="net60"))
    assert (result.outcome, result.default_terms) == ("approve", "net60")


def test_middle_score_is_referred_to_a_credit_officer():
    result = evaluate(has_purchase_history=False)
    assert (result.outcome, result.score) == ("refer", 70)
    assert "+0 no purchase history" in result.reasons
    assert result.amount is None


def test_free_mail_without_ein_or_history_is_declined_for_free_mail():
    customer = CustomerFactory(email="joe.plumber@gmail.com", ein="")
    result = evaluate(customer, has_purchase_history=False)
    assert (result.outcome, result.score, result.decline_code) == ("decline", 35, "email_verification_freemail")
    assert "+0 free-mail email domain gmail.com" in result.reasons
    assert "+0 no EIN on file" in result.reasons


def test_thin_file_is_declined_as_thin_file():
    customer = CustomerFactory(ein="", street_address="", postal_code="")
    result = evaluate(customer, has_purchase_history=False)
    assert (result.outcome, result.score, result.decline_code) == ("decline", 40, "thin_file")


def test_address_outside_supported_countries_is_a_knock_out():
    customer = CustomerFactory(country="CA", state="ON")
    result = evaluate(customer)
    assert (result.outcome, result.decline_code) == ("decline", "no_us_address")
    assert result.reasons[-1].startswith("knock-out: business address in CA")


def test_request_above_instant_limit_goes_to_review_even_with_a_perfect_profile():
    result = evaluate(amount_requested=ScorecardProvider.INSTANT_LIMIT + 1, has_purchase_terms_history=True)
    assert (result.outcome, result.score) == ("refer", 80)
    assert result.scorecard.conclusion == Conclusion(
        "above_instant_limit", "referred: 50,000.01 USD requested, above the instant limit 50,000.00 USD"
    )


def test_ein_shared_with_an_already_checked_customer_is_referred():
    other = approved_customer(ein="12-7654321")
    result = evaluate(CustomerFactory(ein="127654321"))
    assert result.outcome == "refer"
    assert result.inputs["duplicate_ein_customer_ids"] == [other.id]


def test_the_duplicate_ein_lookup_is_served_by_its_index_not_a_scan_of_every_account():
    other = approved_customer(ein="12-7654321")
    customer = CustomerFactory(ein="127654321")
    # Enough customers that went through credit, and fresh statistics, for the planner to choose as it would on a
    # real table (on a handful of rows, any plan is as cheap).
    many = Customer.objects.bulk_create(CustomerFactory.build() for _ in range(3000))
    CreditAccount.objects.bulk_create(
        CreditAccount(customer=row, credit_status="approved", ein_digits=f"{10 + n % 89}{1000000 + n}")
        for n, row in enumerate(many)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE credit_creditaccount")
        with CaptureQueriesContext(connection) as captured:
            assert evaluate(customer).inputs["duplicate_ein_customer_ids"] == [other.id]
        [lookup] = [query["sql"] for query in captured.captured_queries if '"ein_digits" =' in query["sql"]]
        cursor.execute(f"EXPLAIN {lookup}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "credit_account_ein_idx" in plan, plan


def test_older_customers_score_for_business_age():
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(created_at=timezone.now() - timedelta(days=400))
    customer = reloaded(customer)
    result = evaluate(customer)
    assert result.score == 95
    assert "+10 customer for 400 days" in result.reasons


@pytest.mark.parametrize(
    ("ein", "well_formed"),
    [("12-3456789", True), ("123456789", True), ("00-3456789", False), ("12-345678", False), ("", False)],
)
def test_ein_shape_and_irs_prefix(ein, well_formed):
    assert ein_well_formed(ein) is well_formed


def test_result_carries_every_input_it_used():
    result = evaluate(has_purchase_terms_history=False, business_description="Wholesale bakery")
    assert result.inputs == {
        "ein_present": True, "ein_well_formed": True, "address_complete": True, "country": "US",
        "email_domain": result.inputs["email_domain"], "free_mail": False, "legal_name_present": True,
        "amount_requested": 500_000, "currency_code": "USD", "has_purchase_history": True,
        "has_purchase_terms_history": False, "business_description_length": 16, "business_age_days": 0,
        "duplicate_ein_customer_ids": [],
    }  # fmt: skip
    assert result.inputs["email_domain"].startswith("business")


class ReferEverything(DecisionProvider):
    name = "refer-everything"

    def evaluate(self, *, customer, check):
        conclusion = Conclusion("manual_only", "manual underwriting only")
        return EngineResult("refer", Scorecard(self.name, 0, None, (), conclusion), inputs={})


@override_settings(CREDIT_DECISION_PROVIDER="tests.credit.test_engine.ReferEverything")
def test_the_provider_setting_chooses_the_engine():
    assert isinstance(get_provider(), ReferEverything)
    customer = CustomerFactory()
    check = CreditCheck.objects.create(customer=customer, amount_requested=100, has_purchase_history=True)
    credit_check_decide(credit_check_id=check.id)
    check = reloaded(check)
    assert (check.status, check.reasons, check.inputs) == (
        CreditCheckStatus.IN_REVIEW,
        ["manual underwriting only"],
        {"provider": "refer-everything"},
    )


# --- the scorecard as data ---------------------------------------------------------------------------------------


def test_every_rule_is_reported_by_its_stable_id_with_the_points_it_can_give_and_gave():
    scorecard = evaluate(has_purchase_history=False).scorecard
    assert [(rule.id, rule.points, rule.max_points, rule.passed) for rule in scorecard.rules] == [
        ("ein_well_formed", 20, 20, True),
        ("address_complete", 10, 10, True),
        ("supported_country", 10, 10, True),
        ("business_email_domain", 15, 15, True),
        ("purchase_history", 0, 15, False),
        ("terms_history", 0, 5, False),
        ("legal_name", 5, 5, True),
        ("amount_requested", 10, 10, True),
        ("business_age", 0, 10, False),
    ]
    assert scorecard.score == sum(rule.points for rule in scorecard.rules) == 70
    assert scorecard.conclusion == Conclusion("score_between_thresholds", "referred: score 70 is between 45 and 75")
    assert (scorecard.provider, scorecard.scale) == ("scorecard-v1", ScoreScale(100, 45, 75))


def test_the_rules_can_give_exactly_the_scales_maximum():
    rules = evaluate().scorecard.rules
    assert sum(rule.max_points for rule in rules) == ScorecardProvider.SCALE.maximum == 100


def rule(result: EngineResult, rule_id: str) -> RuleResult:
    [found] = [rule for rule in result.scorecard.rules if rule.id == rule_id]
    return found


def test_a_rule_that_gives_part_of_its_points_passed():
    amount = rule(evaluate(amount_requested=2_000_000), "amount_requested")
    assert (amount.points, amount.max_points, amount.passed) == (5, 10, True)


def test_the_reasons_are_todays_strings_made_from_the_labels_with_amounts_in_major_units():
    customer = CustomerFactory(email="ap@bluebird.example")
    assert evaluate(customer, amount_requested=750_000).reasons == [
        "+20 EIN present and well formed",
        "+10 full business address",
        "+10 supported country",
        "+15 business email domain bluebird.example",
        "+15 has purchase history",
        "+0 terms history not given",
        "+5 legal name on file",
        "+10 requested amount 7,500.00 USD",
        "+0 customer for 0 days",
        "approved: score 85 is at least 75",
    ]


def test_amounts_in_labels_follow_the_currencys_minor_units():
    amount = rule(evaluate(amount_requested=500_000, currency_code="JPY"), "amount_requested")
    assert amount.label == "requested amount 500,000 JPY"


def test_a_scorecard_goes_to_json_and_back_unchanged():
    scorecard = evaluate(has_purchase_history=False).scorecard
    stored = json.loads(json.dumps(scorecard.to_json()))
    assert Scorecard.from_json(stored) == scorecard
    assert stored["scale"] == {"maximum": 100, "decline_below": 45, "approve_at": 75}
    ein = {"id": "ein_well_formed", "label": "EIN present and well formed", "points": 20, "max_points": 20}
    assert stored["rules"][0] == {**ein, "passed": True}


def test_a_negative_rule_reads_as_a_penalty():
    assert RuleResult("late_payer", "paid late twice", -10, 0, False).reason == "-10 paid late twice"


@pytest.mark.parametrize(("decline_below", "approve_at", "maximum"), [(50, 40, 100), (10, 120, 100), (0, 0, 0)])
def test_a_scale_with_its_thresholds_out_of_order_is_refused(decline_below, approve_at, maximum):
    with pytest.raises(ValueError, match="decline_below <= approve_at <= maximum"):
        ScoreScale(maximum=maximum, decline_below=decline_below, approve_at=approve_at)


def test_the_engine_stores_its_scorecard_on_the_check_and_the_decision():
    customer = CustomerFactory()
    check = CreditCheck.objects.create(customer=customer, amount_requested=100, has_purchase_history=True)
    expected = ScorecardProvider().evaluate(customer=customer, check=check).scorecard
    credit_check_decide(credit_check_id=check.id)
    check = reloaded(check)
    decision = CreditDecision.objects.get(credit_check=check)
    assert Scorecard.from_json(check.scorecard) == Scorecard.from_json(decision.scorecard) == expected
    assert check.reasons == decision.reasons == expected.reasons
