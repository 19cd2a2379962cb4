"""The staff UI's main journeys in headless Chromium, at desktop and phone widths."""

import re
import time

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from tests.browser.conftest import PHONE
from tests.browser.portfolio import portfolio
from tests.factories import CustomerFactory, StaffUserFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db(transaction=True)


def test_log_in_and_read_the_dashboard(staff_browser):
    portfolio()
    StaffUserFactory(username="olivia", role="credit_officer")
    page = staff_browser.open(path="/staff/customers")
    expect(page).to_have_url("/staff/login?next=/staff/customers")
    staff_browser.screenshot(page, "login")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("pw-for-tests-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Customers", exact=True)).to_be_visible()
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("[data-kpi=active-customers]")).to_have_text("8")
    expect(page.locator("[data-kpi=pending-reviews]")).to_have_text("1")
    expect(page.get_by_text("Oldest waiting 5 h")).to_be_visible()
    expect(page.get_by_role("img", name="Used credit in USD by days past due")).to_be_visible()
    staff_browser.screenshot(page, "dashboard")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "dashboard")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_is_refused_with_a_message(staff_browser):
    StaffUserFactory(username="olivia", role="viewer")
    page = staff_browser.open(path="/staff/login")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")


def rows(page):
    return page.locator("[data-testid=customer-table] tbody tr")


def test_search_and_filter_the_customer_list(staff_browser):
    portfolio()
    page = staff_browser.open(role="viewer", path="/staff/customers")
    expect(rows(page)).to_have_count(8)
    page.get_by_role("searchbox", name="Search").fill("bluebird")
    page.get_by_role("button", name="Search").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Bluebird Coffee Roasters")
    expect(rows(page).first).to_contain_text("50,000.00 USD")

    page.goto("/staff/customers")
    page.get_by_text("More filters").click()
    page.get_by_role("group", name="Credit status").get_by_label("Approved").check()
    page.get_by_role("combobox", name="Sort by").select_option(label="Name A to Z")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(3)
    expect(rows(page).locator("a.primary-link")).to_have_text(
        ["Bluebird Coffee Roasters", "Granite Peak Builders", "Harbor Logistics"]
    )
    staff_browser.screenshot(page, "filtered")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "filtered", full_page=False)


def test_create_a_customer_fixing_a_duplicate_email_then_see_its_detail(staff_browser):
    existing = CustomerFactory(email="ap@newco.com")
    page = staff_browser.open(role="account_manager", path="/staff/customers")
    page.get_by_role("link", name="New customer").click()
    page.get_by_label("Company name").fill("NewCo Supplies")
    page.get_by_role("textbox", name="Email", exact=True).fill("ap@newco.com")
    page.get_by_label("Country").fill("us")
    page.get_by_label("Default terms").select_option("net30")
    page.get_by_role("button", name="Create customer").click()

    email = page.get_by_role("textbox", name="Email", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email_error")).to_have_text(f"customer email conflicts with customer of id {existing.id}")
    expect(page.get_by_label("Company name")).to_have_value("NewCo Supplies")
    staff_browser.screenshot(page, "form-error")

    email.fill("ap@newco-supplies.com")
    page.get_by_role("button", name="Create customer").click()
    expect(page.get_by_role("heading", name="NewCo Supplies")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Customer NewCo Supplies created.")
    expect(page.locator("#events")).to_contain_text("Customer created")
    customer = Customer.objects.get(email="ap@newco-supplies.com")
    assert (customer.country, customer.default_terms) == ("US", "net30")

    page.get_by_role("tab", name="Users & payment methods").click()
    page.get_by_role("link", name="Add payment method").click()
    page.get_by_role("radio", name="Bank account").check()
    expect(page.get_by_label("Expiry month")).to_be_hidden()
    page.get_by_label("Provider token").fill("tok_bank_1")
    page.get_by_label("Last 4 digits").fill("6789")
    page.get_by_label("Bank account type").select_option("ach")
    page.get_by_label("Bank name").fill("First Citizens")
    page.get_by_role("button", name="Add payment method").click()
    expect(page.locator("#payment-methods")).to_contain_text("ACH •••• 6789")
    expect(page.locator("#payment-methods")).to_contain_text("Default")
    staff_browser.screenshot(page, "detail")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "detail")


def test_detail_page_of_a_customer_with_credit(staff_browser):
    bluebird = portfolio()
    page = staff_browser.open(role="credit_officer", path=f"/staff/customers/{bluebird.id}")
    expect(page.get_by_role("heading", name="USD · 35.6 % in use")).to_be_visible()
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    staff_browser.screenshot(page, "credit")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "credit")


