import time

import pytest
from django.core.exceptions import ValidationError

from core.errors import ApplicationError
from core.models import Event
from credit.models import CreditCheck, CreditCheckStatus
from credit.services import credit_check_request
from customers.services import customer_archive
from tests.credit.builders import API
from tests.factories import CustomerFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db


def request(customer, **overrides):
    values = {"amount_requested": 500_000, "has_purchase_history": True} | overrides
    return credit_check_request(customer=customer, actor=API, **values)


def test_request_records_a_pending_check_and_its_events():
    customer = CustomerFactory()
    check = request(customer, amount_requested=250000, has_purchase_terms_history=False,
                    business_description="Wholesale coffee")  # fmt: skip
    customer = reloaded(customer)
    assert (customer.credit_status, customer.credit_check_requested_at) == ("pending", check.requested_at)
    assert (check.status, check.amount_requested, check.currency_code) == (CreditCheckStatus.PENDING, 250_000, "USD")
    assert (check.has_purchase_history, check.has_purchase_terms_history) == (True, False)
    assert (check.requested_by_type, check.requested_by_id) == ("api_client", "client-test")
    events = list(Event.objects.filter(customer_id=customer.id).order_by("id"))
    assert [e.event_type for e in events] == ["customer.credit_check_requested", "customer.status_updated"]
    assert events[0].data["credit_check_id"] == check.id
    assert (events[1].data["credit_status"], events[1].data["previous_credit_status"]) == ("pending", None)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount_requested": 0}, "amount_requested", "Must be at least 0.01 USD."),
        ({"amount_requested": -5}, "amount_requested", "Must be at least 0.01 USD."),
        # Services take typed values: the API and the forms parse text before they call one.
        ({"amount_requested": "12.50"}, "amount_requested", "Must be an integer in minor units."),
        ({"amount_requested": True}, "amount_requested", "Must be an integer in minor units."),
        ({"amount_requested": None}, "amount_requested", "This field is required."),
        ({"has_purchase_history": None}, "has_purchase_history", "This field is required."),
        ({"has_purchase_history": "yes"}, "has_purchase_history", "Must be true or false."),
        ({"has_purchase_terms_history": 1}, "has_purchase_terms_history", "Must be true, false or null."),
        ({"business_description": "x" * 501}, "business_description",
         "Ensure this field has no more than 500 characters (it has 501)."),
    ],
)  # fmt: skip
def test_invalid_request_names_the_field_and_changes_nothing(overrides, field, message):
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as error:
        request(customer, **overrides)
    assert error.value.message_dict == {field: [message]}
    customer = reloaded(customer)
    assert customer.credit_status is None
    assert not CreditCheck.objects.exists()
    assert not Event.objects.filter(customer_id=customer.id).exists()


def test_every_invalid_field_is_reported_at_once():
    with pytest.raises(ValidationError) as error:
        request(CustomerFactory(), amount_requested=0, has_purchase_history=None, business_description="x" * 600)
    assert set(error.value.message_dict) == {"amount_requested", "has_purchase_history", "business_description"}


def test_second_request_is_refused_with_resolves_error():
    customer = CustomerFactory()
    request(customer)
    with pytest.raises(ApplicationError) as error:
        request(customer, amount_requested=1)
    assert (error.value.code, error.value.status) == ("credit_check_already_requested", 422)
    assert error.value.detail == "Credit check already created for this customer."
    assert CreditCheck.objects.get(customer=customer).amount_requested == 500_000


def test_archived_customer_cannot_be_checked():
    customer = customer_archive(customer=CustomerFactory(), actor=API)
    with pytest.raises(ApplicationError) as error:
        request(customer)
    assert (error.value.code, error.value.status) == ("customer_archived", 422)
    assert not CreditCheck.objects.exists()


def test_request_after_commit_runs_the_engine_when_tasks_run_in_process(
    eager_tasks, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        check = request(customer)
    check = reloaded(check)
    customer = reloaded(customer)
    assert (check.status, customer.credit_status, check.dispatch_count) == ("approved", "approved", 1)
    assert check.dispatched_at is not None


def test_request_succeeds_quickly_with_the_broker_down_and_leaves_the_check_for_the_sweep(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    customer = CustomerFactory()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        check = request(customer)
    elapsed = time.monotonic() - started
    check = reloaded(check)
    assert elapsed < 3, f"the request waited {elapsed:.1f} s on a dead broker"
    assert (check.status, check.dispatch_count, check.dispatched_at) == ("pending", 0, None)
    assert f"credit.decide_credit_check {check.id} not handed to the broker" in caplog.text
