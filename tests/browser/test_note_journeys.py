"""A note with a promise to pay on the customer page, as an account manager in headless Chromium: the promise is open,
then flagged as broken once its date has passed without a repayment; the note is in the history."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.credit.builders import approved_customer

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1440, "height": 900}


def test_a_promise_to_pay_is_noted_then_flagged_when_broken(staff_browser):
    customer = approved_customer(limit=1_000_000, name="Juniper Textiles")
    page = staff_browser.open(role="account_manager", viewport=WIDE, path=f"/staff/customers/{customer.id}")
    expect(page.locator("#notes")).to_contain_text("No notes yet.")
    page.get_by_role("link", name="Add a note").click()
    page.get_by_label("Note").fill("Called AP (Dana): cheque for the March invoices goes out Friday.")
    page.get_by_label("Promised amount").fill("1,500")
    expect(page.get_by_label("Currency of the promise")).to_have_value("USD")
    promised_on = timezone.localdate() + timedelta(days=2)
    page.get_by_label("Promised by").fill(promised_on.isoformat())
    page.get_by_label("Next follow-up").fill("2001-01-01")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#id_follow_up_on_error, .errorlist").first).to_contain_text("Cannot be in the past")
    staff_browser.screenshot(page, "refused")
    page.get_by_label("Next follow-up").fill((promised_on + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Note added, a promise of 1,500.00 USD by {promised_on:%b %-d, %Y}"
    )
    note = page.get_by_test_id("note").first
    expect(note).to_contain_text("Promised 1,500.00 USD by")
    expect(note).to_contain_text("Promise open")
    page.get_by_role("tab", name="History").click()
    expect(page.get_by_text("Customer note added")).to_be_visible()
    staff_browser.screenshot(page, "open")

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        page.reload()
        page.get_by_role("tab", name="Notes").click()
        expect(page.get_by_test_id("note").first).to_contain_text("Promise broken")
        page.locator("#notes").scroll_into_view_if_needed()
        staff_browser.screenshot(page, "broken", full_page=False)
        page.set_viewport_size(PHONE)
        page.locator("#notes").scroll_into_view_if_needed()
        staff_browser.screenshot(page, "broken", full_page=False)
