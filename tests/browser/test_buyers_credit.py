"""Issue 17's staff journeys in headless Chromium: a credit officer grants a line in a second currency and closes it,
sends a customer whose enrollment link expired a new one, and sees who bought each purchase; at desktop and phone
widths, screenshots kept for a person to look at."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from credit.services import credit_transaction_bill, net_terms_enrollment_expire
from tests.browser.conftest import PHONE
from tests.credit.builders import API, approved_customer
from tests.factories import CustomerUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_credit_officer_grants_and_closes_a_line_in_a_second_currency(staff_browser):
    customer = approved_customer(limit=5_000_000, name="Bluebird Coffee Roasters")
    buyer = CustomerUserFactory(customer=customer, first_name="Ann", last_name="Lee", email="ann@bluebird.com")
    credit_transaction_bill(
        customer=customer, actor=API, amount=120_000, currency_code="USD", customer_user_id=buyer.id
    )
    page = staff_browser.open(role="credit_officer", path=f"/staff/customers/{customer.id}")
    expect(page.get_by_test_id("buyer")).to_have_text("Bought by Ann Lee <ann@bluebird.com>")
    page.get_by_test_id("grant-line").click()
    page.get_by_label("Currency").fill("CAD")
    page.get_by_label("Credit line").fill("20,000")
    page.get_by_label("Reason").fill("Canadian branch")
    staff_browser.screenshot(page, "grant-form")
    page.get_by_role("button", name="Grant the line").click()
    expect(page.get_by_role("status")).to_contain_text("Credit line of 20,000.00 CAD granted.")
    expect(page.get_by_test_id("balance-CAD")).to_contain_text("20,000.00 CAD")
    expect(page.get_by_test_id("balance-USD")).to_contain_text("50,000.00 USD")
    expect(page.get_by_test_id("balance-USD")).to_contain_text("credit currency")
    staff_browser.screenshot(page, "two-currencies")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "two-currencies")
    page.get_by_test_id("close-line-CAD").click()
    page.get_by_label("Reason").fill("Branch closed")
    page.get_by_role("button", name="Close the line").click()
    expect(page.get_by_role("status")).to_contain_text("The CAD credit line is closed.")
    expect(page.get_by_test_id("balance-CAD")).to_contain_text("0.00 CAD")
    expect(page.get_by_test_id("close-line-CAD")).to_have_count(0)


def test_a_credit_officer_sends_a_new_enrollment_link_after_the_old_one_expired(staff_browser):
    customer = approved_customer(via_check=True, name="Granite Peak Builders")
    CustomerUserFactory(customer=customer, email="ap@granitepeak.build")
    assert net_terms_enrollment_expire(customer=customer, now=timezone.now() + timedelta(days=15))
    page = staff_browser.open(role="credit_officer", path=f"/staff/customers/{customer.id}")
    expect(page.get_by_test_id("credit-status")).to_contain_text("Enrollment expired")
    expect(page.get_by_test_id("enrollment-url")).to_have_count(0)
    page.get_by_test_id("renew-enrollment").click()
    staff_browser.screenshot(page, "renew-form")
    page.get_by_role("button", name="Send a new link").click()
    expect(page.locator(".messages")).to_contain_text("A new enrollment link was issued")
    expect(page.get_by_test_id("credit-status")).to_contain_text("Pending enrollment")
    expect(page.get_by_test_id("enrollment-url")).to_contain_text("/enroll/")
    staff_browser.screenshot(page, "renewed")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "renewed")
