"""The buyer portal's pages where a person acts, in headless Chromium: an admin invites a colleague, who signs in from
the link in the message that arrived at the suite's SMTP server and sees the users as a member; a payment method is
made the default. Screenshots at 1440 and 390 px, axe's WCAG 2.1 AA checks, and no page wider than the screen."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from core.actors import Actor
from customers.models import CustomerUser, PaymentMethod
from portal.models import PortalLinkSource
from portal.services import portal_link_create, portal_link_path
from tests.browser.conftest import PHONE
from tests.browser.test_every_page import check
from tests.credit.builders import approved_customer
from tests.factories import CustomerUserFactory, PaymentMethodFactory
from tests.portal.conftest import forget_sign_in_counts, link_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def acme():
    forget_sign_in_counts()
    customer = approved_customer(limit=2_500_000, name="Acme Industrial Supply", email="ap@acme-industrial.example")
    ann = CustomerUserFactory(
        customer=customer, email="ann@acme-industrial.example", first_name="Ann", last_name="Lee", role="admin"
    )
    CustomerUserFactory(customer=customer, email="raj@acme-industrial.example", first_name="Raj", last_name="Patel")
    PaymentMethodFactory(customer=customer, card_brand="visa", last4="4242", is_default=True)
    PaymentMethodFactory(
        customer=customer,
        type="bank_account",
        card_brand="",
        exp_month=None,
        exp_year=None,
        bank_account_type="ach",
        bank_name="First Republic Bank of Commerce",
        last4="6789",
    )
    yield customer, ann
    forget_sign_in_counts()


def looked_at(staff_browser, page, name: str) -> None:
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        check(staff_browser, page, Axe(), viewport["width"])
        staff_browser.screenshot(page, name)


def signed_in_page(staff_browser, customer, user, viewport):
    _, token = portal_link_create(
        customer=customer, customer_user_id=user.id, source=PortalLinkSource.EMAIL, actor=Actor.system("tests")
    )
    page = staff_browser.open(path=portal_link_path(token), viewport=viewport)
    page.get_by_role("button", name="Continue to the portal").click()
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    return page


def test_an_admin_invites_a_colleague_who_signs_in_from_the_emailed_link(staff_browser, acme, mailbox, eager_tasks):
    customer, ann = acme
    page = signed_in_page(staff_browser, customer, ann, WIDE)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Ann Lee (you)")
    expect(rows.nth(0).get_by_role("link", name="Remove")).to_have_count(0)
    expect(rows.nth(1).get_by_role("link", name="Remove")).to_be_visible()

    form = page.get_by_role("region", name="Invite a colleague")
    form.get_by_label("Their work email address").fill("ann@acme-industrial.example")
    form.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".error").first).to_contain_text("Someone at your company already has this email address.")
    looked_at(staff_browser, page, "invite-error")
    # A form refused with 400 is the answer meant (the browser logs it as a failed load).
    refused = [problem for problem in staff_browser.problems if "status of 400" in problem]
    for problem in refused:
        staff_browser.problems.remove(problem)

    form = page.get_by_role("region", name="Invite a colleague")
    form.get_by_label("Their work email address").fill("eve.evans@acme-industrial.example")
    form.get_by_label("First name").fill("Eve")
    form.get_by_label("Last name").fill("Evans")
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to eve.evans@acme-industrial.example.")
    expect(page.locator("table tbody tr")).to_have_count(3)
    looked_at(staff_browser, page, "users-admin")

    [message] = mailbox.wait_for(1)
    assert message.rcpt_tos == ["eve.evans@acme-industrial.example"]
    url = link_in(message)
    eves = staff_browser.open(path=url, viewport=PHONE)
    expect(eves.get_by_role("heading", name="Sign in to Acme Industrial Supply")).to_be_visible()
    eves.get_by_role("button", name="Continue to the portal").click()
    expect(eves.get_by_text("eve.evans@acme-industrial.example").first).to_be_visible()
    eves.get_by_role("navigation", name="Portal").get_by_role("link", name="Users").click()
    expect(eves.locator("table tbody tr").nth(2)).to_contain_text("Eve Evans (you)")
    expect(eves.get_by_role("link", name="Remove")).to_have_count(0)
    expect(eves.get_by_role("region", name="Invite a colleague")).to_have_count(0)
    looked_at(staff_browser, eves, "users-member")
    eve = CustomerUser.objects.get(email="eve.evans@acme-industrial.example")
    assert (eve.customer_id, eve.role) == (customer.id, "member")

    # Ann removes Raj.
    page.locator("table tbody tr", has_text="Raj Patel").get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove Raj Patel?", level=1)).to_be_visible()
    looked_at(staff_browser, page, "remove-user")
    page.get_by_role("button", name="Remove Raj Patel").click()
    expect(page.get_by_role("status")).to_contain_text("raj@acme-industrial.example removed")
    expect(page.locator("table tbody tr")).to_have_count(2)


def test_a_payment_method_is_made_the_default(staff_browser, acme):
    customer, ann = acme
    page = signed_in_page(staff_browser, customer, ann, PHONE)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Payment methods").click()
    expect(page.get_by_role("heading", name="Payment methods", level=1)).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows.nth(0)).to_contain_text("Visa •••• 4242")
    expect(rows.nth(0)).to_contain_text("Default")
    looked_at(staff_browser, page, "payment-methods")

    rows.nth(1).get_by_role("button", name="Make default").click()
    expect(page.get_by_role("status")).to_contain_text("ACH •••• 6789 is now your default payment method.")
    rows = page.locator("table tbody tr")
    expect(rows.nth(0)).to_contain_text("ACH •••• 6789")
    expect(rows.nth(0)).to_contain_text("Default")
    expect(rows.nth(1).get_by_role("button", name="Make default")).to_be_visible()
    looked_at(staff_browser, page, "payment-methods-changed")
    assert PaymentMethod.objects.get(customer=customer, is_default=True).last4 == "6789"

    rows.nth(1).get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove Visa •••• 4242?", level=1)).to_be_visible()
    looked_at(staff_browser, page, "remove-payment-method")
    page.get_by_role("button", name="Remove Visa •••• 4242").click()
    expect(page.get_by_role("status")).to_contain_text("Visa •••• 4242 removed.")
    expect(page.locator("table tbody tr")).to_have_count(1)
    assert list(PaymentMethod.objects.filter(customer=customer).values_list("last4", flat=True)) == ["6789"]
