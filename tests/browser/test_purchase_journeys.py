"""A purchase on credit from bill to full repayment, and a cancelled one, as a credit officer in headless Chromium:
the balance and the ledger after each step, at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.credit.builders import approved_customer
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1440, "height": 900}


def expect_balance(page, available: str, reserved: str, used: str) -> None:
    figures = page.get_by_test_id("balance-USD")
    for label, value in (("Available", available), ("Reserved", reserved), ("Used", used)):
        expect(figures.locator(f"dt:text-is('{label}') + dd")).to_have_text(value)


def newest_ledger_entry(page):
    return page.get_by_test_id("ledger-table").locator("tbody tr").first


def purchase_row(page, reference: str):
    return page.get_by_test_id("purchases-table").locator("tbody tr", has_text=reference)


def test_bill_complete_repay_in_two_parts_and_cancel(staff_browser):
    customer = approved_customer(limit=1_000_000, name="Juniper Textiles")
    olivia = StaffUserFactory(username="olivia", role="credit_officer")
    page = staff_browser.open(olivia, viewport=WIDE, path=f"/staff/customers/{customer.id}")
    expect_balance(page, "10,000.00", "0.00", "0.00")

    page.get_by_role("link", name="Bill a purchase").click()
    expect(page.get_by_label("Currency")).to_have_value("USD")
    page.get_by_label("Amount").fill("20,000")
    page.get_by_label("Reference").fill("PO-1042")
    page.get_by_role("button", name="Bill purchase").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "Not enough available credit: 10,000.00 USD available, 20,000.00 USD requested."
    )
    staff_browser.screenshot(page, "bill-refused")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "bill-refused")
    page.set_viewport_size(WIDE)

    page.get_by_label("Amount").fill("2,500.00")
    page.get_by_label("Description").fill("Two looms, delivered Friday")
    page.get_by_role("button", name="Bill purchase").click()
    expect(page.get_by_role("status")).to_contain_text("Billed 2,500.00 USD (PO-1042)")
    expect_balance(page, "7,500.00", "2,500.00", "0.00")
    expect(newest_ledger_entry(page)).to_contain_text("available → reserved")
    expect(purchase_row(page, "PO-1042")).to_contain_text("Billed")
    staff_browser.screenshot(page, "billed")

    purchase_row(page, "PO-1042").get_by_role("button", name="Complete").click()
    expect(page.get_by_role("status")).to_contain_text("Completed 2,500.00 USD (PO-1042): used, due")
    expect_balance(page, "7,500.00", "0.00", "2,500.00")
    expect(newest_ledger_entry(page)).to_contain_text("reserved → used")

    purchase_row(page, "PO-1042").get_by_role("link", name="Record repayment").click()
    expect(page.get_by_label("Amount repaid (USD)")).to_have_value("2500.00")
    page.get_by_label("Amount repaid (USD)").fill("1,000")
    page.get_by_role("button", name="Record repayment").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Recorded a repayment of 1,000.00 USD; 1,500.00 USD outstanding."
    )
    expect_balance(page, "8,500.00", "0.00", "1,500.00")
    expect(newest_ledger_entry(page)).to_contain_text("used → available")
    expect(purchase_row(page, "PO-1042")).to_contain_text("1,000.00 repaid")
    staff_browser.screenshot(page, "partly-repaid")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "partly-repaid")
    page.set_viewport_size(WIDE)

    purchase_row(page, "PO-1042").get_by_role("link", name="Record repayment").click()
    expect(page.get_by_label("Amount repaid (USD)")).to_have_value("1500.00")
    page.get_by_role("button", name="Record repayment").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded a repayment of 1,500.00 USD; 0.00 USD outstanding.")
    expect_balance(page, "10,000.00", "0.00", "0.00")
    expect(purchase_row(page, "PO-1042")).to_contain_text("Repaid")
    expect(purchase_row(page, "PO-1042").get_by_role("link", name="Record repayment")).to_have_count(0)

    page.get_by_role("link", name="Bill a purchase").click()
    page.get_by_label("Amount").fill("400")
    page.get_by_label("Reference").fill("PO-1043")
    page.get_by_role("button", name="Bill purchase").click()
    expect_balance(page, "9,600.00", "400.00", "0.00")
    purchase_row(page, "PO-1043").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("status")).to_contain_text("Canceled 400.00 USD (PO-1043): the reserve is available again.")
    expect_balance(page, "10,000.00", "0.00", "0.00")
    expect(newest_ledger_entry(page)).to_contain_text("reserved → available")
    expect(purchase_row(page, "PO-1043")).to_contain_text("Canceled")
    staff_browser.screenshot(page, "customer")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "customer")
    page.locator("#purchases").scroll_into_view_if_needed()
    staff_browser.screenshot(page, "customer-purchases", full_page=False)


def test_the_purchases_list_completes_and_comes_back_filtered(staff_browser):
    customer = approved_customer(limit=1_000_000, name="Bluebird Coffee Roasters")
    page = staff_browser.open(role="credit_officer", viewport=WIDE, path=f"/staff/customers/{customer.id}")
    for reference in ("PO-1", "PO-2"):
        page.get_by_role("link", name="Bill a purchase").click()
        page.get_by_label("Amount").fill("100")
        page.get_by_label("Reference").fill(reference)
        page.get_by_role("button", name="Bill purchase").click()
    page.get_by_role("link", name="Purchases", exact=True).click()
    expect(page.get_by_role("heading", name="Purchases on credit")).to_be_visible()
    page.get_by_role("group", name="Status").get_by_label("Billed").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("purchases-table").locator("tbody tr")).to_have_count(2)
    staff_browser.screenshot(page, "list")
    purchase_row(page, "PO-1").get_by_role("button", name="Complete").click()
    expect(page.get_by_role("status")).to_contain_text("Completed 100.00 USD (PO-1)")
    expect(page).to_have_url(f"{staff_browser.base_url}/staff/purchases?status=billed&currency_code=")
    expect(page.get_by_test_id("purchases-table").locator("tbody tr")).to_have_count(1)
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "list")
    page.get_by_test_id("purchases-table").scroll_into_view_if_needed()
    staff_browser.screenshot(page, "list-rows", full_page=False)


def test_a_viewer_sees_purchases_without_actions(staff_browser):
    customer = approved_customer(limit=1_000_000)
    page = staff_browser.open(role="viewer", viewport=WIDE, path=f"/staff/customers/{customer.id}")
    expect(page.get_by_role("link", name="Bill a purchase")).to_have_count(0)
    page.goto("/staff/purchases")
    expect(page.get_by_role("heading", name="Purchases on credit")).to_be_visible()
    expect(page.get_by_text("No purchases match these filters.")).to_be_visible()
