"""The dashboard's top exposures and credit used over the last 90 days, and the bill form's buyer, in Chromium at 1440
and 390 px: the figures people read, axe's serious and critical rules, nothing wider than the viewport. Screenshots go
to tests/browser/screenshots/."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from credit.services import credit_transaction_repay
from tests.browser.test_every_page import check
from tests.credit.builders import API, approved_customer, completed_transaction
from tests.credit.test_dashboard_ledger import on
from tests.factories import CustomerUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1440, 390)


def days_ago(days: int) -> datetime:
    return datetime.combine(timezone.localdate() - timedelta(days=days), time(12), tzinfo=UTC)


def book():
    """Three customers in USD (one with a long name) and one in EUR, bought and repaid over the last weeks."""
    with on(days_ago(80)):
        largest = approved_customer(
            limit=50_000_000, name="Bluebird Coffee Roasters International Wholesale Distribution Incorporated"
        )
        middle = approved_customer(limit=50_000_000, name="Harbor Supply")
        smallest = approved_customer(limit=50_000_000, name="Acme Yarns")
        euro = approved_customer(limit=10_000_000, currency="EUR", name="Lumen GmbH")
        first = completed_transaction(largest, 12_500_000)
    with on(days_ago(40)):
        completed_transaction(middle, 3_400_000)
        completed_transaction(euro, 990_000)
    with on(days_ago(12)):
        credit_transaction_repay(credit_transaction=first, actor=API, amount=4_000_000)
    completed_transaction(smallest, 125_000)
    return largest


@pytest.mark.parametrize("width", WIDTHS)
def test_the_dashboard_shows_top_exposures_and_credit_used_from_the_ledger(staff_browser, width):
    largest = book()
    page = staff_browser.open(role="viewer", viewport={"width": width, "height": 900})
    top = page.locator("[data-top-exposures=USD] tbody tr")
    assert top.count() == 3
    assert re.sub(r"\s+", " ", top.first.inner_text()).startswith("1 Bluebird Coffee Roasters")
    assert "85,000.00" in top.first.inner_text()  # 125,000.00 used, 40,000.00 repaid
    chart = page.locator("[data-credit-used=USD] svg[role=img]")
    assert chart.locator("rect.bar").count() == 90
    assert "120,250.00 USD today" in chart.locator("title").text_content()
    page.locator("[data-credit-used=USD] summary").click()
    figures = page.locator("[data-credit-used=USD] tbody tr")
    assert figures.count() == 4  # today, 12, 40 and 80 days ago
    assert "-40,000.00" in figures.nth(1).inner_text()
    check(staff_browser, page, Axe() if width == 1440 else None, width)
    staff_browser.screenshot(page, "dashboard")
    page.locator("[data-top-exposures=USD] a").first.click()
    page.wait_for_url(f"**/staff/customers/{largest.id}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_bill_form_offers_the_buyer(staff_browser, width):
    customer = approved_customer(limit=1_000_000, name="Harbor Supply")
    CustomerUserFactory(customer=customer, first_name="Ann", last_name="Lee", email="ann@harbor.example")
    page = staff_browser.open(
        role="credit_officer",
        viewport={"width": width, "height": 900},
        path=f"/staff/customers/{customer.id}/purchases/new",
    )
    page.get_by_label("Amount").fill("1,250.00")
    page.get_by_label("Bought by").select_option(label="Ann Lee <ann@harbor.example>")
    check(staff_browser, page, Axe() if width == 1440 else None, width)
    staff_browser.screenshot(page, "bill-form")
    page.get_by_role("button", name="Bill purchase").click()
    assert page.get_by_test_id("buyer").first.inner_text() == "Bought by Ann Lee <ann@harbor.example>"
