"""Absolute links follow the host that was called unless PUBLIC_BASE_URL is set; links made outside a request need
PUBLIC_BASE_URL and start-up says so (issue 15, finding 10)."""

from urllib.parse import urlsplit

import pytest
from django.core.checks import run_checks

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def netloc(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def test_links_use_the_host_and_port_that_were_called(api):
    CustomerFactory()
    headers = {"Authorization": f"Bearer {api.token}", "Host": "testserver:9000"}
    page = api.client.get("/api/v1/customers", headers=headers).json()
    error = api.client.get("/api/v1/customers?per_page=0", headers=headers).json()
    assert netloc(page["meta"]["pagination"]["next"]) == ("http", "testserver:9000")
    assert netloc(error["error"]["documentation_url"]) == ("http", "testserver:9000")


def test_behind_the_proxy_links_use_the_forwarded_scheme_and_host(api, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.USE_X_FORWARDED_HOST = True
    settings.ALLOWED_HOSTS = ["testserver", "credit.example.com"]
    CustomerFactory()
    headers = {
        "Authorization": f"Bearer {api.token}",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "credit.example.com",
    }
    page = api.client.get("/api/v1/customers", headers=headers).json()
    assert netloc(page["meta"]["pagination"]["next"]) == ("https", "credit.example.com")


def test_public_base_url_wins_when_set(api, settings):
    settings.PUBLIC_BASE_URL = "https://credit.example.com/"
    CustomerFactory()
    headers = {"Authorization": f"Bearer {api.token}", "Host": "testserver:9000"}
    page = api.client.get("/api/v1/customers", headers=headers).json()
    assert page["meta"]["pagination"]["next"].startswith("https://credit.example.com/api/v1/customers?")


def public_base_url_messages() -> list:
    return [message for message in run_checks() if "PUBLIC_BASE_URL" in message.msg]


def test_a_missing_public_base_url_is_a_warning_outside_production(settings):
    settings.PUBLIC_BASE_URL = ""
    [message] = public_base_url_messages()
    assert (message.id, message.level) == ("core.W001", 30)
    assert "PUBLIC_BASE_URL is not set" in message.msg
    settings.PUBLIC_BASE_URL = "https://credit.example.com"
    assert public_base_url_messages() == []
