"""The buyer portal in headless Chromium: a buyer asks for a sign-in link, opens it from the message that arrived at
the suite's SMTP server, and sees the company's lines and purchases; the same through a portal session URL made with
the API; another customer's purchase is not found. Screenshots at 1440 and 390 px, and no page wider than the
screen."""

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from credit.services import credit_transaction_bill
from tests.api.conftest import make_api_key
from tests.browser.conftest import PHONE
from tests.browser.test_every_page import check
from tests.credit.builders import API, approved_customer, completed_purchases, grant_line
from tests.factories import CustomerUserFactory
from tests.portal.conftest import forget_sign_in_counts, link_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def acme():
    forget_sign_in_counts()
    customer = approved_customer(limit=2_500_000, name="Acme Industrial Supply", email="ap@acme-industrial.example")
    ann = CustomerUserFactory(customer=customer, email="ann@acme-industrial.example", first_name="Ann", last_name="Lee")
    grant_line(customer, 800_000, "EUR")
    credit_transaction_bill(
        customer=customer, actor=API, amount=42_500, currency_code="USD", reference="PO-2291", customer_user_id=ann.id
    )
    late, _ = completed_purchases(customer, [(640_000, 9, 140_000), (215_075, -12, 0)])
    yield customer, ann, late
    forget_sign_in_counts()


def looked_at(staff_browser, page, name: str) -> None:
    """At both widths: no serious or critical axe (WCAG 2.1 AA) violation, nothing wider than the screen (the staff
    pages' check), and a screenshot."""
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        check(staff_browser, page, Axe(), viewport["width"])
        staff_browser.screenshot(page, name)


def see_lines_and_purchases(staff_browser, page, label: str):
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    usd = page.get_by_role("article", name="USD credit line")
    expect(usd).to_contain_text("25,000.00 USD")
    expect(usd).to_contain_text("Available")
    expect(page.get_by_role("article", name="EUR credit line")).to_contain_text("8,000.00 EUR")
    expect(page.get_by_role("heading", name="Net terms", exact=True)).to_be_visible()
    expect(page.locator(".alert")).to_contain_text("5,000.00 USD on 1 purchase")
    looked_at(staff_browser, page, f"{label}-overview")

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Purchases").click()
    expect(page.get_by_role("heading", name="Purchases", level=1)).to_be_visible()
    rows = page.locator("table").first.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("9 days")
    expect(rows.nth(0)).to_contain_text("5,000.00 USD")
    expect(rows.nth(2)).to_contain_text("PO-2291")
    expect(rows.nth(2)).to_contain_text("Ann Lee")
    expect(page.get_by_role("heading", name="Recent repayments")).to_be_visible()
    expect(page.locator("table").nth(1)).to_contain_text("1,400.00 USD")
    looked_at(staff_browser, page, f"{label}-purchases")


def test_a_buyer_signs_in_by_emailed_link_and_sees_lines_and_purchases(
    staff_browser, acme, mailbox, eager_tasks, live_server
):
    _, _, late = acme
    other = approved_customer(name="Globex")
    theirs = credit_transaction_bill(customer=other, actor=API, amount=5_000, currency_code="USD")

    page = staff_browser.open(path="/portal/overview", viewport=PHONE)
    expect(page).to_have_url(f"{live_server.url}/portal/sign-in")
    page.get_by_label("Your work email address").fill("ann@acme-industrial.example")
    looked_at(staff_browser, page, "sign-in")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    url = link_in(mailbox.wait_for(1)[0])
    assert url.startswith(f"{live_server.url}/portal/sign-in/")
    page.goto(url)
    expect(page.get_by_role("heading", name="Sign in to Acme Industrial Supply")).to_be_visible()
    looked_at(staff_browser, page, "link")
    page.get_by_role("button", name="Continue to the portal").click()
    expect(page.get_by_text("ann@acme-industrial.example")).to_be_visible()
    see_lines_and_purchases(staff_browser, page, "email")

    page.get_by_role("rowheader", name=late.id).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(late.id)
    expect(page.locator(".figures")).to_contain_text("5,000.00 USD")
    looked_at(staff_browser, page, "purchase")
    assert page.request.get(f"/portal/purchases/{theirs.id}").status == 404

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/portal/sign-in")
    page.goto(url)
    expect(page.get_by_role("heading", name="This sign-in link has expired or was already used")).to_be_visible()
    looked_at(staff_browser, page, "link-used")
    # Its 410 Gone is the answer meant (the browser logs it as a failed load): the one problem expected.
    gone = [problem for problem in staff_browser.problems if "status of 410" in problem]
    assert len(gone) == 1
    staff_browser.problems.remove(gone[0])


def test_a_buyer_arrives_through_a_portal_session_url(staff_browser, acme, live_server):
    customer, ann, _ = acme
    response = requests.post(
        f"{live_server.url}/api/v1/customers/{customer.id}/portal-sessions",
        json={"customer_user_id": ann.id},
        headers={"Authorization": f"Bearer {make_api_key()}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    url = response.json()["data"]["urls"]["general"]["overview"]
    page = staff_browser.open(path=url, viewport=WIDE)
    page.get_by_role("button", name="Continue to the portal").click()
    expect(page.get_by_text("ann@acme-industrial.example")).to_be_visible()
    see_lines_and_purchases(staff_browser, page, "session")
