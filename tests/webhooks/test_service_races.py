"""Webhook endpoint, API key and OAuth client services racing themselves and each other: exactly one effect, the
losers NotFound (the API's 404, the staff 404 page) rather than a DoesNotExist (a 500). tests.concurrency queues the
calls behind the row's lock, so each has its own copy of the row, read before any of them acted."""

import pytest
from django.core.exceptions import ObjectDoesNotExist
from oauth2_provider.models import get_application_model

from core.actors import SYSTEM
from core.errors import NotFound
from core.models import ApiKey, Event, WebhookEndpoint
from core.services import api_key_create, api_key_revoke, oauth_client_create, oauth_client_delete
from core.webhooks.services import (
    webhook_delivery_replay,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from tests.concurrency import queued_behind
from tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _outcome(result) -> str:
    if isinstance(result, NotFound):
        return "not_found"
    if isinstance(result, Exception):
        return f"crashed: {type(result).__name__}: {result}"
    return "ok"


def test_eight_deletes_of_one_endpoint_delete_it_once():
    endpoint = WebhookEndpointFactory()

    def delete():
        return webhook_endpoint_delete(endpoint=WebhookEndpoint.objects.get(pk=endpoint.pk), actor=SYSTEM)

    outcomes = [_outcome(result) for result in queued_behind(WebhookEndpoint, endpoint.pk, [delete] * 8)]

    assert sorted(outcomes) == ["not_found"] * 7 + ["ok"]
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda endpoint: webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM, data={"description": "late"}),
        lambda endpoint: webhook_endpoint_rotate_secret(endpoint=endpoint, actor=SYSTEM),
    ],
    ids=["update", "rotate_secret"],
)
def test_a_change_queued_behind_a_delete_is_not_found(change):
    endpoint = WebhookEndpointFactory()
    loaded = WebhookEndpoint.objects.get(pk=endpoint.pk)

    deleted, changed = queued_behind(
        WebhookEndpoint,
        endpoint.pk,
        [lambda: webhook_endpoint_delete(endpoint=endpoint, actor=SYSTEM), lambda: change(loaded)],
    )

    assert (_outcome(deleted), _outcome(changed)) == ("ok", "not_found")
    assert not isinstance(changed, ObjectDoesNotExist)


def test_replaying_a_delivery_of_an_endpoint_deleted_meanwhile_is_not_found(receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    webhook_endpoint_delete(endpoint=endpoint, actor=SYSTEM)

    with pytest.raises(NotFound):
        webhook_delivery_replay(delivery=delivery, actor=SYSTEM)
    assert receiver.requests == []


def test_eight_revocations_of_one_api_key_revoke_it_once():
    api_key, _ = api_key_create(name="ci", scopes=["customers:read"])

    def revoke():
        return api_key_revoke(api_key=ApiKey.objects.get(pk=api_key.pk))

    revoked = queued_behind(ApiKey, api_key.pk, [revoke] * 8)

    assert {_outcome(result) for result in revoked} == {"ok"}
    # Each caller sees the one revocation that happened, the first: none of them wrote a time of its own.
    stored = ApiKey.objects.get(pk=api_key.pk).revoked_at
    assert stored is not None
    assert {result.revoked_at for result in revoked} == {stored}


def test_eight_deletes_of_one_oauth_client_delete_it_once():
    client, _ = oauth_client_create(name="storefront", scopes=["customers:read"])
    application_model = get_application_model()

    def delete():
        return oauth_client_delete(application=application_model.objects.get(pk=client.pk), actor=SYSTEM)

    outcomes = [_outcome(result) for result in queued_behind(application_model, client.pk, [delete] * 8)]

    assert sorted(outcomes) == ["not_found"] * 7 + ["ok"]
    assert not application_model.objects.filter(pk=client.pk).exists()
    assert not Event.objects.exists()  # an OAuth client's deletion is logged, not an event (docs/api.md)
