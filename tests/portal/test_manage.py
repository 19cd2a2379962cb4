"""The portal's pages where a person acts: the company's payment methods (make one the default, remove one) and its
users (an admin invites a colleague, who signs in from the emailed link, and removes others; a member only reads).
Each change is recorded in the portal user's name; a company session, another customer's ids, a forged POST or one
without its CSRF token change nothing."""

import re

import pytest
from django.conf import settings
from django.test import Client

from core.models import Event, EventType, OutboundEmail
from customers.models import CustomerUser, CustomerUserStatus, PaymentMethod
from portal.models import PortalLink
from tests.factories import CustomerUserFactory, PaymentMethodFactory
from tests.portal.conftest import link_in, path_of, signed_in_client
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def admin(buyer):
    customer, user = buyer
    user.role = "admin"
    user.save(update_fields=["role"])
    return customer, user


@pytest.fixture
def member(admin):
    customer, _ = admin
    user = CustomerUserFactory(customer=customer, email="mo@acme.example", first_name="Mo", last_name="Miller")
    return customer, user


@pytest.fixture
def methods(buyer):
    customer, _ = buyer
    card = PaymentMethodFactory(customer=customer, card_brand="visa", last4="4242", is_default=True)
    bank = PaymentMethodFactory(
        customer=customer,
        type="bank_account",
        card_brand="",
        exp_month=None,
        exp_year=None,
        bank_account_type="ach",
        bank_name="First Bank",
        last4="6789",
    )
    return card, bank


def default_of(customer) -> str:
    return PaymentMethod.objects.get(customer=customer, is_default=True).id


# --- payment methods --------------------------------------------------------------------------------------------


def test_the_payment_methods_page_lists_them_default_first(buyer, methods):
    page = text(signed_in_client(*buyer).get("/portal/payment-methods"))
    assert page.index("Visa •••• 4242 Default") < page.index("ACH •••• 6789")
    assert "Expires 12/2030" in page and "First Bank" in page
    assert page.count("Make default") == 1 and page.count("Remove") == 2


def test_a_user_makes_a_method_the_default_recorded_in_their_name(buyer, methods):
    customer, user = buyer
    card, bank = methods
    client = signed_in_client(customer, user)
    response = client.post(f"/portal/payment-methods/{bank.id}/default")
    assert response.status_code == 302 and response["Location"] == "/portal/payment-methods"
    assert default_of(customer) == bank.id
    assert "ACH •••• 6789 is now your default payment method." in text(client.get("/portal/payment-methods"))
    event = Event.objects.get(event_type=EventType.DEFAULT_PAYMENT_METHOD_CHANGED)
    assert (event.actor_type, event.actor_id, event.actor_label) == ("customer_user", user.id, "Ann Archer")
    assert event.data["previous_payment_method_id"] == card.id
    # Staff read it on the customer's history as the person, in the portal.
    staff = Client()
    staff.force_login(staff_user("viewer"))
    history = text(staff.get(f"/staff/customers/{customer.id}/events"))
    assert "by Ann Archer (customer portal)" in history


def test_a_user_removes_a_method(buyer, methods):
    customer, user = buyer
    card, bank = methods
    client = signed_in_client(customer, user)
    assert client.post(f"/portal/payment-methods/{bank.id}/remove").status_code == 302
    assert list(PaymentMethod.objects.filter(customer=customer)) == [card]
    assert "ACH •••• 6789 removed." in text(client.get("/portal/payment-methods"))
    event = Event.objects.get(event_type=EventType.PAYMENT_METHOD_DELETED)
    assert (event.actor_type, event.actor_id) == ("customer_user", user.id)
    # A second click on the gone method finds nothing and records nothing.
    assert client.post(f"/portal/payment-methods/{bank.id}/remove").status_code == 404
    assert Event.objects.filter(event_type=EventType.PAYMENT_METHOD_DELETED).count() == 1


def test_a_member_manages_payment_methods_too(member, methods):
    customer, user = member
    assert signed_in_client(customer, user).post(f"/portal/payment-methods/{methods[1].id}/default").status_code == 302
    assert default_of(customer) == methods[1].id


def test_a_company_session_sees_a_sign_in_page_and_changes_nothing(buyer, methods):
    client = signed_in_client(buyer[0])
    page = client.get("/portal/payment-methods")
    assert page.status_code == 403 and b"Sign in as yourself" in page.content and b"4242" not in page.content
    for action in ("default", "remove"):
        assert client.post(f"/portal/payment-methods/{methods[1].id}/{action}").status_code == 403
    assert PaymentMethod.objects.count() == 2 and default_of(buyer[0]) == methods[0].id
    assert not Event.objects.filter(actor_type="customer_user").exists()


