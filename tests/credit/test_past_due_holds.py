from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core.errors import ApplicationError
from credit.models import CreditDecision
from credit.services import (
    credit_deactivate,
    credit_hold,
    credit_reinstate,
    credit_transaction_bill,
    credit_transaction_repay,
)
from credit.tasks import apply_past_due_holds
from customers.selectors import customer_get
from tests.credit.builders import API, OFFICER, approved_customer, completed_transaction

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def status(customer):
    customer = customer_get(customer_id=customer.pk)
    return customer.credit_status, customer.hold_code


def overdue_customer(clock, *, amount=100_000, days_past_due=16):
    """Net 30 purchase completed at START, then the clock moved to `days_past_due` days after its due date."""
    customer = approved_customer(terms="net30")
    tx = completed_transaction(customer, amount)
    clock.shift(timedelta(days=30 + days_past_due))
    return customer, tx


def test_fifteen_days_past_due_is_not_yet_a_hold(clock):
    customer, _ = overdue_customer(clock, days_past_due=15)
    assert apply_past_due_holds() == {"held": 0, "reinstated": 0, "failed": 0}
    assert status(customer) == ("approved", None)


def test_more_than_fifteen_days_past_due_puts_the_customer_on_hold(clock):
    customer, tx = overdue_customer(clock, days_past_due=16)
    assert apply_past_due_holds() == {"held": 1, "reinstated": 0, "failed": 0}
    assert status(customer) == ("hold", "past_due")
    decision = CreditDecision.objects.get(decision="hold")
    assert (decision.decided_by_type, decision.hold_code) == ("system", "past_due")
    assert decision.reasons == [f"{tx.id}: 1,000.00 USD due 2026-02-04, 16 days past due"]


def test_hold_sweep_is_idempotent(clock):
    overdue_customer(clock)
    apply_past_due_holds()
    assert apply_past_due_holds() == {"held": 0, "reinstated": 0, "failed": 0}
    assert CreditDecision.objects.filter(decision="hold").count() == 1


def test_partly_repaid_overdue_transaction_keeps_the_hold(clock):
    customer, tx = overdue_customer(clock)
    apply_past_due_holds()
    credit_transaction_repay(credit_transaction=tx, actor=API, amount=99_999)
    assert status(customer) == ("hold", "past_due")


def test_repaying_the_overdue_amount_lifts_the_automatic_hold_at_once(clock):
    customer, tx = overdue_customer(clock)
    apply_past_due_holds()
    credit_transaction_repay(credit_transaction=tx, actor=API, amount=100_000)
    assert status(customer) == ("approved", None)
    reinstate = CreditDecision.objects.get(decision="reinstate")
    assert (reinstate.decided_by_type, reinstate.reasons) == (
        "system", ["nothing is past due beyond the hold threshold any more"],
    )  # fmt: skip


def test_hold_sweep_lifts_automatic_holds_no_longer_justified(clock, settings):
    customer, _ = overdue_customer(clock, days_past_due=20)
    apply_past_due_holds()
    settings.CREDIT_HOLD_PAST_DUE_DAYS = 30  # the policy became more lenient
    assert apply_past_due_holds() == {"held": 0, "reinstated": 1, "failed": 0}
    assert status(customer) == ("approved", None)


def test_full_cycle_hold_then_reinstate_then_hold_again(clock):
    customer, first = overdue_customer(clock)
    second = completed_transaction(customer, 50_000)
    apply_past_due_holds()
    credit_transaction_repay(credit_transaction=first, actor=API, amount=100_000)
    assert status(customer) == ("approved", None)
    clock.shift(timedelta(days=46))
    assert apply_past_due_holds() == {"held": 1, "reinstated": 0, "failed": 0}
    assert status(customer) == ("hold", "past_due")
    credit_transaction_repay(credit_transaction=second, actor=API, amount=50_000)
    assert status(customer) == ("approved", None)
    assert list(CreditDecision.objects.order_by("id").values_list("decision", flat=True)) == [
        "approved", "hold", "reinstate", "hold", "reinstate",
    ]  # fmt: skip


def test_an_officers_past_due_hold_is_never_lifted_automatically(clock):
    customer, tx = overdue_customer(clock)
    credit_hold(customer=customer, actor=OFFICER, hold_code="past_due", note="Called, no answer")
    credit_transaction_repay(credit_transaction=tx, actor=API, amount=100_000)
    assert apply_past_due_holds() == {"held": 0, "reinstated": 0, "failed": 0}
    assert status(customer) == ("hold", "past_due")
    credit_reinstate(customer=customer, actor=OFFICER)
    assert status(customer) == ("approved", None)


def test_an_officers_other_hold_is_left_alone_by_the_sweep(clock):
    customer, _ = overdue_customer(clock)
    credit_hold(customer=customer, actor=OFFICER, hold_code="fraud")
    assert apply_past_due_holds() == {"held": 0, "reinstated": 0, "failed": 0}
    assert status(customer) == ("hold", "fraud")


def test_deactivated_customers_are_not_put_on_hold(clock):
    customer, _ = overdue_customer(clock)
    credit_deactivate(customer=customer, actor=OFFICER)
    apply_past_due_holds()
    assert status(customer) == ("deactivated", None)


def test_billing_is_refused_while_on_past_due_hold(clock):
    customer, _ = overdue_customer(clock)
    apply_past_due_holds()
    with pytest.raises(ApplicationError) as error:
        credit_transaction_bill(customer=customer, actor=API, amount=1, currency_code="USD")
    assert error.value.code == "credit_on_hold"
