"""The site-wide Content-Security-Policy (SECURE_CSP) in a real browser: the pages that are not the staff UI (the
API docs, the admin, the public enrollment and reminder opt-out pages) still work under it, with nothing blocked.
The staff browser fails a test on any console error, CSP violations included."""

import pytest
from playwright.sync_api import expect

from credit.reminders import opt_out_token
from tests.browser.conftest import DESKTOP, PHONE
from tests.credit.builders import approved_customer
from tests.factories import CustomerFactory, CustomerUserFactory
from tests.reading import enrollment_token_of, reloaded

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_every_operation_under_the_policy(staff_browser):
    page = staff_browser.open(path="/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() >= 19
    page.locator(".opblock-summary").first.click()
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()
    policy = page.evaluate("() => document.querySelector('style').nonce")
    assert policy, "the docs' inline style carries the nonce"


def test_the_admin_works_under_the_policy(staff_browser):
    CustomerFactory(name="Bluebird Coffee")
    page = staff_browser.open(role="superuser", path="/admin/customers/customer/")
    expect(page.get_by_role("link", name="Bluebird Coffee")).to_be_visible()
    page.get_by_role("link", name="Bluebird Coffee").click()
    expect(page.get_by_role("heading", name="Change customer")).to_be_visible()
    page.go_back()
    page.locator("#searchbar").fill("Bluebird")
    page.locator("#changelist-search input[type=submit]").click()
    expect(page).to_have_url("/admin/customers/customer/?q=Bluebird")
    expect(page.get_by_role("link", name="Bluebird Coffee")).to_be_visible()


def test_the_public_enrollment_page_keeps_its_style_under_the_policy(staff_browser):
    customer = approved_customer(via_check=True)
    page = staff_browser.open(path=f"/enroll/{enrollment_token_of(customer)}")
    expect(page.locator("main")).to_be_visible()
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(244, 245, 247)"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_reminder_opt_out_page_asks_first_then_opts_out_under_the_policy(staff_browser, viewport):
    user = CustomerUserFactory(customer=approved_customer(name="Acme Tools"), email="ada@acme.example")
    page = staff_browser.open(path=f"/reminders/opt-out/{opt_out_token(user.id)}", viewport=viewport)
    expect(page.get_by_role("heading", name="Stop payment reminders?")).to_be_visible()
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(244, 245, 247)"
    staff_browser.screenshot(page, "opt-out-asks")

    page.get_by_role("button", name="Stop payment reminders").click()

    expect(page.get_by_role("heading", name="Payment reminders stopped")).to_be_visible()
    staff_browser.screenshot(page, "opt-out-done")
    assert reloaded(user).payment_reminders is False
