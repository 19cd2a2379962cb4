"""The buyer portal's statements and net terms in headless Chromium: a buyer downloads this month's statement as a
PDF (read back with pypdf: the right totals) and as a CSV; another buyer accepts the net terms on offer from the
overview's call to action. Screenshots at 1440 and 390 px, no page wider than the screen."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect
from pypdf import PdfReader

from credit.models import CreditAccount
from credit.services import credit_transaction_bill, credit_transaction_repay
from credit.statements import current_month
from tests.browser.conftest import PHONE
from tests.credit.builders import API, approved_customer, completed_purchases
from tests.factories import CustomerUserFactory
from tests.portal.conftest import signed_in_client

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1440, "height": 900}


def sign_in(staff_browser, customer, user, *, viewport):
    """A browser page signed in as `user`, on the overview: the session of a link redeemed (its POST) by the test
    client, its cookie handed to the browser (tests/browser/test_portal.py signs in through the link's page)."""
    cookie = signed_in_client(customer, user).cookies[settings.PORTAL_SESSION_COOKIE_NAME]
    page = staff_browser.open(path="/portal/sign-in", viewport=viewport)
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": f"{staff_browser.base_url}/portal/", "httpOnly": True}]
    )
    page.goto("/portal/overview")
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    return page


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shots(staff_browser, page, name: str):
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        assert fits_the_screen(page), f"{name} wider than {viewport['width']} px"
        staff_browser.screenshot(page, name)


def downloaded(page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_a_buyer_downloads_this_months_statement(staff_browser):
    customer = approved_customer(limit=2_500_000, name="Acme Industrial Supply", email="ap@acme-industrial.example")
    ann = CustomerUserFactory(customer=customer, email="ann@acme-industrial.example", first_name="Ann", last_name="Lee")
    credit_transaction_bill(
        customer=customer, actor=API, amount=42_500, currency_code="USD", reference="PO-2291", customer_user_id=ann.id
    )
    _, soon = completed_purchases(customer, [(640_000, 9, 140_000), (215_075, -12, 0)])
    credit_transaction_repay(credit_transaction=soon, actor=API, amount=15_075)
    # Owed now: 425.00 billed + 6,400.00 + 2,150.75 completed, less 1,400.00 + 150.75 repaid = 7,425.00.
    month = current_month().strftime("%B %Y")

    page = sign_in(staff_browser, customer, ann, viewport=WIDE)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Statements").click()
    expect(page.get_by_role("heading", name="Statements", level=1)).to_be_visible()
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text(month)
    expect(row).to_contain_text("7,425.00 USD")
    shots(staff_browser, page, "statements")

    name, content = downloaded(page, f"{month} USD statement, PDF")
    assert name == f"statement-{customer.id}-USD-{current_month():%Y-%m}.pdf"
    assert content.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    for expected in (
        "Acme Industrial Supply",
        month,
        "Opening balance",
        "PO-2291",
        "Closing balance",
        "7,425.00",  # what is owed now
        "8,975.75",  # the purchases: 425.00 + 6,400.00 + 2,150.75
        "-1,550.75",  # the repayments: 1,400.00 + 150.75
        "17,575.00",  # available: 25,000.00 less 7,425.00
        "5,000.00",  # past due: the late purchase's 6,400.00 less 1,400.00 repaid
    ):
        assert expected in text, f"{expected!r} not in the PDF"

    name, content = downloaded(page, f"{month} USD statement, CSV")
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert (rows[0]["type"], rows[-1]["type"], rows[-1]["balance_decimal"]) == (
        "opening_balance",
        "closing_balance",
        "7425.00",
    )


def test_a_buyer_accepts_the_net_terms_on_offer(staff_browser):
    customer = approved_customer(limit=1_500_000, terms="net45", via_check=True, name="Bluebird Coffee Roasters")
    ann = CustomerUserFactory(customer=customer, email="ann@bluebird.example", first_name="Ann")

    page = sign_in(staff_browser, customer, ann, viewport=PHONE)
    callout = page.get_by_role("region", name="Net terms are waiting for you")
    expect(callout).to_be_visible()
    shots(staff_browser, page, "overview-offer")
    callout.get_by_role("link", name="Review and accept the terms").click()

    expect(page.get_by_role("heading", name="Net terms", level=1)).to_be_visible()
    offer = page.get_by_role("region", name="Your company is offered net terms")
    expect(offer).to_contain_text("NET45")
    expect(offer).to_contain_text("45 days after it is invoiced")
    expect(offer).to_contain_text("15,000.00 USD")
    shots(staff_browser, page, "enrollment-offer")

    page.get_by_label("I accept these net terms on behalf of my company.").check()
    page.get_by_role("button", name="Accept net terms").click()
    expect(page.get_by_role("status")).to_contain_text("your company has accepted the net terms")
    expect(page.get_by_text("Enrolled", exact=True)).to_be_visible()
    shots(staff_browser, page, "enrollment-accepted")
    account = CreditAccount.objects.get(customer_id=customer.pk)
    assert account.net_terms_status == "enrolled"

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Overview").click()
    expect(page.get_by_text("Net terms are waiting for you")).to_have_count(0)
