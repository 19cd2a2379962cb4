"""Webhooks go only to http(s) URLs and, unless WEBHOOKS_ALLOW_PRIVATE_TARGETS, only to public addresses: checked
when the endpoint is saved and again before every attempt."""

import ipaddress
import socket

import pytest
from django.core.exceptions import ValidationError

from core.actors import SYSTEM
from core.models import WebhookDelivery, WebhookEndpoint
from core.webhooks.services import webhook_endpoint_create, webhook_endpoint_update
from core.webhooks.url_safety import is_public_address
from customers.services import customer_create
from tests.core.test_settings import run_manage
from tests.factories import WebhookEndpointFactory


@pytest.fixture
def private_targets_refused(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3", "172.16.0.9", "192.168.1.1", "127.0.0.1", "127.8.8.8", "0.0.0.0", "169.254.169.254",
        "100.64.0.1", "224.0.0.251", "239.255.255.250", "240.0.0.1", "255.255.255.255", "198.18.0.1",
        "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "64:ff9b::a00:1", "2001:db8::1",
    ],
)  # fmt: skip
def test_internal_addresses_are_not_public(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_internet_addresses_are_public(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.django_db
@pytest.mark.usefixtures("private_targets_refused")
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks", "http://localhost/hooks", "https://10.0.0.5/hooks",
        "http://169.254.169.254/latest/meta-data/", "http://[::1]:9000/", "http://[::ffff:192.168.0.1]/",
    ],
)  # fmt: skip
def test_creating_an_endpoint_aimed_at_an_internal_address_is_refused(url):
    with pytest.raises(ValidationError) as error:
        webhook_endpoint_create(actor=SYSTEM, url=url, event_types=["customer.created"])

    assert "public addresses" in error.value.message_dict["url"][0]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("private_targets_refused")
def test_a_public_ip_url_is_accepted_without_any_dns_lookup():
    endpoint = webhook_endpoint_create(
        actor=SYSTEM, url="https://93.184.216.34/hooks", event_types=["customer.created"]
    )

    assert endpoint.url == "https://93.184.216.34/hooks"


@pytest.mark.django_db
@pytest.mark.usefixtures("private_targets_refused")
def test_moving_an_endpoint_to_an_internal_address_is_refused_and_changes_nothing():
    endpoint = WebhookEndpointFactory(url="https://93.184.216.34/hooks")

    with pytest.raises(ValidationError) as error:
        webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM, data={"url": "http://192.168.0.10/hooks"})

    assert "url" in error.value.message_dict
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == "https://93.184.216.34/hooks"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["ftp://files.example.com/hooks", "file:///etc/passwd", "gopher://example.com/"])
def test_only_http_and_https_urls_are_accepted_even_where_private_targets_are_allowed(url):
    with pytest.raises(ValidationError) as error:
        webhook_endpoint_create(actor=SYSTEM, url=url, event_types=["customer.created"])

    assert "url" in error.value.message_dict
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager_tasks")
def test_a_loopback_receiver_is_refused_at_delivery_time_when_private_targets_are_not_allowed(receiver, settings):
    endpoint = WebhookEndpointFactory(url=receiver.url)  # saved while allowed, as if DNS had said otherwise then
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    customer_create(actor=SYSTEM, email="ap@acme.example")

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    attempt = delivery.attempts.get()
    assert attempt.response_status is None
    assert attempt.error.startswith("Refused: The host 127.0.0.1 resolves to a private")
    assert (delivery.status, delivery.attempt_count) == ("pending", 1)
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager_tasks", "private_targets_refused")
def test_a_host_that_resolves_public_at_creation_and_internal_later_gets_nothing(receiver, monkeypatch):
    """DNS rebinding: the name is checked again before each attempt, and the connection pinned to a checked IP."""
    answers = {"hooks.customer.example": "93.184.216.34"}
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        return real_getaddrinfo(answers.get(host, host), port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    endpoint = webhook_endpoint_create(
        actor=SYSTEM, url=f"http://hooks.customer.example:{receiver.port}/hooks", event_types=["customer.created"]
    )
    answers["hooks.customer.example"] = "127.0.0.1"

    customer_create(actor=SYSTEM, email="ap@acme.example")

    attempt = WebhookDelivery.objects.get(endpoint=endpoint).attempts.get()
    assert "resolves to a private, loopback" in attempt.error
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager_tasks", "private_targets_refused")
def test_a_dns_answer_that_changes_between_the_check_and_the_connection_gets_nothing(receiver, monkeypatch):
    """The connection is made to an address checked when connecting, not to a fresh answer after the check."""
    answers = iter(["93.184.216.34", "93.184.216.34"])  # the creation check, then the pre-attempt check
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host == "hooks.customer.example":
            host = next(answers, "127.0.0.1")  # every later answer, the connection's included, is internal
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    endpoint = webhook_endpoint_create(
        actor=SYSTEM, url=f"http://hooks.customer.example:{receiver.port}/hooks", event_types=["customer.created"]
    )

    customer_create(actor=SYSTEM, email="ap@acme.example")

    attempt = WebhookDelivery.objects.get(endpoint=endpoint).attempts.get()
    assert attempt.response_status is None
    assert attempt.error.startswith("InvalidIPAddress: 127.0.0.1")
    assert receiver.requests == []


def test_production_settings_refuse_private_targets():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS)",
        DJANGO_SECRET_KEY="k7$Lq9!vR2@xW4#zT6^mN8&pB1*cD3(eF5)gH7_jK9+lM0-nP2=qS4",
        DJANGO_ALLOWED_HOSTS="credit.example.com",
        EMAIL_URL="smtp://127.0.0.1:25",
        DEFAULT_FROM_EMAIL="credit@credit.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