def test_another_customers_method_is_not_found(buyer, other_buyer, methods):
    theirs = PaymentMethodFactory(customer=other_buyer[0], last4="1111", is_default=True)
    mine = PaymentMethodFactory(customer=other_buyer[0], last4="2222")
    client = signed_in_client(*buyer)
    assert b"1111" not in client.get("/portal/payment-methods").content
    for action in ("default", "remove"):
        response = client.post(f"/portal/payment-methods/{mine.id}/{action}")
        assert response.status_code == 404 and b"Not found" in response.content
    assert (
        PaymentMethod.objects.filter(customer=other_buyer[0]).count() == 2 and default_of(other_buyer[0]) == theirs.id
    )


def test_a_post_without_its_csrf_token_is_refused(buyer, methods):
    client = signed_in_client(*buyer)
    client.handler.enforce_csrf_checks = True
    assert client.post(f"/portal/payment-methods/{methods[1].id}/remove").status_code == 403
    assert client.post(f"/portal/payment-methods/{methods[1].id}/default").status_code == 403
    assert PaymentMethod.objects.count() == 2 and default_of(buyer[0]) == methods[0].id
    # The page's own form carries the token, and then it works.
    page = client.get("/portal/payment-methods").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(f"/portal/payment-methods/{methods[1].id}/default", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and default_of(buyer[0]) == methods[1].id


def test_remove_asks_first_and_the_question_changes_nothing(buyer, other_buyer, methods):
    client = signed_in_client(*buyer)
    page = client.get(f"/portal/payment-methods/{methods[1].id}/remove")
    assert page.status_code == 200 and "Remove ACH •••• 6789?" in text(page)
    assert re.search(r'<form method="post"', page.content.decode())  # posts to the same address
    assert PaymentMethod.objects.count() == 2
    theirs = PaymentMethodFactory(customer=other_buyer[0], last4="1111")
    assert client.get(f"/portal/payment-methods/{theirs.id}/remove").status_code == 404
    assert client.get(f"/portal/payment-methods/{methods[1].id}/default").status_code == 405
    assert signed_in_client(buyer[0]).get(f"/portal/payment-methods/{methods[1].id}/remove").status_code == 403


# --- users ------------------------------------------------------------------------------------------------------


def test_an_admin_sees_the_users_with_remove_buttons_but_not_for_themselves(member):
    customer, mo = member
    ann = CustomerUser.objects.get(email="ann@acme.example")
    CustomerUserFactory(customer=customer, email="old@acme.example", status=CustomerUserStatus.ARCHIVED)
    response = signed_in_client(customer, ann).get("/portal/users")
    page = text(response)
    assert "Ann Archer (you)" in page and "Admin" in page and "Mo Miller" in page and "Member" in page
    assert "old@acme.example" not in page
    html = response.content.decode()
    assert f"/portal/users/{mo.id}/remove" in html and f"/portal/users/{ann.id}/remove" not in html
    assert "Invite a colleague" in page


def test_a_member_sees_the_list_without_buttons(member):
    response = signed_in_client(*member).get("/portal/users")
    page = text(response)
    assert "Ann Archer" in page and "Mo Miller (you)" in page
    assert "/remove" not in response.content.decode() and "Invite a colleague" not in page


def test_a_forged_post_by_a_member_is_refused_and_changes_nothing(member):
    customer, mo = member
    ann = CustomerUser.objects.get(email="ann@acme.example")
    client = signed_in_client(customer, mo)
    assert client.get(f"/portal/users/{ann.id}/remove").status_code == 403
    response = client.post(f"/portal/users/{ann.id}/remove")
    assert response.status_code == 403 and b"Only your company&#x27;s admins" in response.content
    response = client.post("/portal/users/invite", {"email": "eve@acme.example", "first_name": "Eve"})
    assert response.status_code == 403
    assert CustomerUser.objects.filter(customer=customer, status="active").count() == 2
    assert not CustomerUser.objects.filter(email="eve@acme.example").exists()
    assert not OutboundEmail.objects.exists() and not PortalLink.objects.filter(customer_user__email="eve@acme.example")
    assert not Event.objects.filter(actor_type="customer_user").exists()


def test_an_admin_removes_a_colleague_whose_session_ends(member):
    customer, mo = member
    ann = CustomerUser.objects.get(email="ann@acme.example")
    mos_browser = signed_in_client(customer, mo)
    client = signed_in_client(customer, ann)
    question = client.get(f"/portal/users/{mo.id}/remove")
    assert question.status_code == 200 and "Remove Mo Miller?" in text(question)
    assert "mo@acme.example will no longer be able to sign in" in text(question)
    mo.refresh_from_db()
    assert mo.status == "active"
    response = client.post(f"/portal/users/{mo.id}/remove")
    assert response.status_code == 302 and response["Location"] == "/portal/users"
    mo.refresh_from_db()
    assert mo.status == "archived"
    assert "mo@acme.example removed" in text(client.get("/portal/users"))
    event = Event.objects.get(event_type=EventType.CUSTOMER_USER_ARCHIVED)
    assert (event.actor_type, event.actor_id, event.actor_label) == ("customer_user", ann.id, "Ann Archer")
    assert mos_browser.get("/portal/overview").status_code == 302  # signed out


def test_an_admin_cannot_remove_themselves(admin):
    customer, ann = admin
    client = signed_in_client(customer, ann)
    for ask in (client.get, client.post):
        response = ask(f"/portal/users/{ann.id}/remove")
        assert response.status_code == 403 and b"You cannot remove yourself" in response.content
    ann.refresh_from_db()
    assert ann.status == "active"


def test_another_customers_user_is_not_found(admin, other_buyer):
    gil = other_buyer[1]
    client = signed_in_client(*admin)
    assert client.get(f"/portal/users/{gil.id}/remove").status_code == 404
    response = client.post(f"/portal/users/{gil.id}/remove")
    assert response.status_code == 404
    gil.refresh_from_db()
    assert gil.status == "active"


def test_a_company_session_cannot_see_or_manage_users(admin, member):
    client = signed_in_client(admin[0])
    assert client.get("/portal/users").status_code == 403
    assert client.post(f"/portal/users/{member[1].id}/remove").status_code == 403
    assert client.post("/portal/users/invite", {"email": "eve@acme.example"}).status_code == 403
    assert CustomerUser.objects.filter(customer=admin[0], status="active").count() == 2


@pytest.mark.usefixtures("eager_tasks")
def test_an_admin_invites_a_colleague_who_signs_in_from_the_email(admin, mailbox, django_capture_on_commit_callbacks):
    customer, ann = admin
    client = signed_in_client(customer, ann)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/portal/users/invite", {"email": "Eve@Acme.example", "first_name": "Eve", "last_name": "Evans"}
        )
    assert response.status_code == 302 and response["Location"] == "/portal/users"
    eve = CustomerUser.objects.get(customer=customer, email="eve@acme.example")
    assert (eve.role, eve.status, eve.first_name) == ("member", "active", "Eve")
    created = Event.objects.get(event_type=EventType.CUSTOMER_USER_CREATED)
    assert (created.actor_type, created.actor_id) == ("customer_user", ann.id)
    assert "Invitation sent to eve@acme.example." in text(client.get("/portal/users"))

    [message] = mailbox.wait_for(1)
    assert message.rcpt_tos == ["eve@acme.example"]
    assert message.message["Subject"] == "Ann Archer invited you to Acme Tools's buyer portal"
    assert "Hello Eve" in message.part("plain") and "15 minutes" in message.part("plain")
    assert "\nhttp://testserver/portal/sign-in\n" in message.part("plain")  # where to ask for another link
    url = link_in(message)
    assert OutboundEmail.objects.get().template == "portal_invitation"

    eves_browser = Client()
    assert eves_browser.post(path_of(url)).status_code == 302
    page = text(eves_browser.get("/portal/users"))
    assert "Eve Evans (you)" in page and "Invite a colleague" not in page
    assert eves_browser.cookies[settings.PORTAL_SESSION_COOKIE_NAME].value
    assert Client().post(path_of(url)).status_code == 410  # the link worked once


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "ann@acme.example", "first_name": "Ann"}, "Someone at your company already has this email address."),
        ({"email": "ANN@acme.example"}, "Someone at your company already has this email address."),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"email": "eve@acme.example", "first_name": "x" * 151}, "Ensure this value has at most 150 characters"),
        ({"email": "eve@acme.example", "first_name": "4242 4242 4242 4242"}, "Full card or account numbers"),
    ],
)
def test_bad_input_is_an_error_on_the_form_and_changes_nothing(admin, mailbox, data, error):
    customer, ann = admin
    response = signed_in_client(customer, ann).post("/portal/users/invite", data)
    assert response.status_code == 400 and error in response.content.decode().replace("&#x27;", "'")
    assert CustomerUser.objects.filter(customer=customer).count() == 1
    assert not OutboundEmail.objects.exists() and PortalLink.objects.count() == 1  # the test's own sign-in link
    assert not Event.objects.filter(actor_type="customer_user").exists()


def test_an_invitation_without_its_csrf_token_is_refused(admin):
    client = signed_in_client(*admin)
    client.handler.enforce_csrf_checks = True
    assert client.post("/portal/users/invite", {"email": "eve@acme.example"}).status_code == 403
    assert not CustomerUser.objects.filter(email="eve@acme.example").exists()
