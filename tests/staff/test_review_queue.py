"""The review queue: referred checks oldest first with their scorecard and wait, decided by credit officers through
credit_check_approve / credit_check_decline."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credit.models import CreditBalance, CreditCheck, CreditDecision
from credit.services import credit_check_approve, credit_check_decide, credit_check_refer, credit_check_request
from tests.credit.builders import API, OFFICER
from tests.factories import CustomerFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db
QUEUE = reverse("staff:review_queue")


def in_review(*, hours_ago: float = 0, amount: int = 6_000_000, **customer_fields) -> CreditCheck:
    """A check the engine scored and referred (an amount above its instant limit), requested `hours_ago`."""
    check = credit_check_request(
        customer=CustomerFactory(**customer_fields), actor=API, amount_requested=amount, has_purchase_history=True
    )
    assert credit_check_decide(credit_check_id=check.id).status == "in_review"
    CreditCheck.objects.filter(pk=check.pk).update(requested_at=timezone.now() - timedelta(hours=hours_ago))
    check = reloaded(check)
    return check


def approve_data(check, **fields) -> dict:
    data = {"amount": "25000.00", "currency_code": "USD", "default_terms": "net30", **fields}
    return {f"approve-{check.id}-{name}": value for name, value in data.items()}


def decline_data(check, **fields) -> dict:
    return {f"decline-{check.id}-{name}": value for name, value in fields.items()}


@pytest.fixture
def officer(client_as):
    return client_as("credit_officer")


def test_the_queue_lists_referred_checks_oldest_first_and_nothing_else(client_as):
    in_review(hours_ago=5, amount=7_000_000)
    in_review(hours_ago=1, amount=6_000_000)
    credit_check_request(customer=CustomerFactory(), actor=API, amount_requested=100, has_purchase_history=True)
    items = client_as("viewer").get(QUEUE).context["items"]
    assert [item.check.amount_requested for item in items] == [7_000_000, 6_000_000]
    assert [round(item.waited / timedelta(hours=1)) for item in items] == [5, 1]


def test_checks_past_the_business_day_target_are_flagged(client_as):
    fresh, stale = in_review(hours_ago=2), in_review(hours_ago=24 * 4)
    flags = {item.check.id: item.overdue for item in client_as("viewer").get(QUEUE).context["items"]}
    assert flags == {fresh.id: False, stale.id: True}
    html = client_as("viewer").get(QUEUE).content.decode()
    assert html.count("review-item--overdue") == 1
    assert "Overdue since" in html


def test_the_scorecard_and_the_requested_amount_are_shown(client_as):
    check = in_review(amount=6_000_000)
    html = client_as("viewer").get(QUEUE).content.decode()
    assert "60,000.00 USD" in html
    assert f"Score {check.score} of 100" in html
    assert "referred: 60,000.00 USD requested, above the instant limit 50,000.00 USD" in html
    assert '<span class="points" title="0 of 10 points">+0</span><span>requested amount 60,000.00 USD</span>' in html


@override_settings(CREDIT_DECISION_PROVIDER="tests.credit.providers.TradeReferences")
def test_another_providers_referral_shows_its_own_rules_scale_and_conclusion(client_as):
    check = credit_check_request(
        customer=CustomerFactory(),
        actor=API,
        amount_requested=100,
        has_purchase_history=True,
        business_description="Hotel laundry supplies",
    )
    assert credit_check_decide(credit_check_id=check.id).status == "in_review"
    response = client_as("viewer").get(QUEUE)
    [item] = response.context["items"]
    assert (item.meter.score, item.meter.zone, item.meter.scale.maximum) == (650, "middle", 850)
    assert [(line.text, line.points, line.kind) for line in item.lines] == [
        ("pays its suppliers on time", 400, "plus"),
        ("no supplier gave it terms", 0, "zero"),
        ("trade described", 250, "plus"),
        ("trade references mixed (650 of 850): ask a person", None, "note"),
    ]
    html = response.content.decode()
    assert "Score 650 of 850: declined below 300, approved from 700" in html
    # The zones are drawn in proportion to its scale (300 and 700 of 850), not to scorecard-v1's 100 points.
    assert '<rect class="zone zone--low" x="0" y="3" width="35.29" height="6">' in html
    assert '<rect class="zone zone--high" x="82.35" y="3" width="17.65" height="6">' in html
    assert '<span class="points" title="0 of 200 points">+0</span><span>no supplier gave it terms</span>' in html
    assert "Declines below 300" in html
    assert "Declines below 45" not in html


def test_a_check_referred_without_an_answer_from_the_engine_shows_why_and_no_score(client_as):
    check = credit_check_request(customer=CustomerFactory(), actor=API, amount_requested=100, has_purchase_history=True)
    credit_check_refer(credit_check=check, actor=API, reason="decision engine gave no answer after 5 attempts")
    response = client_as("viewer").get(QUEUE)
    [item] = response.context["items"]
    assert item.meter is None
    assert [(line.text, line.kind) for line in item.lines] == [
        ("decision engine gave no answer after 5 attempts", "note")
    ]
    assert "score-meter" not in response.content.decode()


def test_officers_get_forms_prefilled_with_the_request(officer):
    check = in_review(amount=6_000_050, default_terms="net60")
    shown = officer.get(QUEUE).context["items"][0]
    assert shown.approve_form.initial == {"amount": "60000.50", "currency_code": "USD", "default_terms": "net60"}
    assert shown.decline_form.prefix == f"decline-{check.id}"


def test_viewers_and_account_managers_see_the_queue_without_forms(client_as):
    in_review()
    for role in ("viewer", "account_manager"):
        response = client_as(role).get(QUEUE)
        assert (response.context["items"][0].approve_form, response.context["items"][0].decline_form) == (None, None)
        assert "Only credit officers can approve or decline" in response.content.decode()


def test_approving_grants_the_line_and_returns_to_the_queue(officer):
    check = in_review()
    response = officer.post(
        reverse("staff:review_approve", args=[check.id]),
        approve_data(check, amount="20,000", default_terms="net45", note="Good references"),
    )
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    customer = check.customer
    customer = reloaded(customer)
    assert (customer.credit_status, customer.default_terms, customer.net_terms_status) == (
        "approved", "net45", "pending_enrollment",
    )  # fmt: skip
    assert CreditBalance.objects.get(customer=customer).available == 2_000_000
    decision = CreditDecision.objects.get(credit_check=check)
    assert (decision.decision, decision.decided_by_id, decision.reasons) == (
        "approved", str(officer.user.pk), ["Good references"],
    )  # fmt: skip
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{customer} approved: 20,000.00 USD on NET45. Their net-terms enrollment link is on the customer page."
    ]
    assert officer.get(QUEUE).context["page"].items == []


def test_an_approval_the_service_refuses_shows_the_error_next_to_the_amount(officer):
    check = in_review()
    response = officer.post(reverse("staff:review_approve", args=[check.id]), approve_data(check, amount="0"))
    assert response.status_code == 200
    assert response.context["item"].approve_form.errors == {"amount": ["Must be at least 0.01 USD."]}
    assert f'id="id_approve-{check.id}-amount_error"' in response.content.decode()
    check = reloaded(check)
    assert check.status == "in_review"


@pytest.mark.parametrize("code", ["ZZZ", "XAU", "XTS"])
def test_an_approval_in_a_code_outside_iso_4217_is_refused_next_to_the_currency(officer, code):
    # ZZZ used to be approved, and the customer could then buy in it.
    check = in_review()
    response = officer.post(reverse("staff:review_approve", args=[check.id]), approve_data(check, currency_code=code))
    assert response.status_code == 200
    assert response.context["item"].approve_form.errors == {
        "currency_code": ["Enter an ISO 4217 currency code, such as USD."]
    }
    check = reloaded(check)
    assert check.status == "in_review"
    assert not CreditBalance.objects.exists() and not CreditDecision.objects.exists()


def test_declining_needs_a_code_and_records_it(officer):
    check = in_review()
    url = reverse("staff:review_decline", args=[check.id])
    refused = officer.post(url, decline_data(check))
    assert refused.context["item"].decline_form.errors == {"decline_code": ["This field is required."]}
    assert not CreditDecision.objects.exists()
    officer.post(url, decline_data(check, decline_code="failing_credit", note="Bureau report"))
    check.customer = reloaded(check.customer)
    assert (check.customer.credit_status, check.customer.decline_code) == ("declined", "failing_credit")


def test_deciding_a_check_another_officer_just_decided_says_so(officer):
    check = in_review()
    credit_check_approve(credit_check=check, actor=OFFICER, amount=1000, default_terms="net30")
    response = officer.post(reverse("staff:review_decline", args=[check.id]), decline_data(check, decline_code="other"))
    assert response["Location"] == reverse("staff:review_check", args=[check.id])
    page = officer.get(response["Location"])
    assert f"Credit check {check.id} is already approved." in page.content.decode()
    assert "review_decline" not in page.content.decode()
    assert list(CreditDecision.objects.values_list("decision", flat=True)) == ["approved"]


def test_an_unknown_check_is_404(officer):
    assert officer.get("/staff/reviews/crc_00000000000000000000000000").status_code == 404
    assert officer.post("/staff/reviews/crc_nope/approve").status_code == 404


def test_the_queue_page_query_count_does_not_grow_with_the_queue(officer):
    in_review()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert officer.get(QUEUE).status_code == 200
        return len(queries)

    few = count()
    for _ in range(6):
        in_review()
    assert count() == few
    # session, user, groups, the page of checks with their customers, the queue summary, the navigation's count
    assert few <= 6


def test_the_dashboard_figure_and_the_navigation_lead_to_the_queue(client_as):
    in_review()
    officer_page = client_as("credit_officer").get(reverse("staff:dashboard")).content.decode()
    assert f'<a class="kpi-link" href="{QUEUE}" data-kpi="pending-reviews"' in officer_page
    assert '<span class="nav-count">' in officer_page
    # The count in the navigation is for those who can act on it.
    assert '<span class="nav-count">' not in client_as("viewer").get(reverse("staff:dashboard")).content.decode()
