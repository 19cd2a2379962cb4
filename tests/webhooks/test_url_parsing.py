"""Webhook URLs are read as the HTTP client reads them (requests' preparation, urllib3's parser), when an endpoint is
saved (API, staff form, admin) and before each attempt; a URL two parsers read differently is refused, not judged by
one reading. `http://127.0.0.1:8760\\@93.184.215.14/` was saved: Python's urlsplit sees the public 93.184.215.14,
requests connects to 127.0.0.1:8760."""

from urllib.parse import urlsplit

import pytest
import requests
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from core.actors import SYSTEM
from core.models import WebhookDelivery, WebhookEndpoint
from core.webhooks.delivery import webhook_delivery_attempt_due
from core.webhooks.services import webhook_endpoint_create, webhook_endpoint_update
from core.webhooks.url_safety import TargetRefused, parse_target
from tests.api.conftest import Api, make_api_key
from tests.factories import EventFactory, WebhookEndpointFactory
from tests.staff.builders import staff_user
from tests.staff.test_admin import management_forms

REFUSED = {
    "http://127.0.0.1:8760\\@93.184.215.14/": "The URL must not contain a backslash.",
    "https://hooks.example.com\\@evil.example/": "The URL must not contain a backslash.",
    "https://hooks.example.com/a\\b": "The URL must not contain a backslash.",
    "https://user:secret@hooks.example.com/": "The URL must not contain a user name or password.",
    "https://token@hooks.example.com/": "The URL must not contain a user name or password.",
    "https://a@b@hooks.example.com/": "The URL must not contain a user name or password.",
    "https://hooks.example.com:0/": "The URL's port must be from 1 to 65535.",
    "https://hooks.example.com:65536/": "The URL's port is not valid.",
    "https://hooks.example.com:-1/": "The URL's port is not valid.",
    "https://hooks.exa mple.com/": "The URL must not contain spaces or control characters.",
    "https://hooks.example.com/\t": "The URL must not contain spaces or control characters.",
    "https://%68ooks.example.com/": "The URL is read differently by different parsers; write it plainly.",
    "https://[fe80::1%25eth0]/": "The URL is read differently by different parsers; write it plainly.",
    "ftp://hooks.example.com/": "Only http and https URLs can receive webhooks.",
    "https:///hooks": "The URL has no host.",
}


@pytest.mark.parametrize("url", REFUSED)
def test_urls_parsers_could_read_differently_are_refused(url):
    with pytest.raises(TargetRefused) as error:
        parse_target(url)
    assert str(error.value) == REFUSED[url]


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://hooks.example.com/creditdesk", ("https", "hooks.example.com", 443)),
        ("HTTP://Hooks.Example.COM:8080/x?y#z", ("http", "hooks.example.com", 8080)),
        ("https://[2606:4700:4700::1111]/", ("https", "2606:4700:4700::1111", 443)),
        ("https://b\u00fccher.example/hooks", ("https", "xn--bcher-kva.example", 443)),
        ("https://hooks.example.com/?next=@evil.example", ("https", "hooks.example.com", 443)),
    ],
)
def test_plain_urls_are_read_as_the_http_client_reads_them(url, target):
    assert tuple(vars(parse_target(url)).values()) == target


# Characters that move the boundaries of a URL's parts, and some that do not.
_PIECES = st.sampled_from(
    ["http://", "https://", "h", "o", "1", "127.0.0.1", ".", ":", "0", "80", "@", "\\", "/", "?", "#", "[", "]",
     "::1", "%", "%40", "%2f", ";", "\u00e4", "\t", " ", "xn--"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=12).map("".join))
def test_any_url_accepted_is_read_alike_by_the_standard_library_and_the_http_client(url):
    try:
        target = parse_target(url)
    except TargetRefused:
        return
    prepared = parse_url(requests.Request("POST", url).prepare().url)
    assert (prepared.host.strip("[]").lower(), prepared.port or target.port) == (target.host, target.port)
    ours = urlsplit(url)
    if ours.hostname.isascii():
        assert ours.hostname == target.host
    assert (ours.port or target.port) == target.port
    assert prepared.auth is None and ours.username is None


@pytest.mark.django_db
def test_the_services_refuse_them_and_store_nothing():
    for url in REFUSED:
        with pytest.raises(ValidationError) as error:
            webhook_endpoint_create(actor=SYSTEM, url=url, event_types=["customer.created"])
        assert "url" in error.value.message_dict, url
    endpoint = WebhookEndpointFactory(url="https://hooks.example.com/a")
    with pytest.raises(ValidationError):
        webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM, data={"url": "http://127.0.0.1:8760\\@x.example/"})
    assert list(WebhookEndpoint.objects.values_list("url", flat=True)) == ["https://hooks.example.com/a"]


@pytest.mark.django_db
def test_the_api_refuses_them_as_invalid_url():
    api = Api(make_api_key())
    response = api.post(
        "webhooks", {"url": "http://127.0.0.1:8760\\@93.184.215.14/", "event_types": ["customer.created"]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "url"
    response = api.post("webhooks", {"url": "https://hooks.example.com:0/", "event_types": ["customer.created"]})
    assert response.json()["error"]["errors"] == [
        {"field": "url", "message": "The URL's port must be from 1 to 65535."}
    ]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_the_staff_form_and_the_admin_refuse_them_next_to_the_url(client):
    client.force_login(staff_user("superuser"))
    response = client.post(
        reverse("staff:webhook_create"), {"url": "https://u:p@hooks.example.com/", "event_types": ["customer.created"]}
    )
    assert response.context["form"].errors["url"] == ["The URL must not contain a user name or password."]
    add = reverse("admin:core_webhookendpoint_add")
    data = {"url": "http://127.0.0.1:8760\\@93.184.215.14/", "event_types": '["customer.created"]', "enabled": "on"}
    response = client.post(add, {**data, **management_forms(client.get(add).content.decode())})
    assert response.status_code == 200
    assert "The URL must not contain a backslash." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_saved_before_the_rule_is_refused_at_delivery_and_nothing_is_sent(receiver):
    # Aimed, by requests' reading, at the local receiver; by urlsplit's, at a public address.
    url = f"http://127.0.0.1:{receiver.port}\\@93.184.215.14/hooks"
    endpoint = WebhookEndpointFactory(url=url)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=EventFactory())

    webhook_delivery_attempt_due(delivery_id=delivery.id)

    assert receiver.requests == []
    attempt = delivery.attempts.get()
    assert attempt.error == "Refused: The URL must not contain a backslash."
