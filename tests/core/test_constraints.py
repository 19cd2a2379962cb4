"""The database itself refuses rows that break an invariant: each case raises IntegrityError and writes nothing."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.actors import Actor
from credit.ledger import balance_lock, ledger_post
from credit.models import (
    CreditAccount,
    CreditBalance,
    CreditCheck,
    CreditDecision,
    CreditLedgerEntry,
    CreditTransaction,
    LedgerEntryType,
)
from customers.models import Customer, CustomerUser, PaymentMethod
from tests.factories import CustomerFactory, CustomerUserFactory, PaymentMethodFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    assert connection.vendor == "postgresql", "constraint tests run on PostgreSQL"


def assert_refused(model, create):
    before = model.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        create()
    assert model.objects.count() == before


@pytest.mark.parametrize("bucket", ["available", "reserved", "used"])
def test_balance_bucket_cannot_be_negative(bucket):
    customer = CustomerFactory()
    assert_refused(
        CreditBalance, lambda: CreditBalance.objects.create(customer=customer, currency_code="USD", **{bucket: -1})
    )


def test_balance_update_below_zero_is_refused_by_database():
    balance = CreditBalance.objects.create(customer=CustomerFactory(), currency_code="USD", available=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditBalance.objects.filter(pk=balance.pk).update(available=-1)
    balance = reloaded(balance)
    assert balance.available == 100


def test_one_balance_per_customer_and_currency():
    customer = CustomerFactory()
    CreditBalance.objects.create(customer=customer, currency_code="USD")
    assert_refused(CreditBalance, lambda: CreditBalance.objects.create(customer=customer, currency_code="USD"))
    CreditBalance.objects.create(customer=customer, currency_code="EUR")


def test_user_email_unique_per_customer_ignoring_case():
    user = CustomerUserFactory(email="sam@example.com")
    assert_refused(CustomerUser, lambda: CustomerUser.objects.create(customer=user.customer, email="SAM@example.com"))
    CustomerUserFactory(email="sam@example.com")  # another customer may have the same person


def test_at_most_one_default_payment_method_per_customer():
    method = PaymentMethodFactory(is_default=True)
    assert_refused(PaymentMethod, lambda: PaymentMethodFactory(customer=method.customer, is_default=True))
    PaymentMethodFactory(customer=method.customer, is_default=False)


def test_email_unique_among_active_customers_but_reusable_after_archive():
    first = CustomerFactory(email="billing@acme.com")
    assert_refused(Customer, lambda: Customer.objects.create(email="billing@acme.com"))
    Customer.objects.filter(pk=first.pk).update(status="archived", archived_at=timezone.now())
    Customer.objects.create(email="billing@acme.com")


@pytest.mark.parametrize(("field", "value"), [("status", "deleted"), ("default_terms", "net31")])
def test_customer_enum_fields_refuse_unknown_values(field, value):
    assert_refused(Customer, lambda: CustomerFactory(**{field: value}))


@pytest.mark.parametrize(
    ("field", "value"),
    [("credit_status", "maybe"), ("net_terms_status", "signed"), ("hold_code", "bored"), ("decline_code", "nope")],
)
def test_credit_account_enum_fields_refuse_unknown_values(field, value):
    customer = CustomerFactory()
    account = {"credit_status": "approved", "hold_code": "other"} if field != "credit_status" else {}
    assert_refused(CreditAccount, lambda: CreditAccount.objects.create(customer=customer, **{**account, field: value}))


def test_a_pending_account_has_its_request_time_and_a_hold_its_code():
    for status in ("pending", "hold"):
        customer = CustomerFactory()
        assert_refused(
            CreditAccount, lambda c=customer, s=status: CreditAccount.objects.create(customer=c, credit_status=s)
        )


def test_archived_customer_needs_archived_at():
    assert_refused(Customer, lambda: CustomerFactory(status="archived", archived_at=None))
    assert_refused(Customer, lambda: CustomerFactory(status="active", archived_at=timezone.now()))


def test_payment_method_type_and_fields_must_agree():
    customer = CustomerFactory()
    assert_refused(PaymentMethod, lambda: PaymentMethodFactory(customer=customer, type="crypto"))
    assert_refused(PaymentMethod, lambda: PaymentMethodFactory(customer=customer, exp_month=13))
    assert_refused(
        PaymentMethod,
        lambda: PaymentMethodFactory(customer=customer, type="bank_account", bank_account_type=None,
                                     exp_month=None, exp_year=None),
    )  # fmt: skip
    assert_refused(
        PaymentMethod,
        lambda: PaymentMethodFactory(customer=customer, type="bank_account", bank_account_type="swift",
                                     exp_month=None, exp_year=None),
    )  # fmt: skip


def test_credit_check_needs_positive_amount_and_one_per_customer():
    customer = CustomerFactory()
    assert_refused(
        CreditCheck,
        lambda: CreditCheck.objects.create(customer=customer, amount_requested=0, has_purchase_history=False),
    )
    CreditCheck.objects.create(customer=customer, amount_requested=1, has_purchase_history=False)
    assert_refused(
        CreditCheck,
        lambda: CreditCheck.objects.create(customer=customer, amount_requested=5, has_purchase_history=False),
    )


def test_decline_decision_needs_a_code():
    customer = CustomerFactory()
    assert_refused(
        CreditDecision,
        lambda: CreditDecision.objects.create(customer=customer, decision="declined", decided_by_type="system"),
    )


def _tx(balance, **overrides):
    values = {"customer_id": balance.customer_id, "balance": balance, "currency_code": "USD", "amount": 100}
    return CreditTransaction.objects.create(**(values | overrides))


def test_credit_transaction_amount_positive_and_repaid_within_amount():
    balance = CreditBalance.objects.create(customer=CustomerFactory(), currency_code="USD")
    assert_refused(CreditTransaction, lambda: _tx(balance, amount=0))
    now = timezone.now()
    assert_refused(
        CreditTransaction,
        lambda: _tx(balance, status="completed", completed_at=now, due_at=now, amount_repaid=101),
    )
    assert_refused(CreditTransaction, lambda: _tx(balance, amount_repaid=1))  # only completed ones are repaid
    assert_refused(CreditTransaction, lambda: _tx(balance, status="completed"))  # needs completion and due dates


def test_ledger_entry_deltas_must_match_its_type():
    balance = CreditBalance.objects.create(customer=CustomerFactory(), currency_code="USD")

    def bad_reserve():
        CreditLedgerEntry.objects.create(
            balance=balance, customer_id=balance.customer_id, currency_code="USD", entry_type="reserve", amount=10,
            delta_available=-10, delta_reserved=5, delta_used=0, available_after=0, reserved_after=5, used_after=0,
            actor_type="system",
        )  # fmt: skip

    assert_refused(CreditLedgerEntry, bad_reserve)


def test_ledger_is_append_only_in_the_database():
    customer = CustomerFactory()
    with transaction.atomic():
        entry = ledger_post(
            balance=balance_lock(customer_id=customer.id, currency_code="USD"),
            entry_type=LedgerEntryType.GRANT,
            amount=500,
            actor=Actor.system(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditLedgerEntry.objects.filter(pk=entry.pk).update(reason="edited")
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditLedgerEntry.objects.filter(pk=entry.pk).delete()
    assert CreditLedgerEntry.objects.get(pk=entry.pk).reason == ""


def test_no_pattern_ops_index_on_our_tables():
    """Ids and the foreign keys holding them are only compared whole: core.0005 dropped the `varchar_pattern_ops`
    indexes Django adds beside them, and a later migration must not bring one back (each costs every insert)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE %s "
            "AND split_part(tablename, '_', 1) IN ('core', 'credit', 'customers')",
            ["%pattern_ops%"],
        )
        assert cursor.fetchall() == []
