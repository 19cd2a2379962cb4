"""Issue 6's end-to-end proof, through the API only: a real HTTP receiver on loopback is registered with
POST /webhooks, changes are made with the customers API, and every delivery the receiver gets verifies with the
secret the API showed once, using the README's own verification code; a replay through the API arrives again."""

import pytest

from tests.webhooks.conftest import DATA_EVENT_TYPES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]

CARD = {"type": "card", "provider_token": "tok_visa_4242",
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}}  # fmt: skip
BANK = {"type": "bank_account", "provider_token": "tok_bank_6789", "bank_account": {"type": "ach", "last4": "6789"}}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.json()
    return response.json()["data"]


@pytest.fixture
def registered(api, receiver):
    """The receiver registered through the API, for every event type; returns the creation response's data."""
    return ok(api.post("webhooks", {"url": receiver.url, "event_types": DATA_EVENT_TYPES}), 201)


def make_changes(api) -> dict:
    """Create a customer, update it, add a card and a bank account, make the bank account the default."""
    customer = ok(api.post("customers", {"email": "ap@acme.example", "name": "Acme"}), 201)
    base = f"customers/{customer['id']}"
    updated = ok(api.patch(base, {"city": "Chicago", "state": "IL"}))
    card = ok(api.post(f"{base}/payment-methods", CARD), 201)
    bank = ok(api.post(f"{base}/payment-methods", BANK), 201)
    default = ok(api.patch(f"{base}/payment-methods/{bank['id']}/default"))
    return {"customer": customer, "updated": updated, "card": card, "bank": bank, "default": default}


def test_each_change_made_through_the_api_reaches_the_receiver_signed_and_shaped_as_documented(
    api, receiver, registered, verify_signature
):
    made = make_changes(api)

    bodies = receiver.bodies()
    assert [body["event_type"] for body in bodies] == [
        "customer.created", "customer.updated", "payment_method.added", "payment_method.added",
        "default_payment_method_changed",
    ]  # fmt: skip
    for request in receiver.requests:
        assert verify_signature(registered["secret"], request.headers["Signature"], request.body)
        assert request.headers["Content-Type"] == "application/json"
    assert [body["data"] for body in bodies[:4]] == [made["customer"], made["updated"], made["card"], made["bank"]]
    assert bodies[4]["data"] == {
        "customer_id": made["customer"]["id"],
        "payment_method_id": made["bank"]["id"],
        "previous_payment_method_id": made["card"]["id"],
    }
    assert made["default"]["is_default"] is True


def test_the_payload_ids_match_the_event_log_and_the_delivery_log(api, receiver, registered):
    made = make_changes(api)

    events = ok(api.get("events", customer_id=made["customer"]["id"]))
    deliveries = ok(api.get(f"webhooks/{registered['id']}/deliveries"))

    assert [(b["event_id"], b["event_type"], b["occurred_at"]) for b in receiver.bodies()] == [
        (e["id"], e["event_type"], e["occurred_at"]) for e in events
    ]
    assert [body["notification_id"] for body in receiver.bodies()] == [d["id"] for d in deliveries]
    assert {(d["status"], d["attempt_count"]) for d in deliveries} == {("delivered", 1)}
    assert {d["attempts"][0]["response_status"] for d in deliveries} == {200}
    assert {(e["actor"]["type"], e["actor"]["label"]) for e in events} == {("api_client", "tests")}


def test_a_replay_through_the_api_arrives_again_with_the_same_body_and_a_valid_signature(
    api, receiver, registered, verify_signature
):
    make_changes(api)
    (update,) = ok(api.get(f"webhooks/{registered['id']}/deliveries", event_type="customer.updated"))
    original = next(r for r in receiver.requests if r.json["notification_id"] == update["id"])

    replayed = ok(api.post(f"webhooks/{registered['id']}/deliveries/{update['id']}/replay"))

    again = receiver.requests[-1]
    assert len(receiver.requests) == 6
    assert again.body == original.body
    assert verify_signature(registered["secret"], again.headers["Signature"], again.body)
    assert (replayed["status"], replayed["attempt_count"]) == ("delivered", 2)
    assert [attempt["response_status"] for attempt in replayed["attempts"]] == [200, 200]


def test_only_the_subscribed_types_of_an_endpoint_changed_through_the_api_are_sent(api, receiver, registered):
    ok(api.patch(f"webhooks/{registered['id']}", {"event_types": ["payment_method.added"]}))

    made = make_changes(api)

    assert [body["data"]["id"] for body in receiver.bodies()] == [made["card"]["id"], made["bank"]["id"]]


def test_disabling_an_endpoint_through_the_api_stops_its_deliveries(api, receiver, registered):
    ok(api.patch(f"webhooks/{registered['id']}", {"enabled": False}))

    make_changes(api)

    assert receiver.requests == []
    assert ok(api.get(f"webhooks/{registered['id']}/deliveries")) == []
