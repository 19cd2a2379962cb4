"""Money, history, labels and error pages as people see them, in Chromium at 1440 and 390 px: the dashboard's bars by
credit status, a customer's history (field before → after, money in major units, actors by name), a held customer's
badges, and the 403 and 404 pages inside the app's layout. Screenshots go to tests/browser/screenshots/."""

import re

import pytest

from core.actors import Actor
from core.models import ApiKey
from credit.services import credit_hold, credit_line_update
from customers.services import customer_update
from tests.credit.builders import approved_customer, completed_purchase
from tests.factories import CustomerFactory
from tests.staff.builders import staff_user
from tests.staff.test_no_minor_units_on_pages import minor_units_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1440, 390)


def overflow(page) -> int:
    """How far the page is wider than the viewport (0: no horizontal scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_history_dashboard_and_error_pages_read_as_people_read(staff_browser, width):
    officer = staff_user("credit_officer")
    key = ApiKey.objects.create(name="ERP sync", key_hash="e" * 64, key_hint="cdk_erp", scopes="")
    for _ in range(3):
        CustomerFactory()
    customer = approved_customer(limit=7_500_000, name="Harbor Supply", city="Austin")
    completed_purchase(customer, 1_234_500, days_past_due=3)
    customer_update(customer=customer, actor=Actor.api_client(key.id, label="ERP sync"), data={"city": "Dallas"})
    credit_line_update(customer=customer, actor=Actor.staff(officer), credit_limit=9_000_000, reason="growing")
    credit_hold(customer=customer, actor=Actor.staff(officer), hold_code="requested_by_merchant")
    viewport = {"width": width, "height": 900}

    page = staff_browser.open(officer, viewport=viewport)
    assert page.locator(".share-bars li").count() == 6
    staff_browser.screenshot(page, "dashboard")
    assert overflow(page) <= 0

    page.goto(f"/staff/customers/{customer.id}/events")
    text = re.sub(r"\s+", " ", page.inner_text("main"))
    assert "City Austin → Dallas" in text
    assert "by ERP sync (API client)" in text
    assert "Credit line 75,000.00 USD → 90,000.00 USD" in text
    assert "Credit status Approved → Hold" in text
    assert minor_units_in(page.content()) == []
    staff_browser.screenshot(page, "history")
    assert overflow(page) <= 0

    page.goto(f"/staff/customers/{customer.id}")
    badges = page.locator("[data-testid=credit-status] .badge").all_inner_texts()
    assert "Enrolled" not in badges and "Suspended" in badges
    staff_browser.screenshot(page, "customer-on-hold", full_page=False)

    response = page.goto("/staff/customers/ctm_01m9546yttx6g984pykn55h101")
    assert response.status == 404
    assert page.locator("nav.sidebar").is_visible() and "Page not found" in page.inner_text("main")
    staff_browser.screenshot(page, "404")
    assert page.evaluate("document.querySelector('main').scrollWidth <= document.querySelector('main').clientWidth")

    viewer = staff_browser.open(role="viewer", viewport=viewport, path="/staff/customers/new")
    assert "Not allowed" in viewer.inner_text("main") and viewer.locator("nav.sidebar").is_visible()
    staff_browser.screenshot(viewer, "403")
    # The one expected console error of an error page is its own status; the page's assets loaded (its layout shows).
    expected = re.compile(r"/staff/customers/(ctm_\w+|new): console error: .* status of (404|403) ")
    staff_browser.problems[:] = [problem for problem in staff_browser.problems if not expected.search(problem)]
