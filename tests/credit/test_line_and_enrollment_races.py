"""Races on line grants and enrollment renewals: grants of one currency's line at once make one line; renewals of an
enrollment link at once leave exactly one link working (each a later expiry than the one before)."""

import pytest

from credit.enrollment import enrollment_link_resolve
from credit.models import CreditAccount, CreditBalance, CreditLedgerEntry
from credit.reconciliation import credit_reconcile
from credit.services import credit_line_grant, net_terms_enrollment_renew
from tests.credit.builders import API, OFFICER, approved_customer
from tests.credit.test_concurrency import race
from tests.reading import enrollment_token_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_grants_of_one_currency_make_one_line():
    customer = approved_customer(limit=10_000)
    grant = {"customer": customer, "actor": OFFICER, "currency_code": "EUR", "credit_limit": 5_000, "reason": "EU"}
    outcomes = race([lambda: credit_line_grant(**grant)] * 4)
    assert sorted(code for code, _ in outcomes) == ["credit_line_exists"] * 3 + ["ok"]
    balance = CreditBalance.objects.get(customer=customer, currency_code="EUR")
    assert (balance.available, balance.reserved, balance.used) == (5_000, 0, 0)
    assert CreditLedgerEntry.objects.filter(customer=customer, currency_code="EUR").count() == 1
    assert credit_reconcile() == []


def test_parallel_renewals_leave_exactly_one_working_link():
    customer = approved_customer(via_check=True)
    first = enrollment_token_of(customer)
    outcomes = race([lambda: net_terms_enrollment_renew(customer=customer, actor=API)] * 3)
    assert [code for code, _ in outcomes] == ["ok"] * 3
    current = enrollment_token_of(customer)
    assert current != first
    assert enrollment_link_resolve(current).state == "open"
    assert enrollment_link_resolve(first).state == "invalid"
    expires = CreditAccount.objects.get(pk=customer.pk).net_terms_enrollment_expires_at
    assert expires.microsecond == 0
