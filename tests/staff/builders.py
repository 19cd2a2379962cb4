"""Builders for staff and credit test data. Credit movements go through credit.ledger, like the services do."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from credit.ledger import balance_lock, ledger_post
from credit.models import CreditTransaction, CreditTransactionStatus, LedgerEntryType
from tests.factories import StaffUserFactory

ROLES = ("viewer", "account_manager", "credit_officer")
SEED = Actor.system("tests")


def staff_user(role: str | None):
    """A staff user in one role; "superuser" for a superuser; None for a user with no staff role."""
    if role == "superuser":
        return StaffUserFactory(is_superuser=True)
    return StaffUserFactory(role=role)


def grant_line(customer, amount: int, currency: str = "USD"):
    with transaction.atomic():
        balance = balance_lock(customer_id=customer.id, currency_code=currency)
        ledger_post(balance=balance, entry_type=LedgerEntryType.GRANT, amount=amount, actor=SEED)
    return balance


def completed_purchase(customer, amount: int, *, days_past_due: int, repaid: int = 0, currency: str = "USD"):
    """A purchase completed on credit and due `days_past_due` days ago (negative: due in the future), moved through
    the ledger exactly as the credit services would (reserve, use, repay)."""
    now = timezone.now()
    with transaction.atomic():
        balance = balance_lock(customer_id=customer.id, currency_code=currency)
        purchase = CreditTransaction.objects.create(
            customer=customer,
            balance=balance,
            currency_code=currency,
            amount=amount,
            amount_repaid=repaid,
            status=CreditTransactionStatus.COMPLETED,
            completed_at=now - timedelta(days=days_past_due + 30),
            due_at=now - timedelta(days=days_past_due),
            terms="net30",
        )
        ledger_post(balance=balance, entry_type=LedgerEntryType.RESERVE, amount=amount, actor=SEED,
                    credit_transaction=purchase)  # fmt: skip
        ledger_post(balance=balance, entry_type=LedgerEntryType.USE, amount=amount, actor=SEED,
                    credit_transaction=purchase)  # fmt: skip
        if repaid:
            ledger_post(balance=balance, entry_type=LedgerEntryType.REPAYMENT, amount=repaid, actor=SEED,
                        credit_transaction=purchase)  # fmt: skip
    return purchase
