import re

import pytest
from django.contrib import admin
from django.urls import reverse

from core.actors import Actor
from core.models import ApiKey, Event
from core.services import api_key_create
from credit.models import CreditLedgerEntry
from customers.models import Customer
from customers.services import customer_archive
from tests.credit.builders import completed_purchase, grant_line
from tests.factories import CustomerFactory, CustomerUserFactory, PaymentMethodFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:customers_customer_changelist")


@pytest.fixture
def admin_client_(client_as):
    return client_as("superuser")


def test_every_registered_model_lists_and_searches(admin_client_):
    customer = CustomerFactory()
    CustomerUserFactory(customer=customer)
    PaymentMethodFactory(customer=customer)
    grant_line(customer, 1000)
    completed_purchase(customer, 500, days_past_due=1)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client_.get(url).status_code == 200, url
        assert admin_client_.get(url, {"q": "x"}).status_code == 200, url


def test_archive_action_goes_through_the_service(admin_client_):
    customer = CustomerFactory()
    admin_client_.post(CHANGELIST, {"action": "archive_customers", "_selected_action": [customer.id]})
    customer = reloaded(customer)
    assert customer.status == "archived"
    event = Event.objects.get(customer=customer)
    assert (event.event_type, event.actor_type, event.actor_id) == (
        "customer.archived", "staff", str(admin_client_.user.pk),
    )  # fmt: skip


def test_restore_action_reports_a_customer_it_could_not_restore(admin_client_):
    customer = customer_archive(customer=CustomerFactory(email="a@b.com"), actor=Actor.system())
    CustomerFactory(email="a@b.com")
    response = admin_client_.post(
        CHANGELIST, {"action": "restore_customers", "_selected_action": [customer.id]}, follow=True
    )
    customer = reloaded(customer)
    assert customer.status == "archived"
    assert "customer email conflicts with customer of id" in response.content.decode()


def management_forms(html: str) -> dict:
    """The inline formsets' hidden management fields, which every admin POST must carry."""
    return dict(re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d+)"', html))


def test_adding_and_changing_in_the_admin_records_events(admin_client_):
    inlines = management_forms(admin_client_.get(reverse("admin:customers_customer_add")).content.decode())
    data = {"email": "new@x.com", "name": "Admin made", "locale": "en", "custom_data": "null", "import_meta": "null"}
    data.update(inlines)
    admin_client_.post(reverse("admin:customers_customer_add"), data)
    customer = Customer.objects.get(email="new@x.com")
    admin_client_.post(reverse("admin:customers_customer_change", args=[customer.id]), {**data, "name": "Renamed"})
    customer = reloaded(customer)
    assert customer.name == "Renamed"
    assert list(Event.objects.filter(customer=customer).values_list("event_type", "actor_type")) == [
        ("customer.created", "staff"), ("customer.updated", "staff"),
    ]  # fmt: skip


def test_customers_cannot_be_deleted_from_the_admin(admin_client_):
    customer = CustomerFactory()
    response = admin_client_.post(reverse("admin:customers_customer_delete", args=[customer.id]), {"post": "yes"})
    assert response.status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_ledger_is_read_only(admin_client_):
    grant_line(CustomerFactory(), 1000)
    entry = CreditLedgerEntry.objects.get()
    url = reverse("admin:credit_creditledgerentry_change", args=[entry.id])
    assert admin_client_.post(url, {"amount": "5"}).status_code == 403
    assert admin_client_.get(reverse("admin:credit_creditledgerentry_add")).status_code == 403
    entry = reloaded(entry)
    assert entry.amount == 1000


def test_api_keys_are_revoked_from_the_admin_not_created_there(admin_client_):
    api_key, _ = api_key_create(name="old", scopes=["customers:read"])
    assert admin_client_.get(reverse("admin:core_apikey_add")).status_code == 403
    admin_client_.post(
        reverse("admin:core_apikey_changelist"), {"action": "revoke_api_keys", "_selected_action": [api_key.id]}
    )
    assert ApiKey.objects.get().revoked_at is not None
