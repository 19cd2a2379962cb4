"""Net terms accepted in the portal: the overview's call to action while terms wait for acceptance, the offer (terms,
net days, line, currency), and the Accept button, a POST by a signed-in person (a company session gets the 403 page)
that enrolls through net_terms_enroll, the service of the emailed enrollment link. Already enrolled, expired, or not
on offer: a clear message, and nothing changes."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.models import Event
from credit.models import CreditAccount
from credit.services import net_terms_enrollment_expire
from tests.credit.builders import approved_customer, customer_with_credit_status
from tests.factories import CustomerUserFactory
from tests.portal.conftest import signed_in_client

pytestmark = pytest.mark.django_db

ACCEPT = "/portal/enrollment/accept"


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def account_of(customer) -> CreditAccount:
    return CreditAccount.objects.get(customer_id=customer.pk)


@pytest.fixture
def offered():
    """Acme, approved through a credit check for a 25,000.00 USD line on NET45: the terms wait for acceptance."""
    customer = approved_customer(limit=2_500_000, terms="net45", via_check=True, name="Acme Tools")
    user = CustomerUserFactory(customer=customer, email="ann@acme.example", first_name="Ann")
    assert account_of(customer).net_terms_status == "pending_enrollment"
    return customer, user


def test_the_overview_calls_to_accept_the_terms_on_offer(offered):
    page = text(signed_in_client(*offered).get("/portal/overview"))
    assert "Net terms are waiting for you" in page and "Review and accept the terms" in page


def test_an_enrolled_companys_overview_has_no_call_to_action(buyer):
    page = text(signed_in_client(*buyer).get("/portal/overview"))
    assert "Net terms Enrolled" in page and "waiting for you" not in page


def test_the_offer_shows_the_terms_line_and_currency_with_the_accept_button(offered):
    response = signed_in_client(*offered).get("/portal/enrollment")
    page = text(response)
    assert response.status_code == 200
    assert "Payment terms NET45" in page
    assert "Each purchase is due 45 days after it is invoiced" in page
    assert "Credit line 25,000.00 USD" in page and "Currency USD" in page
    expires = account_of(offered[0]).net_terms_enrollment_expires_at
    assert f"Offer valid until {expires:%b} {expires.day}, {expires.year}" in page
    assert 'action="/portal/enrollment/accept"' in response.content.decode()
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_a_person_accepts_and_the_company_is_enrolled_by_the_enrollment_service(offered):
    customer, ann = offered
    client = signed_in_client(customer, ann)
    response = client.post(ACCEPT, {"accept": "on"})
    assert response.status_code == 302 and response["Location"] == "/portal/enrollment"
    account = account_of(customer)
    assert account.net_terms_status == "enrolled" and account.net_terms_enrolled_at is not None
    assert account.net_terms_enrollment_expires_at is None
    event = Event.objects.filter(customer_id=customer.pk, event_type="customer.updated").latest("occurred_at")
    assert event.data["accepted_by_customer_user_id"] == ann.id
    assert (event.actor_type, event.actor_id) == ("customer_user", ann.id)  # staff history: "<name> (customer portal)"
    page = text(client.get("/portal/enrollment"))
    assert "your company has accepted the net terms" in page and "Enrolled" in page and "nothing to accept" in page
    assert "waiting for you" not in text(client.get("/portal/overview"))


def test_accepting_needs_the_box_ticked(offered):
    response = signed_in_client(*offered).post(ACCEPT, {})
    assert response.status_code == 400 and "Tick the box to accept the terms." in text(response)
    assert account_of(offered[0]).net_terms_status == "pending_enrollment"


def test_a_company_session_sees_the_offer_but_cannot_accept(offered):
    client = signed_in_client(offered[0])
    page = client.get("/portal/enrollment")
    assert "25,000.00 USD" in text(page) and "sign in with your own email address to accept" in text(page)
    assert 'action="/portal/enrollment/accept"' not in page.content.decode()
    response = client.post(ACCEPT, {"accept": "on"})
    assert response.status_code == 403 and "Sign in as yourself" in text(response)
    assert account_of(offered[0]).net_terms_status == "pending_enrollment"


def test_accepting_without_the_csrf_token_is_refused(offered):
    signed_in = signed_in_client(*offered)
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    assert client.get("/portal/enrollment").status_code == 200  # the session works in this client
    assert client.post(ACCEPT, {"accept": "on"}).status_code == 403
    assert account_of(offered[0]).net_terms_status == "pending_enrollment"


def test_accept_is_a_post(offered):
    assert signed_in_client(*offered).get(ACCEPT).status_code == 405
    assert account_of(offered[0]).net_terms_status == "pending_enrollment"


def test_an_enrolled_company_is_told_so_and_nothing_changes(buyer):
    customer, _ = buyer
    enrolled_at = account_of(customer).net_terms_enrolled_at
    client = signed_in_client(*buyer)
    assert "Your company buys on net terms (NET30)" in text(client.get("/portal/enrollment"))
    response = client.post(ACCEPT, {"accept": "on"})
    assert response.status_code == 409 and "nothing to accept" in text(response)
    assert account_of(customer).net_terms_enrolled_at == enrolled_at


def test_an_expired_offer_says_to_ask_the_seller_and_nothing_changes(offered, settings):
    settings.SELLER_NAME = "Roastery Supply Co"
    customer, ann = offered
    expires = account_of(customer).net_terms_enrollment_expires_at
    with time_machine.travel(expires + timedelta(minutes=1), tick=False):
        # Past its time, before the task has marked it expired: expired already.
        client = signed_in_client(customer, ann)
        page = text(client.get("/portal/enrollment"))
        assert "The offer of net terms expired" in page and "Ask Roastery Supply Co for a new offer" in page
        assert "waiting for you" not in text(client.get("/portal/overview"))
        assert client.post(ACCEPT, {"accept": "on"}).status_code == 409
        assert account_of(customer).net_terms_status == "pending_enrollment"
        assert net_terms_enrollment_expire(customer=customer, now=timezone.now())
        response = client.post(ACCEPT, {"accept": "on"})
        assert response.status_code == 409 and "Ask Roastery Supply Co for a new offer" in text(response)
    account = account_of(customer)
    assert account.net_terms_status == "enrollment_expired" and account.net_terms_enrolled_at is None


@pytest.mark.parametrize("status", [None, "pending", "declined"])
def test_a_company_without_terms_on_offer_is_told_so_and_nothing_changes(status):
    customer = customer_with_credit_status(status, name="Initech")
    user = CustomerUserFactory(customer=customer)
    client = signed_in_client(customer, user)
    assert "No net terms on offer" in text(client.get("/portal/enrollment"))
    response = client.post(ACCEPT, {"accept": "on"})
    assert response.status_code == 409 and "No net terms on offer" in text(response)
    account = CreditAccount.objects.filter(customer_id=customer.pk).first()
    assert account is None or account.net_terms_status != "enrolled"
