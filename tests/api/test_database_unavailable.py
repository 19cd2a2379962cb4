"""A database that cannot be reached (restart, failover, a cancelled statement) is a 503 the client may retry, in
the API's error format, never a 500 or an HTML page. `make faults` restarts a real PostgreSQL under load
(tests/faults/test_postgres_restart.py); these pin the mapping in process."""

import pytest
from django.db import InterfaceError, OperationalError, connection

from core.api import idempotency
from customers.models import Customer
from tests.api.test_errors import assert_error
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

OUTAGES = [
    OperationalError("connection failed: connection to server at 127.0.0.1 failed: Connection refused"),
    OperationalError("terminating connection due to administrator command"),
    InterfaceError("connection already closed"),
]


@pytest.mark.parametrize("outage", OUTAGES, ids=["refused", "terminated", "closed"])
def test_a_database_outage_in_a_view_is_503_service_unavailable(api, monkeypatch, outage):
    def unreachable(**kwargs):
        raise outage

    monkeypatch.setattr("customers.api.views.customer_get", unreachable)
    response = api.get(f"customers/{CustomerFactory().id}")
    error = assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == "1"
    assert "127.0.0.1" not in error["detail"] and "connection" not in error["detail"]


def test_a_failed_commit_is_503_too_and_leaves_nothing_behind(api, monkeypatch):
    def commit_fails(self, response):
        raise OperationalError("server closed the connection unexpectedly")

    # Storing the idempotent response is the last write before COMMIT, outside the view's own exception handling.
    monkeypatch.setattr(idempotency.Claim, "store", commit_fails)
    api.client.raise_request_exception = False
    response = api.post("customers", {"email": "a@b.example"}, headers={"Idempotency-Key": "k1"})
    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == "1"
    assert not Customer.objects.exists()


def test_an_unknown_exception_escaping_the_view_stays_a_500(api, monkeypatch):
    def store_fails(self, response):
        raise RuntimeError("a bug")

    monkeypatch.setattr(idempotency.Claim, "store", store_fails)
    api.client.raise_request_exception = False
    response = api.post("customers", {"email": "a@b.example"}, headers={"Idempotency-Key": "k1"})
    assert_error(response, 500, "internal_error")


def test_connections_are_bounded_in_time():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('statement_timeout'), current_setting('client_connection_check_interval')"
        )
        assert cursor.fetchone() == ("30s", "2s")
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == 3


def test_a_statement_past_the_timeout_is_cancelled_as_an_operational_error():
    with pytest.raises(OperationalError, match="statement timeout"), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
        cursor.execute("SELECT pg_sleep(1)")
