from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import ApplicationError
from core.models import Event
from credit.models import CreditCheck, CreditDecision, CreditLedgerEntry
from credit.presenters import credit_decision_to_dict
from credit.services import (
    credit_check_approve,
    credit_check_decide,
    credit_check_decline,
    credit_check_refer,
    credit_check_request,
    credit_direct_approve,
)
from customers.selectors import customer_get
from customers.services import customer_archive
from tests.credit.builders import API, OFFICER, assert_customer_agrees_with_balance, buckets
from tests.factories import CustomerFactory
from tests.reading import enrollment_url_of, reloaded

pytestmark = pytest.mark.django_db

NOW = timezone.datetime(2026, 3, 2, 9, 30, tzinfo=timezone.UTC)


def requested(customer=None, **fields):
    values = {"amount_requested": 500_000, "has_purchase_history": True} | fields
    return credit_check_request(customer=customer or CustomerFactory(), actor=API, **values)


def event_types(customer):
    return list(Event.objects.filter(customer_id=customer.id).order_by("id").values_list("event_type", flat=True))


@time_machine.travel(NOW, tick=False)
def test_engine_approval_grants_the_line_and_offers_enrollment():
    check = requested()
    credit_check_decide(credit_check_id=check.id)
    check = reloaded(check)
    customer = customer_get(customer_id=check.customer_id)
    assert (check.status, check.decided_at, check.score) == ("approved", NOW, 85)
    assert (customer.credit_status, customer.credit_currency, customer.default_terms) == ("approved", "USD", "net30")
    assert customer.net_terms_status == "pending_enrollment"
    assert customer.net_terms_enrollment_expires_at == NOW + timedelta(days=settings.NET_TERMS_ENROLLMENT_TTL_DAYS)
    assert enrollment_url_of(customer).startswith("/enroll/")  # no PUBLIC_BASE_URL in the test settings
    assert buckets(customer) == (500_000, 0, 0)
    assert_customer_agrees_with_balance(customer)


def test_engine_approval_is_kept_as_a_system_decision_with_its_evaluation():
    check = requested()
    credit_check_decide(credit_check_id=check.id)
    decision = CreditDecision.objects.get(credit_check=check)
    assert (decision.decision, decision.amount, decision.default_terms) == ("approved", 500_000, "net30")
    assert decision.score == 85
    assert (decision.decided_by_type, decision.decided_by_id) == ("system", "")
    assert decision.inputs["provider"] == "scorecard-v1"
    assert decision.reasons == CreditCheck.objects.get(pk=check.pk).reasons
    entry = CreditLedgerEntry.objects.get(decision=decision)
    assert (entry.entry_type, entry.amount, entry.available_after) == ("grant", 500_000, 500_000)


def test_engine_approval_records_decision_status_line_and_balance_events():
    check = requested()
    credit_check_decide(credit_check_id=check.id)
    customer = check.customer
    assert event_types(customer)[2:] == [
        "customer.credit_decision_created",
        "credit_balance.updated",
        "customer.status_updated",
        "customer.line_amount_updated",
    ]
    line = Event.objects.get(customer_id=customer.id, event_type="customer.line_amount_updated").data
    assert line["line"] | {"credit_decision_id": None} == {
        "currency_code": "USD", "credit_limit": "500000", "previous_credit_limit": "0", "credit_decision_id": None,
    }  # fmt: skip
    status = Event.objects.filter(customer_id=customer.id, event_type="customer.status_updated").last().data
    assert (status["credit_status"], status["previous_credit_status"], status["amount_available"]) == (
        "approved", "pending", "500000",
    )  # fmt: skip


def test_engine_decline_sets_the_code_and_moves_no_money():
    check = requested(CustomerFactory(email="owner@gmail.com", ein=""), has_purchase_history=False)
    credit_check_decide(credit_check_id=check.id)
    customer = customer_get(customer_id=check.customer_id)
    assert (customer.credit_status, customer.decline_code) == ("declined", "email_verification_freemail")
    assert customer.net_terms_status is None
    assert CreditCheck.objects.get(pk=check.pk).status == "declined"
    decision = CreditDecision.objects.get(customer=customer)
    assert (decision.decision, decision.decline_code) == ("declined", "email_verification_freemail")
    assert decision.amount is None
    assert not customer.credit_balances.exists()


def test_engine_referral_leaves_the_customer_pending_in_the_review_queue():
    check = requested(has_purchase_history=False)
    credit_check_decide(credit_check_id=check.id)
    check = reloaded(check)
    assert (check.status, check.score, check.customer.credit_account.credit_status) == ("in_review", 70, "pending")
    assert check.referred_at is not None and check.decided_at is None
    assert not CreditDecision.objects.exists()
    assert event_types(check.customer)[-1] == "customer.credit_check_referred"


def test_deciding_twice_decides_once():
    check = requested()
    credit_check_decide(credit_check_id=check.id)
    credit_check_decide(credit_check_id=check.id)
    assert CreditDecision.objects.filter(credit_check=check).count() == 1
    assert buckets(check.customer) == (500_000, 0, 0)


def test_deciding_a_check_that_does_not_exist_is_a_no_op():
    assert credit_check_decide(credit_check_id="crc_01jzzzzzzzzzzzzzzzzzzzzzzz") is None


