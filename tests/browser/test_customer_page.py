"""The customer page in headless Chromium: a summary (status, credit line, available, past due, next follow-up, the
primary actions) that stays in view while the page scrolls, over ARIA tabs that show one section at a time, by click
and by keyboard; without JavaScript every section is rendered, one under the other, and the tabs are anchors."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.actors import Actor
from credit.services import customer_note_add
from tests.browser.conftest import DESKTOP, PHONE
from tests.credit.builders import approved_customer, completed_purchase
from tests.factories import CustomerUserFactory, PaymentMethodFactory

pytestmark = pytest.mark.django_db(transaction=True)

TABS = ("Overview", "Purchases", "Ledger", "Users & payment methods", "Notes", "History")
# Something only each tab's panel shows.
PANEL_TEXT = {
    "Overview": "Profile",
    "Purchases": "Purchases on credit",
    "Ledger": "Every movement of credit",
    "Users & payment methods": "Payment methods",
    "Notes": "Call back about the March invoices",
    "History": "Credit decisions",
}


def busy_customer():
    """A customer with something in every tab: a line, purchases (one 12 days past due), users, payment methods,
    a note with a follow-up, and a long history."""
    customer = approved_customer(limit=5_000_000, name="Marigold Freight & Logistics Holdings")
    for days in (12, 3, -10, -20, -25, -30):
        completed_purchase(customer, 150_000, days_past_due=days, repaid=0 if days == 12 else 50_000)
    for _ in range(3):
        CustomerUserFactory(customer=customer)
        PaymentMethodFactory(customer=customer)
    follow_up = timezone.localdate() + timedelta(days=2)
    customer_note_add(
        customer=customer, actor=Actor.system(), text="Call back about the March invoices", follow_up_on=follow_up
    )
    return customer, follow_up


def summary_top(page) -> float:
    return page.get_by_test_id("customer-summary").evaluate("(el) => el.getBoundingClientRect().top")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_summary_stays_in_view_and_tabs_show_one_section_at_a_time(staff_browser, viewport):
    customer, follow_up = busy_customer()
    page = staff_browser.open(role="account_manager", viewport=viewport, path=f"/staff/customers/{customer.id}")
    summary = page.get_by_test_id("customer-summary")
    expect(page.get_by_test_id("summary-line")).to_contain_text("50,000.00 USD")
    expect(page.get_by_test_id("summary-past-due")).to_contain_text(
        "2,500.00 USD"
    )  # 1,500.00 twelve days late, 1,000.00 three
    expect(page.get_by_test_id("summary-past-due")).to_contain_text("12 days")
    expect(page.get_by_test_id("summary-follow-up")).to_contain_text(f"{follow_up:%b %-d, %Y}")
    expect(summary.get_by_role("link", name="Add a note")).to_be_visible()

    tablist = page.get_by_role("tablist")
    expect(tablist.get_by_role("tab")).to_have_text(list(TABS))
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_count(1)
    expect(page.get_by_role("tabpanel")).to_contain_text("Profile")
    staff_browser.screenshot(page, "overview")

    page.get_by_role("tab", name="History").click()
    expect(page.get_by_role("tab", name="History")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_count(1)
    expect(page.get_by_role("tabpanel")).to_contain_text("Credit decisions")
    assert page.evaluate("location.hash") == "#tab-history"
    # The history is longer than the screen: scrolled to its end, the summary is still at the top of the view.
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate("() => window.scrollY") > 200
    top = summary_top(page)
    assert 0 <= top < viewport["height"] / 3, top
    expect(summary.get_by_test_id("summary-available")).to_be_in_viewport()
    staff_browser.screenshot(page, "history-scrolled", full_page=False)

    # Keyboard: the arrows move between tabs (wrapping), Home and End go to the ends; focus follows.
    page.get_by_role("tab", name="History").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Overview")).to_be_focused()
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Purchases")).to_be_focused()
    expect(page.get_by_role("tabpanel")).to_contain_text("Purchases on credit")
    page.keyboard.press("End")
    expect(page.get_by_role("tab", name="History")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Notes")).to_be_focused()
    expect(page.get_by_role("tabpanel")).to_contain_text(PANEL_TEXT["Notes"])
    page.keyboard.press("Home")
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")
    # Only the selected tab is in the tab order.
    expect(tablist.locator('[role=tab][tabindex="0"]')).to_have_count(1)
    for name in TABS:
        page.get_by_role("tab", name=name).click()
        expect(page.get_by_role("tabpanel")).to_contain_text(PANEL_TEXT[name])
        staff_browser.screenshot(page, "tab-" + name.split()[0].lower())
    # A reload keeps the tab; a link into a section opens its tab.
    page.reload()
    expect(page.get_by_role("tab", name="History")).to_have_attribute("aria-selected", "true")
    page.goto(f"/staff/customers/{customer.id}#purchases")
    expect(page.get_by_role("tab", name="Purchases")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#purchases")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_without_javascript_every_section_is_on_the_page_under_anchor_links(staff_browser):
    customer, _ = busy_customer()
    page = staff_browser.open(role="viewer", path=f"/staff/customers/{customer.id}", javascript=False)
    expect(page.get_by_role("tab")).to_have_count(0)
    nav = page.get_by_role("navigation", name="Sections of the customer page")
    expect(nav.get_by_role("link")).to_have_text(list(TABS))
    for name in TABS:
        panel = page.locator("#" + nav.get_by_role("link", name=name).get_attribute("href").removeprefix("#"))
        expect(panel).to_be_visible()
        expect(panel).to_contain_text(PANEL_TEXT[name])
    page.get_by_role("link", name="Ledger").click()
    expect(page.locator("#tab-ledger h2")).to_be_in_viewport()
    assert page.evaluate("() => window.scrollY") > 200
    assert 0 <= summary_top(page) < 300
    staff_browser.screenshot(page, "no-script", full_page=False)
