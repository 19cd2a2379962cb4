"""Credentials are stored hashed and never logged: after API keys and OAuth clients are made every way the
application makes them (service, management command, staff UI) and a client gets a token and uses it, no database
column holds any raw key, client secret or access token, and no log record (SQL included, as DEBUG would log it)
mentions one.

Webhook signing secrets are the exception by design: HMAC needs the secret itself, so it is stored (and shown once)."""

import logging
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.services import oauth_client_create
from tests.api.conftest import Api, make_api_key
from tests.api.test_oauth import token_request
from tests.factories import CustomerFactory
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db


class Secrets:
    """Raw credentials made during a test, and the places they must not appear."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def add(self, label: str, value: str) -> str:
        assert len(value) >= 20, f"{label} is too short to be a real credential: {value!r}"
        self.values[label] = value
        return value

    def found_in(self, text: str) -> list[str]:
        # A raw value, or its random part without a recognisable prefix, anywhere in the text.
        return [label for label, value in self.values.items() if value in text or value[-16:] in text]


def make_every_credential(secrets: Secrets) -> None:
    """Everything that creates or presents a credential, each then used on the API."""
    secrets.add("service key", make_api_key(name="service"))
    output = StringIO()
    call_command("create_api_key", "--name", "command", "--scopes", "customers:read", stdout=output, stderr=StringIO())
    secrets.add("command key", output.getvalue().strip().splitlines()[-1])
    manager = Client()
    manager.force_login(staff_user("account_manager"))
    page = manager.post("/staff/api-keys/new", {"name": "staff ui", "scopes": ["customers:read"]})
    secrets.add("staff UI key", re.search(r"cdk_[\w-]{40,}", page.content.decode()).group(0))

    application, client_secret = oauth_client_create(name="erp", scopes="customers:read customers:write")
    secrets.add("OAuth client secret", client_secret)
    output = StringIO()
    call_command("create_oauth_client", "--name", "cmd", "--scopes", "customers:read", stdout=output, stderr=StringIO())
    secrets.add("command client secret", re.search(r"client_secret: (\S+)", output.getvalue()).group(1))
    page = manager.post("/staff/oauth-clients/new", {"name": "staff ui", "scopes": ["customers:read"]})
    secrets.add("staff UI client secret", re.search(r'data-testid="client-secret">([^<]+)<', page.content.decode())[1])
    token = token_request(application.client_id, client_secret).json()["access_token"]
    secrets.add("access token", token)
    refused = token_request(application.client_id, client_secret[:-4] + "xxxx")  # a wrong secret, also not logged
    assert refused.status_code == 401

    customer = CustomerFactory()
    for label in ("service key", "command key", "staff UI key", "access token"):
        api = Api(secrets.values[label])
        assert api.get(f"customers/{customer.id}").status_code == 200, label
        assert api.post("customers", {"email": "x@y.example"}).status_code in (201, 403, 409), label
    # A revoked or mangled credential is refused, and its value not logged either.
    assert Api(secrets.values["service key"][:-3] + "abc").get("customers").status_code == 401


def database_text() -> str:
    """Every value of every column of every table, as text (bytea as its bytes, decoded leniently)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    chunks.append(str(value))
    return "\n".join(chunks)


def test_no_raw_credential_is_stored_in_any_column():
    secrets = Secrets()
    make_every_credential(secrets)
    assert secrets.found_in(database_text()) == []


def test_no_credential_is_logged_even_with_sql_logging(caplog):
    secrets = Secrets()
    with caplog.at_level(logging.DEBUG), CaptureQueriesContext(connection) as queries:
        make_every_credential(secrets)
    logged = "\n".join(
        [record.getMessage() + (record.exc_text or "") for record in caplog.records]
        + [f"{query['sql']} {query.get('params', '')}" for query in queries.captured_queries]
    )
    assert len(caplog.records) > 10 and len(queries.captured_queries) > 50  # the capture did capture
    assert secrets.found_in(logged) == []
