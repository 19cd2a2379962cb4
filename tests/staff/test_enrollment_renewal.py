"""The staff button that issues a new net terms enrollment link (net_terms_enrollment_renew): offered exactly when
the service would accept, confirmed on its own page, refused to viewers."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.models import OutboundEmail
from credit.services import net_terms_enrollment_expire
from customers.selectors import customer_get
from tests.credit.builders import approved_customer
from tests.factories import CustomerUserFactory
from tests.reading import enrollment_url_of

pytestmark = pytest.mark.django_db

BUTTON = 'data-testid="renew-enrollment"'


def detail(customer) -> str:
    return reverse("staff:customer_detail", args=[customer.id])


def renew_url(customer) -> str:
    return reverse("staff:customer_net_terms_enrollment", args=[customer.id])


@pytest.fixture
def offered():
    customer = approved_customer(via_check=True)
    CustomerUserFactory(customer=customer, email="ap@acme.example")
    return customer


def test_the_button_is_offered_while_pending_and_after_expiry_but_not_once_enrolled(client_as, offered):
    officer = client_as("credit_officer")
    assert BUTTON in officer.get(detail(offered)).content.decode()
    assert net_terms_enrollment_expire(customer=offered, now=timezone.now() + timedelta(days=15))
    assert BUTTON in officer.get(detail(offered)).content.decode()
    assert BUTTON not in officer.get(detail(approved_customer())).content.decode()


def test_viewers_and_account_managers_see_no_button_and_cannot_post(client_as, offered):
    for role in ("viewer", "account_manager"):
        client = client_as(role)
        assert BUTTON not in client.get(detail(offered)).content.decode()
        assert client.post(renew_url(offered)).status_code == 403
    assert not OutboundEmail.objects.exists()


def test_a_credit_officer_issues_a_new_link(client_as, offered, django_capture_on_commit_callbacks):
    old_url = enrollment_url_of(offered)
    officer = client_as("credit_officer")
    page = officer.get(renew_url(offered)).content.decode()
    assert "Send a new link" in page
    with time_machine.travel(timezone.now() + timedelta(seconds=5)), django_capture_on_commit_callbacks(execute=True):
        response = officer.post(renew_url(offered), follow=True)
    assert response.redirect_chain[-1][0].startswith(detail(offered))
    assert (
        f"A new enrollment link was issued to {offered} and emailed to its active users." in response.content.decode()
    )
    new_url = enrollment_url_of(offered)
    assert new_url != old_url and new_url in response.content.decode()
    assert customer_get(customer_id=offered.id).net_terms_status == "pending_enrollment"
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [["ap@acme.example"]]


def test_an_enrolled_customer_is_refused_on_the_page(client_as, django_capture_on_commit_callbacks):
    customer = approved_customer()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("credit_officer").post(renew_url(customer))
    assert response.status_code == 200
    assert "net terms status is enrolled" in response.content.decode()
    assert not OutboundEmail.objects.exists()
