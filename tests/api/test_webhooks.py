"""The webhook endpoints API: register (the secret shown once), read, change, delete, list deliveries, replay."""

import pytest

from core.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import EventFactory, WebhookAttemptFactory, WebhookDeliveryFactory, WebhookEndpointFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/creditdesk"
NEW_ENDPOINT = {
    "url": URL,
    "event_types": ["customer.created", "payment_method.added"],
    "enabled": True,
    "description": "ERP sync",
}
UNKNOWN_ENDPOINT = "ntfset_" + "0" * 26


def delivery_for(endpoint, event_type="customer.updated", *, status="pending", attempts=()):
    """A delivery of a new event of that type, with attempts answered with these statuses."""
    delivery = WebhookDeliveryFactory(
        endpoint=endpoint, event=EventFactory(event_type=event_type), status=status, attempt_count=len(attempts)
    )
    for response_status in attempts:
        WebhookAttemptFactory(delivery=delivery, response_status=response_status)
    return delivery


# --- create ---------------------------------------------------------------------------------------------------------


def test_create_returns_201_with_the_endpoint_and_its_secret(api):
    response = api.post("webhooks", NEW_ENDPOINT)

    assert response.status_code == 201
    data = response.json()["data"]
    stored = WebhookEndpoint.objects.get(pk=data["id"])
    assert data["id"].startswith("ntfset_")
    assert data["secret"] == stored.secret and data["secret"].startswith("whsec_")
    assert (data["url"], data["event_types"], data["enabled"], data["description"]) == (
        URL, ["customer.created", "payment_method.added"], True, "ERP sync",
    )  # fmt: skip
    assert (stored.url, stored.event_types, stored.enabled) == (URL, data["event_types"], True)
    assert data["created_at"].endswith("Z") and data["updated_at"].endswith("Z")


def test_create_with_only_url_and_types_is_enabled_without_description(api):
    data = api.post("webhooks", {"url": URL, "event_types": ["customer.created"]}).json()["data"]

    assert (data["enabled"], data["description"]) == (True, None)


def test_the_secret_is_never_shown_again(api):
    created = api.post("webhooks", NEW_ENDPOINT).json()["data"]

    fetched = api.get(f"webhooks/{created['id']}")
    listed = api.get("webhooks")
    patched = api.patch(f"webhooks/{created['id']}", {"description": "renamed"})

    for response in (fetched, listed, patched):
        assert response.status_code == 200
        assert created["secret"] not in response.content.decode()
    assert "secret" not in fetched.json()["data"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "Enter a valid URL."),
        ("ftp://files.example.com/hook", "Only http and https URLs can receive webhooks."),
    ],
)
def test_create_with_a_bad_url_is_invalid_field_and_creates_nothing(api, url, message):
    response = api.post("webhooks", {**NEW_ENDPOINT, "url": url})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert error["errors"] == [{"field": "url", "message": message}]
    assert not WebhookEndpoint.objects.exists()


def test_create_with_an_unknown_event_type_names_the_item_and_creates_nothing(api):
    response = api.post("webhooks", {**NEW_ENDPOINT, "event_types": ["customer.created", "customer.exploded"]})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert error["errors"] == [{"field": "event_types.1", "message": '"customer.exploded" is not a valid choice.'}]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": URL, "event_types": []}, "event_types"),
        ({"url": URL}, "event_types"),
        ({"event_types": ["customer.created"]}, "url"),
        ({**NEW_ENDPOINT, "event_types": "customer.created"}, "event_types"),
        ({**NEW_ENDPOINT, "enabled": "yes"}, "enabled"),
        ({**NEW_ENDPOINT, "secret": "whsec_mine"}, "secret"),
    ],
)
def test_create_refuses_missing_mistyped_and_unknown_fields(api, body, field):
    response = api.post("webhooks", body)

    assert response.status_code == 400
    assert [item["field"] for item in response.json()["error"]["errors"]] == [field]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://[::1]/hook", "http://169.254.169.254/"]
)
def test_private_targets_are_refused_when_the_setting_is_off(api, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    response = api.post("webhooks", {**NEW_ENDPOINT, "url": url})

    assert response.status_code == 400
    (item,) = response.json()["error"]["errors"]
    assert item["field"] == "url"
    assert "webhooks are only sent to public addresses" in item["message"]
    assert not WebhookEndpoint.objects.exists()


def test_private_targets_are_accepted_where_the_setting_allows_them(api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True

    response = api.post("webhooks", {**NEW_ENDPOINT, "url": "http://127.0.0.1:8080/hook"})

    assert response.status_code == 201
    assert WebhookEndpoint.objects.get().url == "http://127.0.0.1:8080/hook"


# --- read, list -----------------------------------------------------------------------------------------------------


def test_get_returns_the_endpoint(api):
    endpoint = WebhookEndpointFactory(event_types=["customer.archived"], enabled=False, description="")

    data = api.get(f"webhooks/{endpoint.id}").json()["data"]

    assert data == {
        "id": endpoint.id,
        "url": URL,
        "description": None,
        "event_types": ["customer.archived"],
        "enabled": False,
        "created_at": endpoint.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": endpoint.updated_at.isoformat().replace("+00:00", "Z"),
    }


@pytest.mark.parametrize("endpoint_id", ["nope", "ntfset_123", "ntf_" + "0" * 26, UNKNOWN_ENDPOINT])
def test_a_malformed_or_unknown_endpoint_id_is_404(api, endpoint_id):
    for response in (
        api.get(f"webhooks/{endpoint_id}"),
        api.patch(f"webhooks/{endpoint_id}", {"enabled": False}),
        api.delete(f"webhooks/{endpoint_id}"),
        api.get(f"webhooks/{endpoint_id}/deliveries"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_list_pages_through_endpoints_in_id_order(api):
    endpoints = [WebhookEndpointFactory(url=f"{URL}/{n}") for n in range(3)]

    first = api.get("webhooks", per_page=2).json()
    second = api.get(first["meta"]["pagination"]["next"]).json()

    assert [item["url"] for item in first["data"]] == [f"{URL}/0", f"{URL}/1"]
    assert first["meta"]["pagination"]["has_more"] is True
    assert [item["id"] for item in second["data"]] == [endpoints[2].id]
    assert second["meta"]["pagination"]["has_more"] is False


def test_list_orders_by_created_at_descending(api):
    endpoints = [WebhookEndpointFactory() for _ in range(3)]

    data = api.get("webhooks", order_by="created_at[desc]").json()["data"]

    assert [item["id"] for item in data] == [endpoint.id for endpoint in reversed(endpoints)]


# --- update, delete -------------------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(api):
    endpoint = WebhookEndpointFactory(event_types=["customer.created"], description="ERP")

    response = api.patch(f"webhooks/{endpoint.id}", {"enabled": False, "event_types": ["customer.updated"]})

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["enabled"], data["event_types"], data["url"], data["description"]) == (
        False, ["customer.updated"], URL, "ERP",
    )  # fmt: skip
    endpoint = reloaded(endpoint)
    assert (endpoint.enabled, endpoint.event_types) == (False, ["customer.updated"])


def test_patch_with_null_description_clears_it(api):
    endpoint = WebhookEndpointFactory(description="ERP")

    data = api.patch(f"webhooks/{endpoint.id}", {"description": None}).json()["data"]

    assert data["description"] is None
    endpoint = reloaded(endpoint)
    assert endpoint.description == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_types": ["customer.melted"]}, "event_types.0"),
        ({"event_types": []}, "event_types"),
        ({"url": "gopher://example.com"}, "url"),
        ({"url": None}, "url"),
        ({"secret": "whsec_mine"}, "secret"),
    ],
)
def test_patch_with_a_bad_value_is_invalid_field_and_changes_nothing(api, body, field):
    endpoint = WebhookEndpointFactory(event_types=["customer.created"])
    before = WebhookEndpoint.objects.filter(pk=endpoint.pk).values().get()

    response = api.patch(f"webhooks/{endpoint.id}", body)

    assert response.status_code == 400
    assert [item["field"] for item in response.json()["error"]["errors"]] == [field]
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).values().get() == before