def test_import_a_csv_and_watch_the_progress_reach_100(staff_browser, celery_worker_process):
    lines = ["email,name,country"]
    lines += [f"ap{index}@import{index}.com,Imported {index},US" for index in range(240)]
    lines[50] = "not-an-email,Broken row,US"
    lines[120] = "ap@fine.com,Bad country,USA"
    page = staff_browser.open(role="account_manager", path="/staff/imports")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "customers.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode()}]
    )
    page.get_by_role("button", name="Start import").click()
    expect(page.get_by_role("heading", name="Progress")).to_be_visible()

    seen, deadline = [], time.monotonic() + 90
    percent = page.locator("[data-percent]")
    while time.monotonic() < deadline:
        seen.append(int(percent.inner_text().rstrip(" %")))
        if seen[-1] == 100:
            break
        page.wait_for_timeout(100)
    assert seen[-1] == 100, seen
    assert seen == sorted(seen), "progress went backwards"
    # The page reloads itself when the worker is done and shows the server's report.
    report = page.locator("[data-testid=row-errors] tbody tr")
    expect(report).to_have_count(3)
    expect(report.nth(0)).to_contain_text("51")
    expect(report.nth(0)).to_contain_text("Enter a valid email address.")
    expect(page.get_by_text("238 imported")).to_be_visible()
    assert Customer.objects.count() == 238
    staff_browser.screenshot(page, "report")
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "report")


def test_a_viewer_sees_no_write_controls_and_a_forged_post_is_refused(staff_browser):
    bluebird = portfolio()
    page = staff_browser.open(role="viewer", path=f"/staff/customers/{bluebird.id}")
    expect(page.get_by_role("heading", name="Bluebird Coffee Roasters")).to_be_visible()
    for name in ("Edit", "Archive", "Add user", "Add payment method", "Make default", "Delete"):
        control = page.get_by_role("link", name=name, exact=True).or_(page.get_by_role("button", name=name, exact=True))
        expect(control).to_have_count(0)
    staff_browser.screenshot(page, "detail")
    page.goto("/staff/customers")
    expect(page.get_by_role("link", name="New customer")).to_have_count(0)
    page.goto("/staff/imports")
    expect(page.get_by_role("button", name="Start import")).to_have_count(0)
    page.goto("/staff/api-keys")
    expect(page.get_by_role("button", name="Create key")).to_have_count(0)

    csrf = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    headers = {"X-CSRFToken": csrf, "Referer": staff_browser.base_url + "/staff/"}
    for path, form in (
        (f"/staff/customers/{bluebird.id}/archive", {}),
        ("/staff/customers/new", {"email": "forged@x.com", "locale": "en"}),
        (f"/staff/customers/{bluebird.id}/users/new", {"email": "forged@x.com"}),
    ):
        response = page.request.post(staff_browser.base_url + path, form=form, headers=headers)
        assert response.status == 403, path
    bluebird = reloaded(bluebird)
    assert bluebird.status == "active"
    assert not Customer.objects.filter(email="forged@x.com").exists()
    assert not bluebird.users.filter(email="forged@x.com").exists()


def test_create_an_api_key_and_see_it_once(staff_browser):
    page = staff_browser.open(role="credit_officer", path="/staff/api-keys")
    page.get_by_label("Name").fill("Risk engine")
    page.get_by_label("credit:write").check()
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_test_id("raw-key")
    expect(key).to_have_text(re.compile(r"^cdk_[\w-]{40,}$"))
    staff_browser.screenshot(page, "created")
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("cell", name=re.compile("^Risk engine apikey_"))).to_be_visible()
    page.set_viewport_size(PHONE)
    staff_browser.screenshot(page, "list")


def test_keyboard_users_can_skip_to_the_content(staff_browser):
    page = staff_browser.open(role="viewer", path="/staff/customers")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop after the skip link is inside the page's own content, not the navigation.
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_slash_focuses_the_search_and_find_a_customer_lands_in_it(staff_browser):
    page = staff_browser.open(role="viewer", path="/staff/")
    page.get_by_role("link", name="Find a customer").click()
    search = page.get_by_role("searchbox", name="Search")
    expect(search).to_be_focused()
    search.blur()
    page.keyboard.press("/")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the key only moves the focus; it types nothing
    # From a page without a search box, "/" opens the customer list in its box.
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    page.wait_for_load_state("load")  # the key is handled once staff.js has run
    page.keyboard.press("/")
    expect(page).to_have_url(re.compile(r"/staff/customers#id_search$"))
    expect(page.get_by_role("searchbox", name="Search")).to_be_focused()
    # Typing "/" into a field types it.
    page.get_by_role("searchbox", name="Search").fill("a/b")
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("a/b")


def test_a_large_custom_data_is_shown_cut_short_with_a_link_to_the_whole(staff_browser):
    document = {"lines": [f"line {n:04d} " + "x" * 40 for n in range(200)]}  # about 11 KB, under the limits
    customer = CustomerFactory(name="Big Data Co", custom_data=document)
    page = staff_browser.open(role="viewer", path=f"/staff/customers/{customer.id}")
    expect(page.get_by_role("heading", name="Custom data")).to_be_visible()
    expect(page.get_by_text("line 0000")).to_be_visible()
    expect(page.get_by_text("line 0199")).to_have_count(0)
    staff_browser.screenshot(page, "cut-short")
    whole = page.get_by_role("link", name="Show all (JSON)").first
    with page.expect_response(lambda response: response.url.endswith("/documents/custom_data.json")) as answered:
        whole.click()
    response = answered.value
    assert response.headers["content-type"] == "application/json"
    assert response.json() == document
