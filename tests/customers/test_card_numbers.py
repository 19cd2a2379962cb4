"""The PCI rule lives in the services (core.pan, called by customers and credit services), so every entry point refuses
a full card number with the same message: the API (as before), the staff forms, the admin and the CSV import. Before,
only the API's views checked bodies: a card number typed as a name in the staff form or the admin, or sent in an
import's name or custom_data, was stored."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import Event
from core.pan import CARD_NUMBER_MESSAGE
from credit.models import CreditTransaction
from credit.services import credit_transaction_bill
from customers.imports import customer_import_create, customer_import_run
from customers.models import Customer, CustomerUser
from tests.credit.builders import API, approved_customer
from tests.factories import CustomerFactory
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db

CARD = "4242 4242 4242 4242"


@pytest.fixture
def superuser(client):
    client.force_login(staff_user("superuser"))
    return client


def test_the_staff_customer_form_refuses_a_card_number_next_to_the_field(superuser):
    response = superuser.post(reverse("staff:customer_create"), {"email": "card@x.com", "name": CARD, "locale": "en"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [CARD_NUMBER_MESSAGE]
    assert not Customer.objects.exists()


def test_the_staff_customer_edit_form_refuses_a_card_number(superuser):
    customer = CustomerFactory(name="Acme")
    data = {"email": customer.email, "name": "Acme", "legal_name": f"Acme {CARD}", "locale": "en", "country": "US"}
    response = superuser.post(reverse("staff:customer_edit", args=[customer.id]), data)
    assert response.context["form"].errors["legal_name"] == [CARD_NUMBER_MESSAGE]
    assert Customer.objects.get(pk=customer.pk).legal_name == customer.legal_name
    assert not Event.objects.filter(customer_id=customer.id).exists()


def test_the_staff_user_form_refuses_a_card_number(superuser):
    customer = CustomerFactory()
    response = superuser.post(
        reverse("staff:customer_user_create", args=[customer.id]), {"email": "a@x.com", "first_name": CARD}
    )
    assert response.context["form"].errors["first_name"] == [CARD_NUMBER_MESSAGE]
    assert not CustomerUser.objects.exists()


def test_the_admin_refuses_a_card_number_next_to_the_field(superuser):
    add = reverse("admin:customers_customer_add")
    inlines = dict(
        re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d+)"', superuser.get(add).text)
    )
    data = {"email": "admin@x.com", "name": CARD, "locale": "en", "custom_data": "null", "import_meta": "null"}
    response = superuser.post(add, {**data, **inlines})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [CARD_NUMBER_MESSAGE]
    assert not Customer.objects.exists()


def test_the_admin_refuses_a_card_number_inside_custom_data(superuser):
    customer = CustomerFactory()
    change = reverse("admin:customers_customer_change", args=[customer.id])
    inlines = dict(
        re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d+)"', superuser.get(change).text)
    )
    data = {
        "email": customer.email,
        "name": customer.name,
        "locale": "en",
        "custom_data": '{"note": "card 4111-1111-1111-1111"}',
        "import_meta": "null",
    }
    response = superuser.post(change, {**data, **inlines})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["custom_data"] == [CARD_NUMBER_MESSAGE]
    assert Customer.objects.get(pk=customer.pk).custom_data is None


def test_the_import_refuses_the_row_and_keeps_the_others():
    content = (
        b"email,name,custom_data\n"
        b"good@x.com,Good Co,\n"
        b"card@x.com,4242424242424242,\n"
        b'json@x.com,Json Co,"{""pan"": ""5555 5555 5555 4444""}"\n'
    )
    job = customer_import_create(file_name="cards.csv", content=content, enqueue=False)
    job = customer_import_run(customer_import_id=job.id)
    assert (job.created_count, job.error_count) == (1, 2)
    assert list(Customer.objects.values_list("email", flat=True)) == ["good@x.com"]
    assert list(job.row_errors.values_list("line", "field", "message")) == [
        (3, "name", CARD_NUMBER_MESSAGE),
        (4, "custom_data.pan", CARD_NUMBER_MESSAGE),
    ]


def test_a_purchase_reference_with_a_card_number_is_refused():
    customer = approved_customer()
    with pytest.raises(ValidationError) as refused:
        credit_transaction_bill(customer=customer, actor=API, amount=100, currency_code="USD", reference=CARD)
    assert refused.value.message_dict == {"reference": [CARD_NUMBER_MESSAGE]}
    assert not CreditTransaction.objects.exists()
