import pytest

from core.actors import Actor
from core.models import Event
from customers.models import CustomerUser
from customers.services import customer_archive
from tests.factories import CustomerFactory, CustomerUserFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db


def test_create_returns_201_and_records_an_event(api):
    customer = CustomerFactory()
    response = api.post(f"customers/{customer.id}/users", {"email": "Buyer@Shop.example", "first_name": "Ada"})
    assert response.status_code == 201
    data = response.json()["data"]
    assert (data["customer_id"], data["email"], data["first_name"], data["last_name"], data["status"]) == (
        customer.id, "buyer@shop.example", "Ada", None, "active",
    )  # fmt: skip
    assert CustomerUser.objects.filter(pk=data["id"], customer=customer).exists()
    assert Event.objects.filter(customer_id=customer.id, event_type="customer_user.created").count() == 1


def test_duplicate_email_for_the_same_customer_is_409_conflict(api):
    user = CustomerUserFactory(email="buyer@shop.example")
    response = api.post(f"customers/{user.customer_id}/users", {"email": "BUYER@shop.example"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert CustomerUser.objects.count() == 1


def test_create_for_an_archived_customer_is_422(api):
    customer = customer_archive(customer=CustomerFactory(), actor=Actor.system())
    response = api.post(f"customers/{customer.id}/users", {"email": "a@b.example"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "customer_archived"


def test_create_for_an_unknown_customer_is_404(api):
    response = api.post("customers/ctm_01jx0000000000000000000000/users", {"email": "a@b.example"})
    assert response.status_code == 404


def test_list_pages_and_filters_one_customers_users(api):
    customer = CustomerFactory()
    first = CustomerUserFactory(customer=customer, email="a@x.example")
    second = CustomerUserFactory(customer=customer, email="b@x.example")
    CustomerUserFactory()  # another customer's
    body = api.get(f"customers/{customer.id}/users", per_page=1).json()
    assert [item["id"] for item in body["data"]] == [first.id]
    assert body["meta"]["pagination"]["has_more"] is True
    filtered = api.get(f"customers/{customer.id}/users", email="b@x.example").json()["data"]
    assert [item["id"] for item in filtered] == [second.id]


def test_get_one(api):
    user = CustomerUserFactory(first_name="Grace")
    data = api.get(f"customers/{user.customer_id}/users/{user.id}").json()["data"]
    assert (data["id"], data["first_name"]) == (user.id, "Grace")


def test_get_a_user_through_another_customer_is_404(api):
    user = CustomerUserFactory()
    other = CustomerFactory()
    assert api.get(f"customers/{other.id}/users/{user.id}").status_code == 404


def test_patch_updates_fields(api):
    user = CustomerUserFactory(first_name="Ada")
    response = api.patch(f"customers/{user.customer_id}/users/{user.id}", {"first_name": "Augusta", "last_name": None})
    assert response.status_code == 200
    assert (response.json()["data"]["first_name"], response.json()["data"]["last_name"]) == ("Augusta", None)
    user = reloaded(user)
    assert (user.first_name, user.last_name) == ("Augusta", "")


def test_patch_rejects_an_invalid_status(api):
    user = CustomerUserFactory()
    response = api.patch(f"customers/{user.customer_id}/users/{user.id}", {"status": "gone"})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "status"


def test_delete_archives_the_user(api):
    user = CustomerUserFactory()
    response = api.delete(f"customers/{user.customer_id}/users/{user.id}")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "archived"
    assert CustomerUser.objects.get(pk=user.id).status == "archived"


def test_a_new_user_gets_payment_reminders_unless_created_without(api):
    customer = CustomerFactory()
    default = api.post(f"customers/{customer.id}/users", {"email": "a@shop.example"}).json()["data"]
    without = api.post(
        f"customers/{customer.id}/users", {"email": "b@shop.example", "payment_reminders": False}
    ).json()["data"]
    assert (default["payment_reminders"], without["payment_reminders"]) == (True, False)
    assert CustomerUser.objects.get(pk=without["id"]).payment_reminders is False


def test_patch_opts_a_user_out_of_payment_reminders_and_records_it(api):
    user = CustomerUserFactory()
    response = api.patch(f"customers/{user.customer_id}/users/{user.id}", {"payment_reminders": False})
    assert response.status_code == 200
    assert response.json()["data"]["payment_reminders"] is False
    assert reloaded(user).payment_reminders is False
    event = Event.objects.get(customer_id=user.customer_id, event_type="customer_user.updated")
    assert event.data["payment_reminders"] is False


@pytest.mark.parametrize("value", ["false", 0, "no", None, [], {}])
def test_a_payment_reminders_value_that_is_not_a_boolean_is_400_and_changes_nothing(api, value):
    user = CustomerUserFactory(first_name="Ada")
    response = api.patch(
        f"customers/{user.customer_id}/users/{user.id}", {"payment_reminders": value, "first_name": "Augusta"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert [item["field"] for item in error["errors"]] == ["payment_reminders"]
    user = reloaded(user)
    assert (user.payment_reminders, user.first_name) == (True, "Ada")
    assert not Event.objects.filter(customer_id=user.customer_id, event_type="customer_user.updated").exists()


def test_the_schema_documents_payment_reminders_on_the_user_and_its_inputs(schema):
    components = schema["components"]["schemas"]
    assert components["CustomerUser"]["properties"]["payment_reminders"]["type"] == "boolean"
    assert "payment_reminders" in components["CustomerUser"]["required"]
    for name in ("CustomerUserInput", "CustomerUserUpdateInput"):
        field = components[name]["properties"]["payment_reminders"]
        assert field["type"] == "boolean" and "opt out" in field["description"]