def test_officer_approves_from_the_queue_with_own_amount_and_terms():
    check = requested(has_purchase_history=False)
    credit_check_decide(credit_check_id=check.id)
    decision = credit_check_approve(
        credit_check=check, actor=OFFICER, amount=300000, default_terms="net45", note="Trade references check out"
    )
    customer = customer_get(customer_id=check.customer_id)
    assert customer.net_terms_status == "pending_enrollment"
    assert (customer.credit_status, customer.default_terms) == ("approved", "net45")
    assert buckets(customer) == (300_000, 0, 0)
    assert credit_decision_to_dict(decision) | {"id": None, "created_at": None} == {
        "id": None, "customer_id": customer.id, "credit_check_id": check.id, "decision": "approved",
        "amount": "300000", "currency_code": "USD", "default_terms": "net45", "decline_code": None,
        "hold_code": None, "reasons": ["Trade references check out"], "score": 70,
        "decided_by": {"type": "staff", "id": "42"}, "created_at": None,
    }  # fmt: skip
    assert_customer_agrees_with_balance(customer)


def test_officer_declines_from_the_queue_with_a_code():
    check = requested(has_purchase_history=False)
    credit_check_decide(credit_check_id=check.id)
    decision = credit_check_decline(credit_check=check, actor=OFFICER, decline_code="failing_credit")
    customer = customer_get(customer_id=check.customer_id)
    assert (customer.credit_status, customer.decline_code) == ("declined", "failing_credit")
    assert (decision.decided_by_type, decision.reasons) == ("staff", ["declined by a credit officer"])


def test_officer_can_settle_a_check_the_engine_has_not_reached_and_the_engine_then_leaves_it():
    check = requested()
    credit_check_decline(credit_check=check, actor=OFFICER, decline_code="fraud")
    credit_check_decide(credit_check_id=check.id)
    assert list(CreditDecision.objects.values_list("decision", "decline_code")) == [("declined", "fraud")]


@pytest.mark.parametrize("settle", ["approve", "decline"])
def test_a_decided_check_cannot_be_decided_again(settle):
    check = requested()
    credit_check_decide(credit_check_id=check.id)
    with pytest.raises(ApplicationError) as error:
        if settle == "approve":
            credit_check_approve(credit_check=check, actor=OFFICER, amount=1, default_terms="net30")
        else:
            credit_check_decline(credit_check=check, actor=OFFICER, decline_code="other")
    assert (error.value.code, error.value.status) == ("credit_check_already_decided", 409)
    assert CreditDecision.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"default_terms": "net31"}, "default_terms"),
        ({"currency_code": "US"}, "currency_code"),
    ],
)
def test_officer_approval_validates_its_input_and_changes_nothing(kwargs, field):
    check = requested(has_purchase_history=False)
    values = {"amount": 100, "default_terms": "net30"} | kwargs
    with pytest.raises(ValidationError) as error:
        credit_check_approve(credit_check=check, actor=OFFICER, **values)
    assert list(error.value.message_dict) == [field]
    assert CreditCheck.objects.get(pk=check.pk).status == "pending"
    assert not CreditDecision.objects.exists()


def test_officer_decline_needs_a_resolve_decline_code():
    check = requested()
    with pytest.raises(ValidationError) as error:
        credit_check_decline(credit_check=check, actor=OFFICER, decline_code="dont_like_them")
    assert "decline_code" in error.value.message_dict
    assert CreditCheck.objects.get(pk=check.pk).status == "pending"


def test_direct_application_approved_by_an_officer_is_enrolled_at_once():
    customer = CustomerFactory()
    decision = credit_direct_approve(
        customer=customer, actor=OFFICER, amount=2_000_000, default_terms="net60", currency_code="CAD"
    )
    customer = reloaded(customer)
    assert (customer.credit_status, customer.net_terms_status) == ("approved", "enrolled")
    assert customer.credit_currency == "CAD"
    assert customer.net_terms_enrolled_at is not None and customer.net_terms_enrollment_expires_at is None
    assert enrollment_url_of(customer) is None
    assert (decision.credit_check_id, decision.decided_by_type) == (None, "staff")
    assert buckets(customer, "CAD") == (2_000_000, 0, 0)
    assert_customer_agrees_with_balance(customer)


def test_direct_application_is_refused_once_the_customer_has_a_credit_status():
    check = requested()
    with pytest.raises(ApplicationError) as error:
        credit_direct_approve(customer=check.customer, actor=OFFICER, amount=100, default_terms="net30")
    assert (error.value.code, error.value.status) == ("invalid_credit_status", 409)
    assert not CreditDecision.objects.exists()


def test_a_customer_approved_directly_cannot_request_a_credit_check():
    customer = CustomerFactory()
    credit_direct_approve(customer=customer, actor=OFFICER, amount=100, default_terms="net30")
    with pytest.raises(ApplicationError) as error:
        requested(customer)
    assert error.value.code == "credit_check_already_requested"


def test_direct_application_of_an_archived_customer_is_refused():
    customer = customer_archive(customer=CustomerFactory(), actor=OFFICER)
    with pytest.raises(ApplicationError) as error:
        credit_direct_approve(customer=customer, actor=OFFICER, amount=100, default_terms="net30")
    assert error.value.code == "customer_archived"
    assert customer_get(customer_id=customer.pk).credit_status is None


def test_only_a_pending_check_can_be_referred_to_review():
    check = requested()
    credit_check_decide(credit_check_id=check.id)
    with pytest.raises(ApplicationError) as error:
        credit_check_refer(credit_check=check, actor=OFFICER, reason="second opinion")
    assert error.value.code == "credit_check_already_decided"
    assert CreditCheck.objects.get(pk=check.pk).status == "approved"
