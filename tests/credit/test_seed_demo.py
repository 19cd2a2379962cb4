import io

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from credit.models import CreditDecision, CreditTransaction
from credit.reconciliation import credit_reconcile
from credit.selectors import credit_review_queue, credit_transactions_past_due_for_hold
from customers.models import Customer
from customers.selectors import customer_queryset
from tests.credit.builders import assert_customer_agrees_with_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=io.StringIO())


def test_demo_has_purchases_in_every_state(seeded):
    now = timezone.now()
    completed = CreditTransaction.objects.filter(status="completed")
    assert set(CreditTransaction.objects.values_list("status", flat=True)) == {"billed", "completed", "canceled"}
    assert completed.filter(amount_repaid=F("amount"), repaid_at__isnull=False).exists()
    assert completed.filter(amount_repaid=0, due_at__gt=now).exists()
    approved = completed.filter(customer__credit_account__credit_status="approved")
    assert approved.filter(amount_repaid=0, due_at__lt=now).exists()


def test_demo_has_a_customer_on_an_automatic_past_due_hold(seeded):
    held = Customer.objects.filter(credit_account__credit_status="hold", credit_account__hold_code="past_due")
    assert held.exists()
    for customer in held:
        assert credit_transactions_past_due_for_hold(now=timezone.now()).filter(customer=customer).exists()
        assert customer.credit_decisions.filter(decision="hold").get().decided_by_type == "system"


def test_demo_decisions_cover_every_kind_and_the_queue_is_not_empty(seeded):
    decisions = {"approved", "declined", "hold", "deactivate", "line_adjustment"}
    assert set(CreditDecision.objects.values_list("decision", flat=True)) == decisions
    assert CreditDecision.objects.filter(decided_by_type="staff", credit_check__isnull=True).exists()
    assert credit_review_queue().count() == 3


def test_demo_books_reconcile_and_customers_agree_with_their_balances(seeded):
    assert credit_reconcile() == []
    for customer in customer_queryset().exclude(credit_account__credit_currency=None):
        assert_customer_agrees_with_balance(customer)


def test_demo_has_purchases_with_a_buyer_and_lines_in_a_second_currency(seeded):
    bought = CreditTransaction.objects.filter(customer_user__isnull=False).select_related("customer_user")
    assert bought.exists()
    assert all(purchase.customer_user.customer_id == purchase.customer_id for purchase in bought)
    second = CreditTransaction.objects.filter(currency_code="CAD")
    assert second.exists()
    for purchase in second:
        customer = customer_queryset().get(pk=purchase.customer_id)
        assert customer.credit_currency == "USD"
        assert set(customer.credit_balances.values_list("currency_code", flat=True)) == {"CAD", "USD"}
