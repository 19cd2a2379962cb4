"""Deletes and default changes of one payment method racing each other through the HTTP layer: exactly one effect and
one event, the losers a 404 in the error format, never a 5xx. Each request runs in its own thread and database
connection; tests.concurrency queues them all behind the customer's row lock (which the services take first), so
every one of them has already found the payment method when the first may act: the window real races hit by luck."""

import threading

import pytest

from core.models import Event
from customers.models import Customer, PaymentMethod
from tests.api.conftest import Api, make_api_key
from tests.concurrency import queued_behind, run_in_threads
from tests.factories import CustomerFactory, PaymentMethodFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def token() -> str:
    token = make_api_key()
    Api(token).get("customers")  # a key's first use writes last_used_at: not while the races run
    return token


def _delete(token: str, method: PaymentMethod):
    return lambda: Api(token).delete(f"customers/{method.customer_id}/payment-methods/{method.id}")


def _make_default(token: str, method: PaymentMethod):
    return lambda: Api(token).patch(f"customers/{method.customer_id}/payment-methods/{method.id}/default")


def _events(customer, event_type: str) -> list[Event]:
    return list(Event.objects.filter(customer_id=customer.id, event_type=event_type))


def test_sixteen_deletes_of_one_payment_method_delete_it_once_and_the_others_are_404(token):
    customer = CustomerFactory()
    method = PaymentMethodFactory(customer=customer, is_default=True)

    responses = queued_behind(Customer, customer.pk, [_delete(token, method)] * 16)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [404] * 15
    winner = next(response for response in responses if response.status_code == 200)
    assert winner.json()["data"]["id"] == method.id
    for loser in (response for response in responses if response.status_code == 404):
        error = loser.json()["error"]
        assert (error["code"], error["detail"]) == ("not_found", f"No payment method with id {method.id}.")
    assert not PaymentMethod.objects.filter(pk=method.pk).exists()
    deleted = _events(customer, "payment_method.deleted")
    assert [event.data["id"] for event in deleted] == [method.id]


def test_sixteen_deletes_started_together_delete_once(token):
    """The same race left to chance (a barrier, no lock held): whatever interleaving happens, one 200, one event."""
    customer = CustomerFactory()
    method = PaymentMethodFactory(customer=customer, is_default=True)
    barrier = threading.Barrier(16)

    def delete():
        barrier.wait(timeout=30)
        return _delete(token, method)()

    responses = run_in_threads([delete] * 16)
    assert sorted(response.status_code for response in responses) == [200] + [404] * 15
    assert len(_events(customer, "payment_method.deleted")) == 1


@pytest.mark.parametrize("first", ["delete", "make_default"])
def test_a_delete_racing_a_default_change_is_never_a_5xx(token, first):
    customer = CustomerFactory()
    PaymentMethodFactory(customer=customer, is_default=True)
    method = PaymentMethodFactory(customer=customer, is_default=False)
    calls = {"delete": _delete(token, method), "make_default": _make_default(token, method)}
    order = [first, *(name for name in calls if name != first)]

    responses = dict(zip(order, queued_behind(Customer, customer.pk, [calls[name] for name in order]), strict=True))

    assert responses["delete"].status_code == 200
    assert not PaymentMethod.objects.filter(pk=method.pk).exists()
    if first == "delete":
        # Gone before its turn: the default change finds nothing to change.
        assert responses["make_default"].status_code == 404
        assert responses["make_default"].json()["error"]["code"] == "not_found"
        assert _events(customer, "default_payment_method_changed") == []
    else:
        assert responses["make_default"].status_code == 200
        assert responses["make_default"].json()["data"]["is_default"] is True
        # The delete answers with the method as it was when deleted: the default by then.
        assert responses["delete"].json()["data"]["is_default"] is True
    assert len(_events(customer, "payment_method.deleted")) == 1


def test_an_archive_racing_a_new_user_leaves_no_user_on_an_archived_customer(token):
    customer = CustomerFactory()
    api = Api(token)

    def archive():
        return api.delete(f"customers/{customer.id}")

    def add_user():
        return Api(token).post(f"customers/{customer.id}/users", {"email": "late@example.com"})

    archived, added = queued_behind(Customer, customer.pk, [archive, add_user])

    assert archived.status_code == 200
    assert (added.status_code, added.json()["error"]["code"]) == (422, "customer_archived")
    assert not customer.users.exists()
