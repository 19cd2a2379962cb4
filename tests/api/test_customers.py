import pytest

from core.actors import Actor
from core.models import Event
from customers.models import Customer, CustomerStatus
from customers.selectors import customer_get
from customers.services import customer_archive
from tests.credit.builders import customer_with_credit_status
from tests.factories import CustomerFactory, PaymentMethodFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db

NEW_CUSTOMER = {
    "email": "AP@Bluebird.example",
    "name": "Bluebird Coffee",
    "legal_name": "Bluebird Coffee Roasters Inc.",
    "external_id": "ERP-1",
    "ein": "12-3456789",
    "street_address": "1 Main St",
    "city": "Portland",
    "state": "OR",
    "postal_code": "97201",
    "country": "US",
    "default_terms": "net30",
    "marketing_consent": True,
    "custom_data": {"segment": "retail"},
}


def test_create_returns_201_with_the_stored_customer(api):
    response = api.post("customers", NEW_CUSTOMER)
    assert response.status_code == 201
    data = response.json()["data"]
    stored = customer_get(customer_id=data["id"])
    assert data["email"] == stored.email == "ap@bluebird.example"
    assert (data["name"], data["country"], data["default_terms"]) == ("Bluebird Coffee", "US", "net30")
    assert (data["locale"], data["status"], data["credit_status"]) == ("en", "active", None)
    assert data["custom_data"] == {"segment": "retail"}
    assert data["created_at"].endswith("Z")


def test_create_records_an_event_with_the_api_client_and_request_id(api):
    response = api.post("customers", {"email": "a@b.example"})
    event = Event.objects.get(customer_id=response.json()["data"]["id"], event_type="customer.created")
    assert event.actor_type == "api_client"
    assert event.actor_id.startswith("apikey_")
    assert event.request_id == response["X-Request-ID"] == response.json()["meta"]["request_id"]


