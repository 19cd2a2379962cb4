"""Signing into the buyer portal by an emailed link, through the suite's real SMTP server: the link arrives once,
signs in once, within 15 minutes; the page answers the same for any address; requests are limited per address and
per client; the portal's cookie and session are its own, apart from staff sign-in; forms need their CSRF token."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from core.models import OutboundEmail
from customers.services import customer_archive, customer_user_archive
from portal.models import PortalLink, PortalSession
from portal.services import portal_link_create, portal_link_path
from tests.credit.builders import API
from tests.factories import CustomerUserFactory
from tests.portal.conftest import SYSTEM, link_in, path_of, signed_in_client
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db


def ask_for_link(client, email, capture):
    with capture(execute=True):
        return client.post("/portal/sign-in", {"email": email})


@pytest.mark.usefixtures("eager_tasks")
def test_a_user_signs_in_with_the_link_emailed_to_them(buyer, mailbox, django_capture_on_commit_callbacks):
    customer, user = buyer
    client = Client()
    response = ask_for_link(client, "Ann@Acme.example", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/portal/sign-in/sent"
    [message] = mailbox.wait_for(1)
    assert message.rcpt_tos == ["ann@acme.example"]
    assert message.message["Subject"] == "Your sign-in link for Acme Tools"
    url = link_in(message)
    assert url.startswith("http://testserver/portal/sign-in/")
    assert "15 minutes" in message.part("plain")

    page = client.get(path_of(url))
    assert page.status_code == 200 and b"Sign in to Acme Tools" in page.content
    assert page["Referrer-Policy"] == "same-origin"
    assert PortalLink.objects.get().used_at is None  # looking at the link does not use it

    response = client.post(path_of(url))
    assert response.status_code == 302 and response["Location"] == "/portal/overview"
    cookie = response.cookies[settings.PORTAL_SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/portal/"
    assert not cookie["secure"]  # test settings; production sets SESSION_COOKIE_SECURE
    overview = client.get("/portal/overview")
    assert overview.status_code == 200
    assert b"Acme Tools" in overview.content and b"ann@acme.example" in overview.content

    session = PortalSession.objects.get()
    assert (session.customer_id, session.customer_user_id) == (customer.id, user.id)
    assert session.token_hash != cookie.value and cookie.value not in session.token_hash
    email = OutboundEmail.objects.get()
    assert email.status == "sent" and email.customer_id == customer.id and email.template == "portal_sign_in"


def test_a_link_signs_in_once(buyer):
    customer, user = buyer
    client = signed_in_client(customer, user)
    link = PortalLink.objects.get()
    assert link.used_at is not None
    assert client.get("/portal/overview").status_code == 200


def test_a_used_link_answers_the_request_another_page(buyer, mailbox, eager_tasks, django_capture_on_commit_callbacks):
    ask_for_link(Client(), buyer[1].email, django_capture_on_commit_callbacks)
    path = path_of(link_in(mailbox.wait_for(1)[0]))
    assert Client().post(path).status_code == 302
    for again in (Client().get(path), Client().post(path)):
        assert again.status_code == 410
        assert b"expired or was already used" in again.content
        assert b'href="/portal/sign-in"' in again.content
        assert settings.PORTAL_SESSION_COOKIE_NAME not in again.cookies
    assert PortalSession.objects.count() == 1


def test_a_link_expires_after_15_minutes(buyer, mailbox, eager_tasks, django_capture_on_commit_callbacks):
    ask_for_link(Client(), buyer[1].email, django_capture_on_commit_callbacks)
    path = path_of(link_in(mailbox.wait_for(1)[0]))
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
        response = Client().post(path)
    assert response.status_code == 410 and b"expired or was already used" in response.content
    assert not PortalSession.objects.exists() and PortalLink.objects.get().used_at is None
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert Client().post(path).status_code == 302


def test_a_made_up_link_is_refused_like_an_expired_one(db):
    response = Client().post("/portal/sign-in/not-a-real-token")
    assert response.status_code == 410 and b"expired or was already used" in response.content


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(
    buyer, mailbox, eager_tasks, django_capture_on_commit_callbacks
):
    known = ask_for_link(Client(), buyer[1].email, django_capture_on_commit_callbacks)
    unknown = ask_for_link(Client(), "nobody@nowhere.example", django_capture_on_commit_callbacks)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    mailbox.wait_for(1)
    assert [m.rcpt_tos for m in mailbox.messages] == [[buyer[1].email]]
    sent = Client().get(unknown["Location"])
    assert b"If this address belongs to a user" in sent.content


def test_archived_users_and_archived_customers_get_no_link(
    buyer, other_buyer, mailbox, eager_tasks, django_capture_on_commit_callbacks
):
    customer_user_archive(user=buyer[1], actor=API)
    customer_archive(customer=other_buyer[0], actor=API)
    for email in (buyer[1].email, other_buyer[1].email):
        assert ask_for_link(Client(), email, django_capture_on_commit_callbacks).status_code == 302
    assert not PortalLink.objects.exists() and not OutboundEmail.objects.exists()


def test_a_person_buying_for_two_companies_gets_one_link_for_each(
    buyer, other_buyer, mailbox, eager_tasks, django_capture_on_commit_callbacks
):
    second = CustomerUserFactory(customer=other_buyer[0], email=buyer[1].email)
    ask_for_link(Client(), buyer[1].email, django_capture_on_commit_callbacks)
    messages = mailbox.wait_for(2)
    assert sorted(m.message["Subject"] for m in messages) == [
        "Your sign-in link for Acme Tools",
        "Your sign-in link for Globex",
    ]
    for message in messages:
        client = Client()
        client.post(path_of(link_in(message)))
        company = message.message["Subject"].rpartition(" for ")[2]
        assert company.encode() in client.get("/portal/overview").content
    assert set(PortalSession.objects.values_list("customer_user_id", flat=True)) == {buyer[1].id, second.id}


def test_a_bad_address_is_an_error_on_the_form(db):
    response = Client().post("/portal/sign-in", {"email": "not an address"})
    assert response.status_code == 200 and b"Enter a valid email address" in response.content
    assert not PortalLink.objects.exists()


def test_requests_for_one_address_are_limited(buyer, mailbox, eager_tasks, django_capture_on_commit_callbacks):
    addresses = iter(f"192.0.2.{n}" for n in range(1, 50))
    for _ in range(settings.PORTAL_SIGN_IN_PER_EMAIL):
        response = ask_for_link(Client(REMOTE_ADDR=next(addresses)), buyer[1].email, django_capture_on_commit_callbacks)
        assert response.status_code == 302
    refused = ask_for_link(Client(REMOTE_ADDR=next(addresses)), buyer[1].email, django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert b"Too many sign-in requests" in refused.content and b'class="brand"' in refused.content
    assert PortalLink.objects.count() == settings.PORTAL_SIGN_IN_PER_EMAIL
    # Another address from another client is not held back.
    assert (
        ask_for_link(Client(REMOTE_ADDR="192.0.2.200"), "x@y.example", django_capture_on_commit_callbacks).status_code
        == 302
    )


def test_requests_from_one_client_are_limited_whatever_the_address(buyer, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_SIGN_IN_PER_IP = 3
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(3):
        assert (
            ask_for_link(client, f"someone{n}@nowhere.example", django_capture_on_commit_callbacks).status_code == 302
        )
    refused = ask_for_link(client, buyer[1].email, django_capture_on_commit_callbacks)
    assert refused.status_code == 429 and not PortalLink.objects.exists()


def test_pages_need_a_portal_session(db):
    for path in ("/portal/overview", "/portal/purchases", "/portal/purchases/ctx_01jx8f3k9q2m7v5t4r6w8y0zab"):
        response = Client().get(path)
        assert (response.status_code, response["Location"]) == (302, "/portal/sign-in")


def test_a_staff_sign_in_does_not_open_the_portal_and_a_portal_session_does_not_open_the_staff_ui(buyer):
    staff = Client()
    staff.force_login(staff_user("account_manager"))
    assert staff.get("/staff/").status_code == 200
    assert staff.get("/portal/overview")["Location"] == "/portal/sign-in"

    portal = signed_in_client(*buyer)
    assert portal.get("/portal/overview").status_code == 200
    assert portal.get("/staff/").status_code == 302  # to the staff sign-in page
    assert "sessionid" not in portal.cookies and settings.SESSION_COOKIE_NAME != settings.PORTAL_SESSION_COOKIE_NAME


def test_signing_out_ends_the_session(buyer):
    client = signed_in_client(*buyer)
    response = client.post("/portal/sign-out")
    assert response.status_code == 302 and response["Location"] == "/portal/sign-in"
    assert response.cookies[settings.PORTAL_SESSION_COOKIE_NAME].value == ""
    assert PortalSession.objects.get().revoked_at is not None
    assert client.get("/portal/overview").status_code == 302


def test_a_stolen_cookie_stops_working_after_sign_out(buyer):
    client = signed_in_client(*buyer)
    token = client.cookies[settings.PORTAL_SESSION_COOKIE_NAME].value
    client.post("/portal/sign-out")
    thief = Client()
    thief.cookies[settings.PORTAL_SESSION_COOKIE_NAME] = token
    assert thief.get("/portal/overview").status_code == 302


def test_a_session_ends_after_30_idle_minutes(buyer):
    client = signed_in_client(*buyer)
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert client.get("/portal/overview").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 29)):
        assert client.get("/portal/overview").status_code == 200  # the visit above kept it alive
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 29 + 31)):
        assert client.get("/portal/overview").status_code == 302


def test_a_session_ends_12_hours_after_sign_in_however_busy(buyer):
    client = signed_in_client(*buyer)
    start = timezone.now()
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/portal/overview").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, seconds=1)):
        assert client.get("/portal/overview").status_code == 302


def test_a_session_ends_when_its_user_or_customer_is_archived(buyer):
    customer, user = buyer
    client = signed_in_client(customer, user)
    customer_user_archive(user=user, actor=API)
    assert client.get("/portal/overview").status_code == 302
    company = signed_in_client(customer)
    customer_archive(customer=customer, actor=API)
    assert company.get("/portal/overview").status_code == 302


def test_a_new_sign_in_in_the_same_browser_ends_the_previous_session(buyer):
    client = signed_in_client(*buyer)
    first = PortalSession.objects.get()
    _, token = portal_link_create(customer=buyer[0], customer_user_id=buyer[1].id, source="email", actor=SYSTEM)
    assert client.post(portal_link_path(token)).status_code == 302
    first.refresh_from_db()
    assert first.revoked_at is not None and PortalSession.objects.filter(revoked_at__isnull=True).count() == 1


def test_every_portal_form_needs_its_csrf_token(buyer):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/portal/sign-in", {"email": buyer[1].email}).status_code == 403
    _, token = portal_link_create(customer=buyer[0], customer_user_id=buyer[1].id, source="email", actor=SYSTEM)
    assert strict.post(portal_link_path(token)).status_code == 403
    assert PortalLink.objects.get().used_at is None and not PortalSession.objects.exists()
    # With the token the page gave, the same form works.
    page = strict.get(portal_link_path(token))
    csrf = strict.cookies["csrftoken"].value
    assert strict.post(portal_link_path(token), {"csrfmiddlewaretoken": csrf}).status_code == 302
    assert b"csrfmiddlewaretoken" in page.content
    signed_in = strict.get("/portal/overview")
    assert b"csrfmiddlewaretoken" in signed_in.content  # the sign-out form
    assert strict.post("/portal/sign-out").status_code == 403
    assert PortalSession.objects.get().revoked_at is None
