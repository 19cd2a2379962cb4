"""The credit sections of the customer page and the credit actions: every write goes through a credit service, and
its refusals come back next to the field they name."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.actors import Actor
from core.models import Event
from credit.models import CreditBalance, CreditCheck, CreditDecision, CreditLedgerEntry, CreditTransaction
from credit.services import (
    credit_check_approve,
    credit_check_decide,
    credit_check_request,
    credit_hold,
    credit_line_update,
    credit_past_due_evaluate,
)
from tests.credit.builders import API, OFFICER, approved_customer, buckets, completed_transaction
from tests.factories import CustomerFactory, StaffUserFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db


def detail(customer) -> str:
    return reverse("staff:customer_detail", args=[customer.id])


def url(name: str, customer) -> str:
    return reverse(f"staff:{name}", args=[customer.id])


@pytest.fixture
def officer(client_as):
    return client_as("credit_officer")


def test_an_account_manager_requests_a_credit_check_in_major_units(client_as):
    customer = CustomerFactory()
    manager = client_as("account_manager")
    response = manager.post(
        url("customer_credit_check", customer),
        {"amount_requested": "25,000.50", "has_purchase_history": "true", "business_description": "Coffee roaster"},
    )
    assert response.status_code == 302
    assert response["Location"] == detail(customer) + "#credit-check"
    check = CreditCheck.objects.get(customer=customer)
    assert (check.amount_requested, check.currency_code, check.has_purchase_history) == (2_500_050, "USD", True)
    assert (check.has_purchase_terms_history, check.business_description) == (None, "Coffee roaster")
    assert (check.requested_by_type, check.requested_by_id) == ("staff", str(manager.user.pk))
    customer = reloaded(customer)
    assert customer.credit_status == "pending"


def test_a_second_credit_check_is_refused_with_the_services_message(client_as):
    customer = CustomerFactory()
    credit_check_request(customer=customer, actor=API, amount_requested=100, has_purchase_history=False)
    response = client_as("account_manager").post(
        url("customer_credit_check", customer), {"amount_requested": "10", "has_purchase_history": "false"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Credit check already created for this customer."]
    assert CreditCheck.objects.count() == 1


def test_a_credit_check_without_purchase_history_is_refused_next_to_the_field(client_as):
    customer = CustomerFactory()
    response = client_as("account_manager").post(url("customer_credit_check", customer), {"amount_requested": "10"})
    assert response.context["form"].errors == {"has_purchase_history": ["This field is required."]}
    assert not CreditCheck.objects.exists()


def test_amounts_below_the_services_minimum_are_refused_with_its_message(client_as):
    customer = CustomerFactory()
    response = client_as("account_manager").post(
        url("customer_credit_check", customer), {"amount_requested": "0", "has_purchase_history": "true"}
    )
    assert response.context["form"].errors == {"amount_requested": ["Must be at least 1."]}
    assert not CreditCheck.objects.exists()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("12.345", "USD amounts have 2 decimal places."),
        ("lots", "Enter an amount such as 25,000.00."),
        # Decimal("1e999999") scaled to cents raised decimal.Overflow: a 500.
        ("1e999999", "Enter an amount such as 25,000.00."),
        ("Infinity", "Enter an amount such as 25,000.00."),
        # Read as 1.25000 (the comma dropped), 1,000 times less than meant.
        ("1.250,00", "Enter an amount such as 25,000.00."),
        ("99999999999999999999", "Must be at most 1000000000000000."),
    ],
)
def test_amounts_people_cannot_mean_are_refused_before_the_service(client_as, typed, error):
    customer = CustomerFactory()
    response = client_as("account_manager").post(
        url("customer_credit_check", customer), {"amount_requested": typed, "has_purchase_history": "true"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"amount_requested": [error]}
    assert error in response.content.decode()
    assert not CreditCheck.objects.exists()


def test_an_absurd_exponent_in_a_credit_line_is_a_form_error_not_a_server_error(officer):
    customer = approved_customer(limit=1_000_000)
    response = officer.post(
        url("customer_credit_line", customer), {"credit_limit": "1e999999", "currency_code": "USD", "reason": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"credit_limit": ["Enter an amount such as 25,000.00."]}
    assert buckets(customer) == (1_000_000, 0, 0)


def test_a_credit_officer_approves_a_direct_application_and_the_customer_is_enrolled(officer):
    customer = CustomerFactory()
    response = officer.post(
        url("customer_credit_approve", customer),
        {"amount": "5000", "currency_code": "cad", "default_terms": "net45", "note": "Signed application"},
    )
    assert response.status_code == 302
    customer = reloaded(customer)
    assert (customer.credit_status, customer.net_terms_status, customer.default_terms) == (
        "approved", "enrolled", "net45",
    )  # fmt: skip
    balance = CreditBalance.objects.get(customer=customer)
    assert (balance.currency_code, balance.available) == ("CAD", 500_000)
    decision = CreditDecision.objects.get(customer=customer)
    assert (decision.decided_by_type, decision.decided_by_id, decision.note) == (
        "staff", str(officer.user.pk), "Signed application",
    )  # fmt: skip


def test_a_direct_approval_with_unknown_terms_is_refused_next_to_terms(officer):
    customer = CustomerFactory()
    response = officer.post(
        url("customer_credit_approve", customer), {"amount": "5000", "currency_code": "USD", "default_terms": "net9"}
    )
    assert "Select a valid choice" in response.context["form"].errors["default_terms"][0]
    assert not CreditDecision.objects.exists()


@pytest.mark.parametrize("code", ["U$", "ZZZ", "XYZ", "XXX", "XAU"])
def test_a_currency_outside_iso_4217_is_shown_next_to_currency(officer, code):
    # ZZZ and XYZ passed the old three-capitals check and were approved as credit lines.
    customer = CustomerFactory()
    response = officer.post(
        url("customer_credit_approve", customer), {"amount": "5000", "currency_code": code, "default_terms": "net30"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"currency_code": ["Enter an ISO 4217 currency code, such as USD."]}
    assert not CreditDecision.objects.exists()
    customer = reloaded(customer)
    assert customer.credit_status is None


def test_a_direct_approval_in_yen_is_read_with_no_decimals(officer):
    customer = CustomerFactory()
    response = officer.post(
        url("customer_credit_approve", customer),
        {"amount": "1,500,000", "currency_code": "JPY", "default_terms": "net30"},
    )
    assert response.status_code == 302
    assert buckets(customer, "JPY") == (1_500_000, 0, 0)
    refused = officer.post(
        url("customer_credit_approve", CustomerFactory()),
        {"amount": "1.5", "currency_code": "JPY", "default_terms": "net30"},
    )
    assert refused.context["form"].errors == {"amount": ["JPY amounts have no decimal places."]}


def test_adjust_line_posts_the_difference_to_the_ledger_with_the_reason(officer):
    customer = approved_customer(limit=1_000_000)
    form = officer.get(url("customer_credit_line", customer)).context["form"]
    assert (form.initial["credit_limit"], form.initial["currency_code"]) == ("10000.00", "USD")
    response = officer.post(
        url("customer_credit_line", customer),
        {"credit_limit": "15,000", "currency_code": "USD", "reason": "Paid on time for a year"},
    )
    assert response.status_code == 302
    entry = CreditLedgerEntry.objects.filter(customer=customer).latest("id")
    assert (entry.entry_type, entry.amount, entry.reason) == ("line_adjustment", 500_000, "Paid on time for a year")
    assert CreditBalance.objects.get(customer=customer).credit_limit == 1_500_000


def test_adjust_line_without_a_reason_changes_nothing(officer):
    customer = approved_customer(limit=1_000_000)
    response = officer.post(url("customer_credit_line", customer), {"credit_limit": "20000", "currency_code": "USD"})
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert CreditBalance.objects.get(customer=customer).credit_limit == 1_000_000


def test_a_line_below_what_is_used_is_refused_with_the_services_message(officer):
    customer = approved_customer(limit=1_000_000)
    completed_transaction(customer, 400_000)
    response = officer.post(
        url("customer_credit_line", customer), {"credit_limit": "3000", "currency_code": "USD", "reason": "Risk"}
    )
    assert response.context["form"].errors == {
        "credit_limit": ["Cannot go below 400000 USD: that much is reserved or used."]
    }
    assert CreditBalance.objects.get(customer=customer).credit_limit == 1_000_000


def test_adjusting_the_line_of_a_customer_never_approved_says_why(officer):
    customer = CustomerFactory()
    response = officer.post(
        url("customer_credit_line", customer), {"credit_limit": "100", "currency_code": "USD", "reason": "Why not"}
    )
    assert response.context["form"].non_field_errors() == [
        f"Customer {customer.id} is not credit checked; only approved customers or customers on hold can be given a "
        "new line."
    ]
    assert not CreditLedgerEntry.objects.exists()


def test_hold_then_reinstate_records_both_decisions_with_codes_and_notes(officer):
    customer = approved_customer()
    officer.post(url("customer_credit_hold", customer), {"hold_code": "failed_payment", "note": "Card bounced"})
    customer = reloaded(customer)
    assert (customer.credit_status, customer.hold_code) == ("hold", "failed_payment")
    officer.post(url("customer_credit_reinstate", customer), {"note": "Paid by wire"})
    customer = reloaded(customer)
    assert (customer.credit_status, customer.hold_code) == ("approved", None)
    assert list(customer.credit_decisions.order_by("id").values_list("decision", "hold_code", "note")) == [
        ("approved", None, ""), ("hold", "failed_payment", "Card bounced"), ("reinstate", None, "Paid by wire"),
    ]  # fmt: skip


def test_a_hold_without_a_code_is_refused_next_to_the_code(officer):
    customer = approved_customer()
    response = officer.post(url("customer_credit_hold", customer), {"note": "why"})
    assert response.context["form"].errors == {"hold_code": ["This field is required."]}
    customer = reloaded(customer)
    assert customer.credit_status == "approved"


def test_deactivating_a_customer_never_checked_says_why(officer):
    customer = CustomerFactory()
    response = officer.post(url("customer_credit_deactivate", customer), {})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Customer {customer.id} is not credit checked; only approved customers or customers on hold can be "
        "deactivated."
    ]
    assert not Event.objects.filter(customer=customer).exists()


def test_an_account_manager_may_request_a_check_but_not_decide_credit(client_as):
    customer = approved_customer()
    manager = client_as("account_manager")
    forged = {"hold_code": "fraud", "reason": "x", "credit_limit": "1", "currency_code": "USD"}
    for name in ("customer_credit_line", "customer_credit_hold", "customer_credit_deactivate"):
        assert manager.post(url(name, customer), forged).status_code == 403
    customer = reloaded(customer)
    assert customer.credit_status == "approved"


def test_detail_shows_the_check_with_its_scorecard_and_who_asked(client_as):
    customer = CustomerFactory(email="ap@gmail.com")
    check = credit_check_request(customer=customer, actor=API, amount_requested=100_000, has_purchase_history=False)
    credit_check_decide(credit_check_id=check.id)
    response = client_as("viewer").get(detail(customer))
    shown = response.context["credit_check"]
    assert (shown.check.status, shown.check.score, shown.meter.zone) == ("in_review", 55, "middle")
    assert shown.requested_by == "API client client-test"
    assert ("free-mail email domain gmail.com", 0) in [(line.text, line.points) for line in shown.lines]
    html = response.content.decode()
    assert "1,000.00 USD" in html
    assert "referred: score 55 is between 45 and 75" in html
    assert "Score 55 of 100: declined below 45, approved from 75" in html


def test_detail_names_the_staff_member_who_asked_for_the_check(client_as):
    manager = client_as("account_manager")
    customer = CustomerFactory()
    manager.post(url("customer_credit_check", customer), {"amount_requested": "100", "has_purchase_history": "true"})
    assert client_as("viewer").get(detail(customer)).context["credit_check"].requested_by == manager.user.username


def test_an_officers_decision_on_a_scored_check_shows_the_note_beside_the_engines_scorecard(officer):
    customer = CustomerFactory()
    check = credit_check_request(customer=customer, actor=API, amount_requested=100_000, has_purchase_history=False)
    credit_check_decide(credit_check_id=check.id)
    credit_check_approve(credit_check=check, actor=OFFICER, amount=100_000, default_terms="net30", note="Met them")
    response = officer.get(detail(customer))
    [decision] = response.context["decisions"].items
    assert (decision.reasons, decision.scorecard) == (["Met them"], None)
    assert response.context["credit_check"].lines[-1].text == "referred: score 70 is between 45 and 75"
    html = response.content.decode()
    assert "Met them" in html
    assert "+15</span><span>business email domain" in html


@override_settings(CREDIT_DECISION_PROVIDER="tests.credit.providers.TradeReferences")
def test_another_providers_decision_shows_on_the_customer_page_on_its_own_scale(client_as):
    customer = CustomerFactory()
    check = credit_check_request(customer=customer, actor=API, amount_requested=100, has_purchase_history=False)
    credit_check_decide(credit_check_id=check.id)
    response = client_as("viewer").get(detail(customer))
    shown = response.context["credit_check"]
    assert (shown.check.status, shown.meter.score, shown.meter.zone) == ("declined", 0, "low")
    html = response.content.decode()
    assert "Score 0 of 850: declined below 300, approved from 700" in html
    assert "trade references poor (0 of 850)" in html
    assert "Decision engine (trade-references-v2)" in html


def test_detail_shows_decisions_newest_first_with_who_decided(client_as):
    customer = approved_customer(limit=500_000)
    credit_hold(customer=customer, actor=OFFICER, hold_code="fraud", note="Suspicious orders")
    officer = client_as("credit_officer")
    credit_line_update(customer=customer, actor=OFFICER, credit_limit=100_000, reason="Lower exposure")
    response = officer.get(detail(customer))
    rows = response.context["decision_rows"]
    assert [row.decision.decision for row in rows] == ["line_adjustment", "hold", "approved"]
    assert {row.actor for row in rows} == {"staff user #42 (deleted)"}
    html = response.content.decode()
    assert "Suspicious orders" in html
    assert "Lower exposure" in html


def test_staff_decisions_show_the_officers_username(officer):
    customer = CustomerFactory()
    officer.post(
        url("customer_credit_approve", customer), {"amount": "100", "currency_code": "USD", "default_terms": "net30"}
    )
    rows = officer.get(detail(customer)).context["decision_rows"]
    assert [row.actor for row in rows] == [officer.user.username]


def test_detail_flags_overdue_purchases_and_those_late_enough_for_a_hold(client_as):
    customer = approved_customer(limit=1_000_000)
    on_time = completed_transaction(customer, 10_000)
    late = completed_transaction(customer, 20_000)
    very_late = completed_transaction(customer, 30_000)
    now = timezone.now()
    CreditTransaction.objects.filter(pk=late.pk).update(due_at=now - timedelta(days=3))
    CreditTransaction.objects.filter(pk=very_late.pk).update(due_at=now - timedelta(days=20))
    rows = client_as("viewer").get(detail(customer)).context["purchase_rows"]
    purchases = {row.purchase.id: row for row in rows}
    assert (purchases[on_time.id].days_overdue, purchases[on_time.id].past_due_for_hold) == (None, False)
    assert (purchases[late.id].days_overdue, purchases[late.id].past_due_for_hold) == (3, False)
    assert (purchases[very_late.id].days_overdue, purchases[very_late.id].past_due_for_hold) == (20, True)


def test_a_purchase_15_and_a_half_days_past_due_is_flagged_for_the_hold_the_rule_places(client_as):
    """The page and the automatic hold agree: 15.5 days past due is past the 15-day threshold for both (the page
    once floored it to 15 whole days and called it merely late while the customer was held)."""
    customer = approved_customer(limit=1_000_000)
    purchase = completed_transaction(customer, 20_000)
    now = timezone.now()
    CreditTransaction.objects.filter(pk=purchase.pk).update(due_at=now - timedelta(days=15, hours=12))
    decision = credit_past_due_evaluate(customer=customer, now=now)
    assert decision is not None and decision.hold_code == "past_due"
    response = client_as("viewer").get(detail(customer))
    [shown] = response.context["purchase_rows"]
    assert (shown.days_overdue, shown.past_due_for_hold) == (15, True)
    assert "badge--overdue" in response.content.decode()


def test_detail_shows_the_enrollment_link_while_enrollment_is_pending(client_as, settings):
    settings.PUBLIC_BASE_URL = "http://testserver"
    customer = approved_customer(via_check=True)
    response = client_as("viewer").get(detail(customer))
    link = response.context["enrollment_url"]
    assert link.startswith("http://testserver/enroll/")
    assert f'data-testid="enrollment-url">{link}</output>' in response.content.decode()


def test_the_ledger_pages_newest_first_through_every_entry(client_as):
    customer = approved_customer(limit=1_000_000)
    for _ in range(12):
        completed_transaction(customer, 1_000)  # two entries each: reserve, use
    viewer = client_as("viewer")
    first = viewer.get(detail(customer)).context["ledger"]
    assert [entry.entry_type for entry in first.items[:2]] == ["use", "reserve"]
    assert first.has_more
    ledger_url = url("customer_ledger", customer)
    rest = viewer.get(ledger_url, {"after": first.end_cursor}).context["page"]
    ids = [entry.id for entry in first.items + rest.items]
    assert ids == list(CreditLedgerEntry.objects.filter(customer=customer).order_by("-id").values_list("id", flat=True))
    assert rest.items[-1].entry_type == "grant"


def test_a_viewer_sees_no_credit_actions(client_as):
    html = client_as("viewer").get(detail(approved_customer())).content.decode()
    for label in ("Adjust line", "Put on hold", "Deactivate", "Request credit check", "Approve application"):
        assert label not in html


def test_credit_officers_see_the_actions_the_credit_status_allows(officer):
    html = officer.get(detail(approved_customer())).content.decode()
    assert ("Adjust line" in html, "Put on hold" in html, "Deactivate" in html, "Reinstate" in html) == (
        True, True, True, False,
    )  # fmt: skip
    never_checked = officer.get(detail(CustomerFactory())).content.decode()
    assert "Request credit check" in never_checked
    assert "Approve application" in never_checked


def test_decisions_the_engine_made_are_shown_as_the_engines(client_as):
    customer = CustomerFactory()
    check = credit_check_request(
        customer=customer, actor=API, amount_requested=100_000, has_purchase_history=True,
        has_purchase_terms_history=True,
    )  # fmt: skip
    credit_check_decide(credit_check_id=check.id)
    rows = client_as("viewer").get(detail(customer)).context["decision_rows"]
    assert [(row.decision.decision, row.actor) for row in rows] == [("approved", "Decision engine (scorecard-v1)")]


@pytest.mark.parametrize("name", ["customer_decisions", "customer_credit_transactions", "customer_ledger"])
def test_history_pages_query_count_does_not_grow_with_the_history(client_as, name):
    viewer = client_as("viewer")
    customer = approved_customer(limit=1_000_000)
    staff = StaffUserFactory()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get(url(name, customer)).status_code == 200
        return len(queries)

    few = count()
    for index in range(6):
        credit_line_update(customer=customer, actor=Actor.staff(staff), credit_limit=2_000_000 + index, reason="r")
        completed_transaction(customer, 1_000)
    assert count() == few
    # session, user, groups, customer, the page of rows, the names of the staff who acted
    assert few <= 6
