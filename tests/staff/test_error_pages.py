"""Staff pages that fail show a page of their own, never a stack trace or SQL: a database outage is a 503 saying to
retry (tests/security has the 500 under production settings)."""

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_staff_page_during_a_database_outage_is_a_503_page_without_details(client_as, monkeypatch):
    client: Client = client_as("viewer", raise_request_exception=False)

    def unreachable():
        raise OperationalError('connection failed: SELECT "secret" FROM credit_creditbalance')

    monkeypatch.setattr("credit.staff.dashboard.dashboard_metrics", unreachable)
    response = client.get("/staff/")
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Briefly unavailable" in page
    assert "SELECT" not in page and "Traceback" not in page and "secret" not in page
