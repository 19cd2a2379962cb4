"""The API clients page in headless Chromium: create an OAuth client, see its secret once, then delete it."""

import re

import pytest
from oauth2_provider.models import get_application_model
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_an_oauth_client_see_its_secret_once_then_delete_it(staff_browser):
    page = staff_browser.open(role="account_manager", path="/staff/")
    page.get_by_role("link", name="API clients").click()
    expect(page.get_by_role("heading", name="API clients", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Storefront checkout")
    page.get_by_label("customers:write").check()
    page.get_by_role("button", name="Create client").click()

    client_id, secret = page.get_by_test_id("client-id"), page.get_by_test_id("client-secret")
    expect(client_id).to_have_text(re.compile(r"^\w{40}$"))
    expect(secret).to_have_text(re.compile(r"^\w{60,}$"))
    shown = secret.inner_text()
    staff_browser.screenshot(page, "created")

    page.get_by_role("link", name="Done").click()
    row = page.get_by_test_id("oauth-client-table").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Storefront checkout")
    expect(row).to_contain_text(client_id_text := get_application_model().objects.get().client_id)
    expect(row).to_contain_text("customers:write")
    assert shown not in page.content()
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "list")

    row.get_by_role("button", name="Delete Storefront checkout").click()  # the confirm dialog is accepted
    expect(page.get_by_role("status")).to_contain_text("OAuth client “Storefront checkout” deleted")
    expect(page.get_by_text("No API clients yet.")).to_be_visible()
    assert not get_application_model().objects.filter(client_id=client_id_text).exists()


def test_the_client_list_fits_a_phone_screen(staff_browser):
    get_application_model().objects.create(
        name="Made in the admin", client_type="confidential", authorization_grant_type="client-credentials"
    )
    page = staff_browser.open(role="viewer", path="/staff/oauth-clients", viewport=PHONE)

    expect(page.get_by_test_id("oauth-client-table")).to_contain_text("None: it gets no token")
    expect(page.get_by_role("button", name="Create client")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    staff_browser.screenshot(page, "viewer", full_page=False)