def test_create_without_email_is_invalid_field(api):
    response = api.post("customers", {"name": "No email"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert {"field": "email", "message": "This field is required."} in error["errors"]
    assert Customer.objects.count() == 0


def test_create_lists_every_invalid_field(api):
    response = api.post("customers", {"email": "not-an-email", "country": "usa", "default_terms": "net1"})
    fields = {item["field"] for item in response.json()["error"]["errors"]}
    assert fields == {"email", "country", "default_terms"}


def test_create_refuses_unknown_fields(api):
    response = api.post("customers", {"email": "a@b.example", "status": "archived", "colour": "red"})
    assert response.status_code == 400
    assert {item["field"] for item in response.json()["error"]["errors"]} == {"status", "colour"}
    assert Customer.objects.count() == 0


def test_duplicate_email_is_409_naming_the_existing_customer(api):
    existing = CustomerFactory(email="dup@example.com")
    response = api.post("customers", {"email": "DUP@example.com"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "customer_already_exists"
    assert error["detail"] == f"customer email conflicts with customer of id {existing.id}"
    assert Customer.objects.count() == 1


def test_email_of_an_archived_customer_can_be_reused(api):
    customer_archive(customer=CustomerFactory(email="old@example.com"), actor=Actor.system())
    assert api.post("customers", {"email": "old@example.com"}).status_code == 201


def test_card_number_anywhere_in_the_body_is_refused(api):
    response = api.post("customers", {"email": "a@b.example", "custom_data": {"note": "card 4242 4242 4242 4242"}})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "custom_data.note"
    assert Customer.objects.count() == 0


def test_get_returns_balance_and_default_payment_method(api):
    customer = CustomerFactory()
    method = PaymentMethodFactory(customer=customer, is_default=True)
    data = api.get(f"customers/{customer.id}").json()["data"]
    assert (data["id"], data["email"], data["default_payment_method_id"]) == (customer.id, customer.email, method.id)


@pytest.mark.parametrize(
    "customer_id", ["ctm_01jx0000000000000000000000", "ctm_bad", "CTM_X", "ctu_01jx0000000000000000000000"]
)
def test_get_unknown_or_malformed_id_is_404(api, customer_id):
    response = api.get(f"customers/{customer_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_put_updates_any_field_and_clears_with_null(api):
    customer = CustomerFactory(name="Old", city="Austin")
    response = api.put(f"customers/{customer.id}", {"name": "New", "city": None, "locale": "fr"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["name"], data["city"], data["locale"], data["email"]) == ("New", None, "fr", customer.email)
    customer = reloaded(customer)
    assert (customer.name, customer.city) == ("New", "")


def test_patch_status_archived_archives(api):
    customer = CustomerFactory()
    data = api.patch(f"customers/{customer.id}", {"status": "archived"}).json()["data"]
    assert data["status"] == "archived"
    assert data["archived_at"].endswith("Z")
    assert customer_get(customer_id=customer.id).status == CustomerStatus.ARCHIVED


def test_patch_status_active_restores(api):
    customer = customer_archive(customer=CustomerFactory(), actor=Actor.system())
    data = api.patch(f"customers/{customer.id}", {"status": "active"}).json()["data"]
    assert (data["status"], data["archived_at"]) == ("active", None)


def test_patch_of_an_archived_customer_is_422_customer_archived(api):
    customer = customer_archive(customer=CustomerFactory(name="Kept"), actor=Actor.system())
    response = api.patch(f"customers/{customer.id}", {"name": "Changed"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "customer_archived"
    assert customer_get(customer_id=customer.id).name == "Kept"


def test_patch_to_a_taken_email_is_409(api):
    CustomerFactory(email="taken@example.com")
    customer = CustomerFactory()
    response = api.patch(f"customers/{customer.id}", {"email": "taken@example.com"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "customer_already_exists"


def test_patch_with_an_invalid_status_is_invalid_field(api):
    customer = CustomerFactory()
    response = api.patch(f"customers/{customer.id}", {"status": "deleted"})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "status"


def test_delete_archives_and_returns_the_customer(api):
    customer = CustomerFactory()
    response = api.delete(f"customers/{customer.id}")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "archived"
    assert Customer.objects.filter(pk=customer.id, status="archived").exists()


def test_restore_unarchives(api):
    customer = customer_archive(customer=CustomerFactory(), actor=Actor.system())
    response = api.post(f"customers/{customer.id}/restore")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "active"
    assert Event.objects.filter(customer_id=customer.id, event_type="customer.restored").count() == 1


def test_restore_when_the_email_was_taken_meanwhile_is_409(api):
    customer = customer_archive(customer=CustomerFactory(email="x@example.com"), actor=Actor.system())
    newer = CustomerFactory(email="x@example.com")
    response = api.post(f"customers/{customer.id}/restore")
    assert response.status_code == 409
    assert newer.id in response.json()["error"]["detail"]


def test_enroll_is_a_deprecated_stub_that_changes_nothing(api):
    customer = CustomerFactory()
    before = customer_get(customer_id=customer.id).updated_at
    response = api.post(f"customers/{customer.id}/enroll")
    assert response.status_code == 200
    assert response["Deprecation"] == "@1688169600"
    assert response.json()["data"]["id"] == customer.id
    assert customer_get(customer_id=customer.id).updated_at == before
    assert not Event.objects.filter(customer_id=customer.id).exists()


def test_list_defaults_to_active_customers(api):
    active = CustomerFactory()
    customer_archive(customer=CustomerFactory(), actor=Actor.system())
    assert [item["id"] for item in api.get("customers").json()["data"]] == [active.id]


def test_list_filters_by_csv_status_email_and_credit_status(api):
    first = customer_with_credit_status("approved", email="one@example.com")
    second = customer_archive(customer=CustomerFactory(email="two@example.com"), actor=Actor.system())
    CustomerFactory(email="three@example.com")
    found = api.get("customers", status="active,archived", email="one@example.com,TWO@example.com").json()["data"]
    assert {item["id"] for item in found} == {first.id, second.id}
    approved = api.get("customers", credit_status="approved,hold").json()["data"]
    assert [item["id"] for item in approved] == [first.id]


def test_list_search_and_company_name(api):
    target = CustomerFactory(name="Bluebird Coffee Roasters")
    CustomerFactory(name="Granite Peak Builders")
    assert [item["id"] for item in api.get("customers", search="bluebird").json()["data"]] == [target.id]
    assert [item["id"] for item in api.get("customers", company_name="coffee").json()["data"]] == [target.id]


def test_list_created_at_window(api):
    old, new = CustomerFactory(), CustomerFactory()
    Customer.objects.filter(pk=old.id).update(created_at="2024-01-01T00:00:00Z")
    found = api.get("customers", created_at_start="2025-01-01T00:00:00Z").json()["data"]
    assert [item["id"] for item in found] == [new.id]


def test_list_invalid_filter_value_is_invalid_field(api):
    response = api.get("customers", status="deleted")
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "status"


def test_created_at_filter_takes_any_rfc3339_offset(api):
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.id).update(created_at="2024-06-01T12:00:00Z")
    found = api.get("customers", created_at_start="2024-06-01T00:00:00-20:31").json()["data"]
    assert found == []
    found = api.get("customers", created_at_start="2024-05-31T15:00:00-20:31").json()["data"]
    assert [item["id"] for item in found] == [customer.id]


@pytest.mark.parametrize("path", ["customers", "events"])
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_timestamp_out_of_range_in_utc_is_invalid_field_not_a_500(api, path, moment):
    # Found by `make fuzz` (GET /events): converting it to UTC overflowed.
    field = {"customers": "created_at_start", "events": "occurred_at_start"}[path]
    response = api.get(path, **{field: moment})
    assert response.status_code == 400
    assert response.json()["error"]["errors"] == [{"field": field, "message": "Out of range once converted to UTC."}]


@pytest.mark.parametrize("status", ["active,", ",", "active,,archived"])
def test_a_comma_separated_filter_with_an_empty_member_is_400_as_its_schema_pattern_says(api, status):
    CustomerFactory()
    response = api.get("customers", status=status)
    assert response.status_code == 400
    assert response.json()["error"]["errors"] == [
        {"field": "status", "message": "Comma-separated values, none of them empty."}
    ]
