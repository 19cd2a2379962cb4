"""The collections worklist in headless Chromium: from the dashboard's aging bucket to the overdue purchase, its
promise flagged as broken, and the follow-ups due today; at desktop and phone widths."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from credit.services import customer_note_add
from tests.browser.conftest import PHONE
from tests.credit.builders import OFFICER, approved_customer, completed_purchase

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1440, "height": 900}


def test_from_the_dashboards_bucket_to_a_broken_promise_and_the_follow_ups(staff_browser):
    juniper = approved_customer(limit=10_000_000, name="Juniper Textiles")
    late = completed_purchase(juniper, 250_000, days_past_due=20)
    bluebird = approved_customer(limit=10_000_000, name="Bluebird Coffee Roasters")
    completed_purchase(bluebird, 90_000, days_past_due=3)
    today = timezone.localdate()
    customer_note_add(
        customer=juniper,
        actor=OFFICER,
        text="Dana in AP: wire on Monday",
        promised_amount=250_000,
        promised_currency="USD",
        promised_on=today + timedelta(days=1),
        follow_up_on=today + timedelta(days=2),
    )
    customer_note_add(customer=bluebird, actor=OFFICER, text="Statement sent", follow_up_on=today)

    page = staff_browser.open(role="credit_officer", viewport=WIDE, path="/staff/")
    page.locator("[data-bucket='16-30']").first.click()
    expect(page.get_by_role("heading", name="Collections")).to_be_visible()
    expect(page.get_by_label("Days past due")).to_have_value("16-30")
    worklist = page.get_by_test_id("worklist")
    expect(worklist.locator("tbody tr")).to_have_count(1)
    row = worklist.locator("tbody tr").first
    expect(row).to_contain_text("Juniper Textiles")
    expect(row).to_contain_text("2,500.00 USD")
    expect(row).to_contain_text("20 days past due")
    expect(row).to_contain_text("Promise open")
    expect(row).to_contain_text(late.id)
    staff_browser.screenshot(page, "bucket")

    page.get_by_role("link", name="Reset").click()
    expect(worklist.locator("tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Follow-ups due today").click()
    follow_ups = page.get_by_test_id("follow-ups")
    expect(follow_ups.locator("tbody tr")).to_have_count(1)
    expect(follow_ups).to_contain_text("Bluebird Coffee Roasters")
    staff_browser.screenshot(page, "follow-ups")

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        page.goto("/staff/collections")
        row = worklist.locator("tbody tr", has_text="Juniper Textiles")
        expect(row).to_contain_text("Promise broken")
        expect(row).to_contain_text("23 days past due")
        staff_browser.screenshot(page, "broken")
        page.set_viewport_size(PHONE)
        staff_browser.screenshot(page, "broken")
        page.get_by_test_id("worklist").scroll_into_view_if_needed()
        staff_browser.screenshot(page, "broken-rows", full_page=False)
        page.goto("/staff/collections/follow-ups")
        expect(follow_ups.locator("tbody tr")).to_have_count(2)
        expect(follow_ups).to_contain_text("Overdue")
        staff_browser.screenshot(page, "follow-ups")
