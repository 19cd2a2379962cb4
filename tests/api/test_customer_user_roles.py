"""A customer user's role (`admin` | `member`) on the API: read on every user, given or defaulted on create (the
customer's first active user is its admin), changed by PATCH, validated in the documented error format, in the
OpenAPI schema and in the event payloads; and the migration that gives every existing customer an admin."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.models import Event
from customers.models import CustomerUser
from tests.factories import CustomerFactory, CustomerUserFactory

pytestmark = pytest.mark.django_db


def test_the_first_user_of_a_customer_is_its_admin_and_the_next_ones_members(api):
    customer = CustomerFactory()
    first = api.post(f"customers/{customer.id}/users", {"email": "a@shop.example"}).json()["data"]
    second = api.post(f"customers/{customer.id}/users", {"email": "b@shop.example"}).json()["data"]
    assert (first["role"], second["role"]) == ("admin", "member")
    assert [item["role"] for item in api.get(f"customers/{customer.id}/users").json()["data"]] == ["admin", "member"]
    event = Event.objects.filter(event_type="customer_user.created").order_by("id").last()
    assert event.data["role"] == "member"


def test_with_only_an_archived_admin_the_next_user_is_admin(api):
    customer = CustomerFactory()
    CustomerUserFactory(customer=customer, role="admin", status="archived")
    CustomerUserFactory(customer=customer, role="member")
    data = api.post(f"customers/{customer.id}/users", {"email": "c@shop.example"}).json()["data"]
    assert data["role"] == "admin"


def test_a_role_given_on_create_is_kept(api):
    customer = CustomerFactory()
    data = api.post(f"customers/{customer.id}/users", {"email": "a@shop.example", "role": "member"}).json()["data"]
    assert data["role"] == "member"
    data = api.post(f"customers/{customer.id}/users", {"email": "b@shop.example", "role": "admin"}).json()["data"]
    assert data["role"] == "admin"


def test_patch_changes_the_role_and_records_it(api):
    user = CustomerUserFactory(role="member")
    response = api.patch(f"customers/{user.customer_id}/users/{user.id}", {"role": "admin"})
    assert response.status_code == 200 and response.json()["data"]["role"] == "admin"
    assert CustomerUser.objects.get(pk=user.pk).role == "admin"
    event = Event.objects.get(event_type="customer_user.updated")
    assert event.data["role"] == "admin"


@pytest.mark.parametrize("role", ["owner", "", None, "ADMIN", 1])
def test_an_unknown_role_is_400_naming_the_field_and_changes_nothing(api, role):
    user = CustomerUserFactory(role="member")
    response = api.patch(f"customers/{user.customer_id}/users/{user.id}", {"role": role})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field" and [item["field"] for item in error["errors"]] == ["role"]
    created = api.post(f"customers/{user.customer_id}/users", {"email": "x@shop.example", "role": role})
    assert created.status_code == 400 and created.json()["error"]["errors"][0]["field"] == "role"
    assert CustomerUser.objects.get(pk=user.pk).role == "member" and CustomerUser.objects.count() == 1
    assert not Event.objects.exists()


def test_the_schema_describes_the_role(api):
    schema = api.client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    assert components["CustomerUserRoleEnum"]["enum"] == ["admin", "member"]
    role = {"allOf": [{"$ref": "#/components/schemas/CustomerUserRoleEnum"}]}
    assert components["CustomerUser"]["properties"]["role"].items() >= role.items()
    assert "role" in components["CustomerUser"]["required"]
    for name in ("CustomerUserInput", "CustomerUserUpdateInput"):
        assert components[name]["properties"]["role"].items() >= role.items()
        assert "role" not in components[name].get("required", [])


# --- the migration ----------------------------------------------------------------------------------------------

migration = importlib.import_module("customers.migrations.0016_customer_user_role")
BEFORE = ("customers", "0015_customer_user_payment_reminders")


@pytest.fixture
def before_roles():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    executor.loader.build_graph()
    try:
        yield executor.loader.project_state([BEFORE]).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_each_customers_earliest_active_user_its_admin(before_roles):
    old_user = before_roles.get_model("customers", "CustomerUser")
    acme, globex, quiet = CustomerFactory(), CustomerFactory(), CustomerFactory()
    now = timezone.now()

    def user(customer, email, minutes_ago, status="active"):
        made = old_user.objects.create(customer_id=customer.id, email=email, status=status)
        old_user.objects.filter(pk=made.pk).update(created_at=now - timezone.timedelta(minutes=minutes_ago))
        return made.pk

    gone = user(acme, "gone@acme.example", 30, status="archived")
    first = user(acme, "first@acme.example", 20)
    later = user(acme, "later@acme.example", 10)
    only = user(globex, "only@globex.example", 5)
    archived_only = user(quiet, "x@quiet.example", 5, status="archived")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    roles = dict(CustomerUser.objects.values_list("id", "role"))
    assert roles == {gone: "member", first: "admin", later: "member", only: "admin", archived_only: "member"}
