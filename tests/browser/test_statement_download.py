"""A member of staff downloads a customer's monthly statement from the Ledger tab in headless Chromium: the PDF
arrives and carries the month's purchase and closing balance; a month to come is answered by the form's error."""

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from credit.services import credit_transaction_bill
from credit.statements import current_month, month_key
from tests.browser.conftest import DESKTOP, PHONE
from tests.credit.builders import API, approved_customer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_viewer_downloads_this_months_statement_from_the_ledger_tab(staff_browser, viewport, tmp_path):
    customer = approved_customer(limit=1_000_000, name="Bluebird Coffee")
    credit_transaction_bill(customer=customer, actor=API, amount=123_456, currency_code="USD", reference="INV-9")
    page = staff_browser.open(role="viewer", viewport=viewport, path=f"/staff/customers/{customer.id}#ledger")
    page.get_by_role("tab", name="Ledger").click()
    form = page.get_by_role("form", name="Monthly statement")
    expect(form.get_by_label("Statement month")).to_have_value(month_key(current_month()))
    expect(form.get_by_label("Currency")).to_have_value("USD")
    staff_browser.screenshot(page, "ledger-tab", full_page=False)

    with page.expect_download() as download:
        form.get_by_role("button", name="Statement PDF").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"statement-{customer.id}-USD-{month_key(current_month())}.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Bluebird Coffee" in text and "INV-9" in text and "1,234.56" in text


def test_a_month_to_come_is_answered_by_the_forms_error(staff_browser):
    customer = approved_customer(limit=1_000_000, name="Bluebird Coffee")
    page = staff_browser.open(role="credit_officer", path=f"/staff/customers/{customer.id}/statement")
    page.get_by_label("Month").fill("2999-01")
    page.get_by_role("button", name="Download").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
    expect(page.get_by_text("That month has not begun")).to_be_visible()
    staff_browser.screenshot(page, "bad-month")
    # The answer is a 400, which the browser logs as a console error; the page itself is what is checked.
    expected = f"{page.url}: console error: Failed to load resource: the server responded with a status of 400"
    staff_browser.problems = [problem for problem in staff_browser.problems if not problem.startswith(expected)]
