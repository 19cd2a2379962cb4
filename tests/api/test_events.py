"""GET /events: the event log and audit trail, with who did each change, filterable and keyset-paginated."""

from datetime import UTC, datetime

import pytest
import time_machine

from core.actors import SYSTEM, Actor
from core.models import Event, EventType
from credit.services import credit_direct_approve
from customers.services import customer_create, customer_update
from tests.api.conftest import Api, make_api_key
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

CUSTOMERS_ONLY = ("customers:read",)


def test_each_event_shows_its_actor_type_id_and_label(api):
    created = api.post("customers", {"email": "ap@acme.example"}).json()["data"]
    staff = StaffUserFactory(username="olivia")
    customer = customer_update(
        customer=Event.objects.get().customer, actor=Actor.staff(staff), data={"name": "Acme Corp"}
    )
    customer_update(customer=customer, actor=Actor.system("nightly sync"), data={"city": "Chicago"})

    data = api.get("events").json()["data"]

    api_key_id = Event.objects.order_by("id").first().actor_id
    assert [(item["event_type"], item["customer_id"], item["actor"]) for item in data] == [
        ("customer.created", created["id"], {"type": "api_client", "id": api_key_id, "label": "tests"}),
        ("customer.updated", created["id"], {"type": "staff", "id": str(staff.pk), "label": "olivia"}),
        ("customer.updated", created["id"], {"type": "system", "id": None, "label": "nightly sync"}),
    ]
    assert api_key_id.startswith("apikey_")


def test_an_event_carries_the_changed_object_and_when_it_happened(api):
    with time_machine.travel(datetime(2031, 5, 4, 12, 30, tzinfo=UTC), tick=False):
        created = api.post("customers", {"email": "ap@acme.example", "name": "Acme"}).json()["data"]

    (event,) = api.get("events").json()["data"]

    stored = Event.objects.get()
    assert event == {
        "id": stored.id,
        "event_type": "customer.created",
        "occurred_at": "2031-05-04T12:30:00Z",
        "customer_id": created["id"],
        "actor": {"type": "api_client", "id": stored.actor_id, "label": "tests"},
        "data": stored.data,
    }
    assert (event["data"]["id"], event["data"]["email"], event["data"]["name"]) == (
        created["id"], "ap@acme.example", "Acme",
    )  # fmt: skip


def make_history():
    first = customer_create(actor=SYSTEM, email="ap@first.example")
    customer_update(customer=first, actor=SYSTEM, data={"name": "First"})
    second = customer_create(actor=SYSTEM, email="ap@second.example")
    third = customer_create(actor=SYSTEM, email="ap@third.example")
    return first, second, third


def types_and_customers(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.json()
    return [(item["event_type"], item["customer_id"]) for item in response.json()["data"]]


def test_filter_by_comma_separated_event_types(api):
    first, _, _ = make_history()

    response = api.get("events", event_type="customer.updated,customer.archived")

    assert types_and_customers(response) == [("customer.updated", first.id)]
    assert len(api.get("events", event_type="customer.created").json()["data"]) == 3


def test_filter_by_comma_separated_customer_ids(api):
    first, _, third = make_history()

    response = api.get("events", customer_id=f"{first.id},{third.id}")

    assert types_and_customers(response) == [
        ("customer.created", first.id), ("customer.updated", first.id), ("customer.created", third.id),
    ]  # fmt: skip


def test_filter_by_occurred_at_range(api):
    moments = [datetime(2031, 1, day, 9, tzinfo=UTC) for day in (1, 2, 3)]
    customers = []
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            customers.append(customer_create(actor=SYSTEM, email=f"ap@{moment.day}.example"))

    response = api.get("events", occurred_at_start="2031-01-02T09:00:00Z", occurred_at_end="2031-01-03T09:00:00Z")
    # Any RFC 3339 offset, even one PostgreSQL itself refuses (beyond ±15:59).
    late_offset = api.get("events", occurred_at_start="2031-01-03T08:59:00+23:59")

    assert types_and_customers(response) == [("customer.created", customers[1].id)]
    assert types_and_customers(late_offset) == [
        ("customer.created", customers[1].id), ("customer.created", customers[2].id),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"event_type": "customer.created,customer.melted"}, "event_type"),
        ({"occurred_at_start": "yesterday"}, "occurred_at_start"),
        ({"order_by": "customer_id[ASC]"}, "order_by"),
        ({"per_page": "500"}, "per_page"),
    ],
)
def test_a_bad_filter_is_invalid_field(api, params, field):
    response = api.get("events", **params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert [item["field"] for item in error["errors"]] == [field]


def test_pages_forward_keep_the_filters_and_order_by_newest_first(api):
    make_history()
    created = [e.id for e in Event.objects.filter(event_type="customer.created").order_by("-id")]

    page = api.get("events", event_type="customer.created", order_by="id[DESC]", per_page=2).json()
    following = api.get(page["meta"]["pagination"]["next"]).json()

    assert "event_type=customer.created" in page["meta"]["pagination"]["next"]
    assert [item["id"] for item in page["data"]] == created[:2]
    assert [item["id"] for item in following["data"]] == created[2:]
    assert following["meta"]["pagination"]["has_more"] is False


def test_credit_events_are_listed_only_to_clients_that_may_read_credit(api):
    customer = customer_create(actor=SYSTEM, email="ap@acme.example")
    credit_direct_approve(customer=customer, actor=SYSTEM, amount=500_000, default_terms="net30")
    everything = [item["event_type"] for item in api.get("events").json()["data"]]
    credit_types = {EventType.CUSTOMER_CREDIT_DECISION_CREATED, EventType.CREDIT_BALANCE_UPDATED}

    customers_only = Api(make_api_key(CUSTOMERS_ONLY))
    listed = [item["event_type"] for item in customers_only.get("events").json()["data"]]
    asked = customers_only.get("events", event_type="customer.credit_decision_created").json()["data"]

    assert credit_types <= set(everything)
    assert listed == [event_type for event_type in everything if event_type not in credit_types]
    assert "customer.status_updated" in listed
    assert asked == []


def test_events_need_customers_read(api):
    response = Api(make_api_key(["credit:read", "webhooks:manage"])).get("events")

    assert response.status_code == 403
    assert response.json()["error"]["detail"] == "This operation needs the `customers:read` scope."


def test_events_cannot_be_written(api):
    response = api.post("events", {"event_type": "customer.created"})

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert not Event.objects.exists()
