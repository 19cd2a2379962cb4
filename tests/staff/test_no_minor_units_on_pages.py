"""People never read an amount in minor units. Every staff page about a customer in each credit state (built through
the services by tests/credit/builders.py), the pages that list them, and the pages that show a refusal are rendered,
and their visible text is scanned for a bare integer of five digits or more beside a currency code ("requested amount
7500000 USD", "Cannot go below 1000000 USD") or a money field of a payload holding a digit string
("credit_limit": "1000000"). Amounts reach people through core.money.format_human: "75,000.00 USD"."""

import html
import re

import pytest
from django.urls import reverse

from core.money import CURRENCY_CODES
from credit.models import CreditCheck
from credit.services import credit_line_update, credit_past_due_evaluate
from tests.credit.builders import (
    OFFICER,
    approved_customer,
    completed_purchase,
    customer_with_credit_status,
    referred_check,
)
from tests.reading import reloaded

pytestmark = pytest.mark.django_db

_CODES = "|".join(sorted(CURRENCY_CODES))
# A bare integer of 5+ digits (no thousands separator, no decimal point) next to a currency code, either side.
MINOR_BESIDE_CODE = re.compile(rf"(?<![\d.,])\d{{5,}}(?![\d.,])\s*(?:{_CODES})\b|\b(?:{_CODES})\s*\d{{5,}}(?![\d.,])")
# A payload's money field shown as stored: "credit_limit": "1000000".
MINOR_IN_PAYLOAD = re.compile(r'"\w*(?:amount|limit|available|reserved|used|outstanding|repaid)\w*"\s*:\s*"?-?\d{4,}')
CUSTOMER_PAGES = (
    "staff:customer_detail",
    "staff:customer_events",
    "staff:customer_decisions",
    "staff:customer_credit_transactions",
    "staff:customer_ledger",
    "staff:customer_edit",
    "staff:customer_credit_check",
    "staff:customer_credit_approve",
    "staff:customer_credit_line",
    "staff:customer_credit_hold",
    "staff:customer_credit_deactivate",
    "staff:customer_credit_reinstate",
)


def visible_text(page: str) -> str:
    """What a person reads: the text of the page without its tags, scripts and styles, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def minor_units_in(page: str) -> list[str]:
    text = visible_text(page)
    return [match.group(0) for pattern in (MINOR_BESIDE_CODE, MINOR_IN_PAYLOAD) for match in pattern.finditer(text)]


def test_the_scan_finds_minor_units_and_passes_major_units():
    assert minor_units_in("<li>requested amount 7500000 USD</li>") == ["7500000 USD"]
    assert minor_units_in("<p>Cannot go below <b>1000000</b> USD: that much</p>") == ["1000000  USD"]
    assert minor_units_in('<pre>{"credit_limit": "1000000"}</pre>') == ['"credit_limit": "1000000']
    assert minor_units_in("<p>75,000.00 USD · 1,250 JPY · 12.3k · ctm_01abc 2026</p>") == []


@pytest.fixture
def customers():
    """A customer in each credit state, with money in its history: a past-due purchase that put it on hold, a line
    change, a refused line change, a referred check."""
    states = {status: customer_with_credit_status(status, limit=7_500_000) for status in (
        None, "pending", "declined", "approved", "hold", "deactivated",
    )}  # fmt: skip
    overdue = approved_customer(limit=7_500_000)
    completed_purchase(overdue, 1_234_500, days_past_due=40, repaid=10_000)
    credit_line_update(customer=overdue, actor=OFFICER, credit_limit=9_000_000, reason="growing")
    credit_past_due_evaluate(customer=overdue)
    states["past_due_hold"] = reloaded(overdue)
    states["referred"] = referred_check(requested_at=overdue.created_at).customer
    return states


def test_no_page_shows_an_amount_in_minor_units(client_as, customers):
    client = client_as("superuser")
    urls = [reverse("staff:dashboard"), reverse("staff:review_queue"), reverse("staff:customer_list")]
    urls += [reverse("staff:review_check", args=[check.id]) for check in CreditCheck.objects.all()]
    for customer in customers.values():
        urls += [reverse(name, args=[customer.id]) for name in CUSTOMER_PAGES]
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404, 409), (url, response.status_code)
        if response.status_code == 200 and (hits := minor_units_in(response.content.decode())):
            found[url] = hits
    assert found == {}, "\n".join(f"{url}: {hits}" for url, hits in found.items())


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1", "Cannot go below 12,345.00 USD: that much is reserved or used."),
        ("75000", "The line is already 75,000.00 USD."),
        ("99999999999999999999", "Must be at most 10,000,000,000,000.00 USD."),
    ],
)
def test_a_refused_line_change_reads_in_major_units(client_as, typed, expected):
    customer = approved_customer(limit=7_500_000)
    completed_purchase(customer, 1_234_500, days_past_due=-5)
    url = reverse("staff:customer_credit_line", args=[customer.id])
    response = client_as("credit_officer").post(url, {"credit_limit": typed, "currency_code": "USD", "reason": "try"})
    page = response.content.decode()
    assert response.status_code == 200
    assert expected in visible_text(page)
    assert minor_units_in(page) == []
