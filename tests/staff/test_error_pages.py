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


# 403, 404 and 500 pages: inside the app's layout (its navigation) for a signed-in member of staff, a card otherwise;
# and under DEBUG (the embedded default) a 404 is still the app's page, never Django's list of every URL.

NAVIGATION = 'class="sidebar" aria-label="Main"'


def test_a_404_for_staff_is_inside_the_app_layout(client_as):
    response = client_as("viewer").get("/staff/customers/ctm_01m9546yttx6g984pykn55h101")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and NAVIGATION in page


def test_a_404_for_someone_signed_out_is_a_card_without_the_navigation(client):
    response = client.get("/staff/nowhere")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and NAVIGATION not in page


def test_a_403_is_inside_the_app_layout(client_as):
    response = client_as("viewer").get("/staff/customers/new")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed" in page and NAVIGATION in page


@pytest.mark.parametrize("path", ["/staff/nowhere", "/staff/customers/ctm_01m9546yttx6g984pykn55h101", "/nowhere"])
def test_under_debug_a_404_is_still_the_apps_page(client_as, settings, path):
    settings.DEBUG = True
    response = client_as("viewer").get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and NAVIGATION in page
    assert "URLconf" not in page and "staff:customer_list" not in page


def test_under_debug_the_api_keeps_its_json_404(client_as, settings):
    settings.DEBUG = True
    response = client_as("viewer").get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_500_for_staff_is_inside_the_app_layout(client_as, monkeypatch):
    client = client_as("viewer", raise_request_exception=False)

    def broken():
        raise RuntimeError("a bug with a secret")

    monkeypatch.setattr("credit.staff.dashboard.dashboard_metrics", broken)
    response = client.get("/staff/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and NAVIGATION in page
    assert "secret" not in page and "Traceback" not in page


def test_a_500_whose_layout_cannot_render_falls_back_to_the_plain_card(client_as, monkeypatch):
    client = client_as("credit_officer", raise_request_exception=False)

    def broken():
        raise RuntimeError("a bug with a secret")

    # The view fails, and so does what the layout reads (the waiting reviews in the navigation).
    monkeypatch.setattr("credit.staff.dashboard.dashboard_metrics", broken)
    monkeypatch.setattr("credit.staff.context.credit_review_queue_count", broken)
    response = client.get("/staff/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and NAVIGATION not in page
    assert "secret" not in page and "Traceback" not in page
