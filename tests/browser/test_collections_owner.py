"""In headless Chromium: a credit officer gives a customer to a colleague to chase on the customer page, finds it in
the worklist filtered by owner, and sorts the customer list by exposure and days past due; at 1440 and 390 px."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.credit.builders import approved_customer, completed_purchase
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1440, "height": 900}


def test_an_owner_set_on_the_customer_page_filters_the_worklist_and_the_list_sorts_by_credit(staff_browser):
    juniper = approved_customer(limit=10_000_000, name="Juniper Textiles")
    completed_purchase(juniper, 250_000, days_past_due=20)
    bluebird = approved_customer(limit=1_000_000, name="Bluebird Coffee Roasters")
    completed_purchase(bluebird, 600_000, days_past_due=3)
    approved_customer(limit=1_000_000, name="Acorn Hardware")
    dana = staff_user("account_manager")
    dana.username = "dana"
    dana.save()

    page = staff_browser.open(role="credit_officer", viewport=WIDE, path=f"/staff/customers/{juniper.id}")
    owner = page.get_by_label("Who chases this customer for what it owes")
    expect(owner).to_have_value("")
    owner.select_option("dana")
    page.get_by_role("button", name="Save owner").click()
    expect(page.get_by_text("dana now chases Juniper Textiles.")).to_be_visible()
    expect(page.get_by_label("Who chases this customer for what it owes")).to_have_value("dana")
    staff_browser.screenshot(page, "customer-owner")

    page.goto("/staff/collections")
    worklist = page.get_by_test_id("worklist")
    expect(worklist.locator("tbody tr")).to_have_count(2)
    page.get_by_label("Owner").select_option("dana")
    page.get_by_role("button", name="Apply").click()
    assert "owner=dana" in page.url
    expect(worklist.locator("tbody tr")).to_have_count(1)
    expect(worklist).to_contain_text("Juniper Textiles")
    expect(worklist).to_contain_text("Owner: dana")
    staff_browser.screenshot(page, "worklist-by-owner")
    page.get_by_label("Owner").select_option("unassigned")
    page.get_by_role("button", name="Apply").click()
    expect(worklist.locator("tbody tr")).to_have_count(1)
    expect(worklist).to_contain_text("Bluebird Coffee Roasters")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "worklist-by-owner")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.set_viewport_size(WIDE)
    page.goto("/staff/customers")
    table = page.get_by_test_id("customer-table")
    page.get_by_role("link", name="Exposure").click()
    expect(table.locator("th[data-sort=exposure]")).to_have_attribute("aria-sort", "descending")
    names = table.locator("tbody tr td.cell-title a.primary-link")
    expect(names).to_have_text(["Bluebird Coffee Roasters", "Juniper Textiles", "Acorn Hardware"])
    page.get_by_role("link", name="Exposure").click()
    expect(table.locator("th[data-sort=exposure]")).to_have_attribute("aria-sort", "ascending")
    expect(names).to_have_text(["Acorn Hardware", "Juniper Textiles", "Bluebird Coffee Roasters"])
    page.get_by_role("link", name="Past due").click()
    expect(names).to_have_text(["Juniper Textiles", "Bluebird Coffee Roasters", "Acorn Hardware"])
    expect(table.locator("tbody tr").first).to_contain_text("20 days")
    staff_browser.screenshot(page, "customers-by-past-due")
    page.get_by_role("link", name="Utilisation").click()
    expect(names).to_have_text(["Bluebird Coffee Roasters", "Juniper Textiles", "Acorn Hardware"])
    expect(table.locator("tbody tr").first).to_contain_text("60 %")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "customers-by-utilisation")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