def test_patch_to_a_private_target_is_refused_when_the_setting_is_off(api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    endpoint = WebhookEndpointFactory()

    response = api.patch(f"webhooks/{endpoint.id}", {"url": "http://192.168.1.20/hook"})

    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "url"
    endpoint = reloaded(endpoint)
    assert endpoint.url == URL


def test_delete_returns_the_endpoint_as_it_was_and_removes_its_deliveries(api):
    endpoint = WebhookEndpointFactory(description="old")
    delivery_for(endpoint, attempts=[500])

    response = api.delete(f"webhooks/{endpoint.id}")

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["id"], data["description"], data["url"]) == (endpoint.id, "old", URL)
    assert "secret" not in data
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists() and not WebhookAttempt.objects.exists()
    assert api.get(f"webhooks/{endpoint.id}").status_code == 404


# --- deliveries -----------------------------------------------------------------------------------------------------


def test_deliveries_list_shows_each_delivery_with_its_attempts(api):
    endpoint = WebhookEndpointFactory()
    failed = delivery_for(endpoint, "customer.created", status="failed", attempts=[500, 502])
    delivery_for(WebhookEndpointFactory(), "customer.created")  # another endpoint's

    response = api.get(f"webhooks/{endpoint.id}/deliveries")

    assert response.status_code == 200
    (data,) = response.json()["data"]
    assert (data["id"], data["endpoint_id"], data["event_id"]) == (failed.id, endpoint.id, failed.event_id)
    assert (data["event_type"], data["status"], data["attempt_count"]) == ("customer.created", "failed", 2)
    assert [(a["response_status"], a["duration_ms"], a["error"]) for a in data["attempts"]] == [
        (500, 12, None), (502, 12, None),
    ]  # fmt: skip
    assert response.json()["meta"]["pagination"]["estimated_total"] == 1


def test_deliveries_filter_by_status_and_event_type(api):
    endpoint = WebhookEndpointFactory()
    created = delivery_for(endpoint, "customer.created", status="delivered", attempts=[200])
    updated = delivery_for(endpoint, "customer.updated", status="failed", attempts=[500])
    archived = delivery_for(endpoint, "customer.archived", status="pending")
    path = f"webhooks/{endpoint.id}/deliveries"

    def ids(**params):
        return [item["id"] for item in api.get(path, **params).json()["data"]]

    assert ids(status="failed") == [updated.id]
    assert ids(status="delivered,pending") == [created.id, archived.id]
    assert ids(event_type="customer.created,customer.archived") == [created.id, archived.id]
    assert ids(status="pending", event_type="customer.created") == []


@pytest.mark.parametrize(("param", "value"), [("status", "lost"), ("event_type", "customer.melted")])
def test_an_unknown_delivery_filter_value_is_invalid_field(api, param, value):
    endpoint = WebhookEndpointFactory()

    response = api.get(f"webhooks/{endpoint.id}/deliveries", **{param: value})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert [item["field"] for item in error["errors"]] == [param]
