"""Country codes are ISO 3166-1 alpha-2 codes from the standard's list (core.countries, the pinned pycountry), at
every entry point: the API, the staff form, the admin and the CSV import. `XX` and `QQ` (user-assigned), `UK` (the
United Kingdom is GB) and `ZZ` have the shape of a code and were stored before; now each is refused next to the field,
and nothing is stored."""

import pytest
from django.test import Client
from django.urls import reverse

from core.countries import COUNTRY_CODES, COUNTRY_MESSAGE, validate_country_code
from core.models import Event
from customers.imports import customer_import_create, customer_import_run
from customers.models import Customer
from tests.api.conftest import Api, make_api_key
from tests.factories import CustomerFactory
from tests.staff.builders import staff_user
from tests.staff.test_admin import management_forms

pytestmark = pytest.mark.django_db

NOT_COUNTRIES = ["XX", "QQ", "ZZ", "UK", "AA", "XK"]


def test_the_list_is_the_standards():
    assert len(COUNTRY_CODES) == 249
    assert {"US", "GB", "CA", "DE", "JP", "SS", "BQ"} <= COUNTRY_CODES
    assert not COUNTRY_CODES & set(NOT_COUNTRIES)
    assert validate_country_code("GB") == "GB"


@pytest.fixture
def api() -> Api:
    return Api(make_api_key())


def signed_in(role: str) -> Client:
    client = Client()
    client.force_login(staff_user(role))
    return client


@pytest.mark.parametrize("code", NOT_COUNTRIES)
def test_the_api_refuses_a_country_that_is_not_one(api, code):
    response = api.post("customers", {"email": "ap@new.example", "country": code})
    assert response.status_code == 400
    assert response.json()["error"]["errors"] == [{"field": "country", "message": COUNTRY_MESSAGE}]
    assert not Customer.objects.exists() and not Event.objects.exists()


def test_the_api_refuses_it_on_update_too_and_keeps_the_country(api):
    customer = CustomerFactory(country="CA")
    for method in (api.patch, api.put):
        response = method(f"customers/{customer.id}", {"country": "QQ"})
        assert response.status_code == 400, method
        assert response.json()["error"]["errors"] == [{"field": "country", "message": COUNTRY_MESSAGE}]
    customer.refresh_from_db()
    assert customer.country == "CA"


def test_the_api_stores_a_real_code(api):
    response = api.post("customers", {"email": "ap@new.example", "country": "SS"})
    assert response.status_code == 201
    assert response.json()["data"]["country"] == "SS"


def test_the_schema_lists_the_codes(api):
    schemas = api.get("openapi.json").json()["components"]["schemas"]
    for name in ("CustomerInput", "CustomerUpdateInput"):
        country = schemas[name]["properties"]["country"]
        refs = {item["$ref"].rsplit("/", 1)[1] for item in country["oneOf"]}
        assert refs == {"CountryEnum", "BlankEnum", "NullEnum"}
    assert schemas["CountryEnum"]["enum"] == sorted(COUNTRY_CODES)


@pytest.mark.parametrize("code", ["XX", "QQ"])
def test_the_staff_form_shows_the_refusal_next_to_country(code):
    client = signed_in("account_manager")
    response = client.post(
        reverse("staff:customer_create"), {"email": "ap@new.example", "country": code, "locale": "en"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["country"] == [COUNTRY_MESSAGE]
    assert not Customer.objects.exists()


def test_the_admin_refuses_it_next_to_country():
    client = signed_in("superuser")
    add = reverse("admin:customers_customer_add")
    data = {"email": "ap@new.example", "country": "XX", "locale": "en", "custom_data": "null", "import_meta": "null"}
    response = client.post(add, {**data, **management_forms(client.get(add).content.decode())})
    assert response.status_code == 200
    assert COUNTRY_MESSAGE in response.content.decode()
    assert not Customer.objects.exists()


def test_the_import_reports_the_row_by_line_and_field_and_keeps_the_good_rows():
    content = b"email,country\nap@one.example,US\nap@two.example,XX\nap@three.example,QQ\nap@four.example,gb\n"
    job = customer_import_run(
        customer_import_id=customer_import_create(file_name="c.csv", content=content, enqueue=False).id
    )
    assert list(job.row_errors.values_list("line", "field", "message")) == [
        (3, "country", COUNTRY_MESSAGE),
        (4, "country", COUNTRY_MESSAGE),
    ]
    assert dict(Customer.objects.values_list("email", "country")) == {"ap@one.example": "US", "ap@four.example": "GB"}


def test_a_country_stored_before_the_rule_is_shown_and_must_be_corrected_by_the_next_change(api):
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(country="XX")  # as the old two-capitals check let it in
    assert api.get(f"customers/{customer.id}").json()["data"]["country"] == "XX"
    refused = api.patch(f"customers/{customer.id}", {"name": "Renamed"})
    assert refused.status_code == 400
    assert refused.json()["error"]["errors"] == [{"field": "country", "message": COUNTRY_MESSAGE}]
    fixed = api.patch(f"customers/{customer.id}", {"name": "Renamed", "country": "GB"})
    assert (fixed.status_code, fixed.json()["data"]["country"]) == (200, "GB")
