"""The public net-terms enrollment page in Chromium: a customer user accepts the terms through the form. Its page keeps
the token out of Referer headers sent elsewhere; with `Referrer-Policy: no-referrer` Chromium sends `Origin: null`
with the page's own form and Django's CSRF check refused the acceptance (403)."""

import pytest
from playwright.sync_api import expect

from credit.models import CreditAccount
from tests.credit.builders import approved_customer
from tests.factories import CustomerUserFactory
from tests.reading import enrollment_token_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_user_accepts_the_terms_on_the_enrollment_page(staff_browser):
    customer = approved_customer(via_check=True, name="Harbor Freight Lines")
    CustomerUserFactory(customer=customer, email="ap@harbor.example")
    page = staff_browser.open(path=f"/enroll/{enrollment_token_of(customer)}")
    page.get_by_label("Your email address").fill("ap@harbor.example")
    page.get_by_label("I accept these net terms on behalf of the business.").check()
    page.get_by_role("button", name="Accept terms").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you: the terms are accepted.")
    assert CreditAccount.objects.get(pk=customer.pk).net_terms_status == "enrolled"
