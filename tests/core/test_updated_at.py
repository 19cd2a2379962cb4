"""`updated_at` moves on every write of a row, whichever way it is written (issue 15, finding 9)."""

from datetime import UTC, datetime

import pytest
from django.apps import apps

from core.actors import Actor
from core.models import TracksUpdates
from credit.models import CreditBalance
from customers.models import CustomerUser, PaymentMethod
from customers.services import customer_user_archive, customer_user_update, payment_method_set_default
from tests.credit.builders import completed_purchase, grant_line
from tests.factories import CustomerFactory, CustomerUserFactory, PaymentMethodFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
STAFF = Actor.system("tests")


def backdated(instance):
    """The row with its updated_at set long ago (an explicit value, which a queryset update keeps)."""
    type(instance).objects.filter(pk=instance.pk).update(updated_at=LONG_AGO)
    return reloaded(instance)


def test_every_model_with_updated_at_maintains_it():
    missing = [
        model.__name__
        for model in apps.get_models()
        if any(field.name == "updated_at" for field in model._meta.fields) and not issubclass(model, TracksUpdates)
    ]
    assert missing == []


def test_updating_a_customer_user_moves_its_updated_at():
    user = backdated(CustomerUserFactory(first_name="Ann"))
    customer_user_update(user=user, actor=STAFF, data={"first_name": "Anna"})
    assert reloaded(user).updated_at > LONG_AGO


def test_archiving_a_customer_user_moves_its_updated_at():
    user = backdated(CustomerUserFactory())
    customer_user_archive(user=user, actor=STAFF)
    assert CustomerUser.objects.get(pk=user.pk).updated_at > LONG_AGO


def test_the_payment_method_that_stops_being_the_default_is_updated_too():
    customer = CustomerFactory()
    previous = backdated(PaymentMethodFactory(customer=customer, is_default=True))
    payment_method_set_default(method=PaymentMethodFactory(customer=customer, is_default=False), actor=STAFF)
    previous = PaymentMethod.objects.get(pk=previous.pk)
    assert (previous.is_default, previous.updated_at > LONG_AGO) == (False, True)


def test_money_moving_through_the_ledger_moves_the_balances_updated_at():
    customer = CustomerFactory()
    grant_line(customer, 1000)
    balance = backdated(CreditBalance.objects.get(customer=customer))
    completed_purchase(customer, 500, days_past_due=-10)
    assert CreditBalance.objects.get(pk=balance.pk).updated_at > LONG_AGO
