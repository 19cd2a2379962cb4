"""The request id in the audit trail is the server's own, for staff pages and the admin alike (issue 15, finding 9)."""

import pytest
from django.urls import reverse

from core.models import Event
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_staff_action_records_the_servers_request_id_never_the_clients_header(client_as):
    manager = client_as("account_manager")
    customer = CustomerFactory()
    response = manager.post(reverse("staff:customer_archive", args=[customer.id]), HTTP_X_REQUEST_ID="req_forged")
    event = Event.objects.get(customer=customer, event_type="customer.archived")
    assert event.request_id == response["X-Request-ID"]
    assert event.request_id.startswith("req_") and event.request_id != "req_forged"
    assert not Event.objects.filter(request_id="req_forged").exists()


def test_an_admin_action_records_the_request_id(client_as):
    superuser = client_as("superuser")
    customer = CustomerFactory()
    response = superuser.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "archive_customers", "_selected_action": [customer.id]},
        HTTP_X_REQUEST_ID="req_forged",
    )
    event = Event.objects.get(customer=customer, event_type="customer.archived")
    assert event.request_id == response["X-Request-ID"]
    assert event.request_id.startswith("req_") and event.request_id != "req_forged"
