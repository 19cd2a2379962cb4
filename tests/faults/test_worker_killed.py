"""A Celery worker SIGKILLed in the middle of a credit decision: its transaction had written the decision and was
about to post the grant (held on the balance's row lock, which this test owns). The kill rolls all of it back, the
task comes back (the pool child: at once, reject_on_worker_lost; the whole worker: after the broker's visibility
timeout, to the next worker), and the check is decided exactly once: one decision, one grant, one event each."""

import psycopg
import pytest
from django.db import transaction

from core.models import Event
from credit.ledger import balance_lock
from credit.models import CreditBalance, CreditCheck, CreditDecision, CreditLedgerEntry
from credit.services import credit_check_request
from tests.credit.builders import API
from tests.factories import CustomerFactory
from tests.faults.conftest import publishing_to, suite_database_url
from tests.faults.stack import CeleryWorker, app_environment, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

AMOUNT = 400_000  # the scorecard approves it at once for a customer with a full, business profile


def worker_env(redis_url: str) -> dict:
    return app_environment(database_url=suite_database_url(), redis_url=redis_url,
                           settings="tests.faults.redelivery_settings", DB_CONN_MAX_AGE="0")  # fmt: skip


@pytest.fixture
def broker(own_redis):
    with publishing_to(own_redis.url()):
        yield own_redis


class HeldBalance:
    """The customer's (empty) USD balance, row-locked from a connection of our own until release()."""

    def __init__(self, customer_id: str) -> None:
        with transaction.atomic():
            self.balance_id = balance_lock(customer_id=customer_id, currency_code="USD").id
        self.connection = psycopg.connect(suite_database_url())
        self.connection.execute("SELECT id FROM credit_creditbalance WHERE id = %s FOR UPDATE", [self.balance_id])
        # Another connection to watch the others: a transaction sees one snapshot of pg_stat_activity throughout.
        self.monitor = psycopg.connect(suite_database_url(), autocommit=True)

    def waiting_backends(self) -> set[int]:
        """Backends of other connections waiting for our lock: a worker in the middle of its decision."""
        rows = self.monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' "
            "AND query ILIKE %s",
            ["%credit_creditbalance%FOR UPDATE%"],
        ).fetchall()
        return {pid for (pid,) in rows}

    def backend_alive(self, pid: int) -> bool:
        return bool(self.monitor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone())

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()
        self.monitor.close()


def decided_once(check_id: str, customer_id: str) -> None:
    check = CreditCheck.objects.get(pk=check_id)
    assert check.status == "approved"
    assert CreditDecision.objects.filter(credit_check_id=check_id).count() == 1
    grants = list(CreditLedgerEntry.objects.filter(customer_id=customer_id).values_list("entry_type", "amount"))
    assert grants == [("grant", AMOUNT)]
    balance = CreditBalance.objects.get(customer_id=customer_id, currency_code="USD")
    assert (balance.available, balance.reserved, balance.used) == (AMOUNT, 0, 0)
    assert Event.objects.filter(customer_id=customer_id, event_type="customer.credit_decision_created").count() == 1
    # Handed to the broker once: the redelivery came from the broker, not from a second dispatch.
    assert check.dispatch_count == 1


def request_check_held_mid_decision(customer):
    """Request the check and wait for the worker to be inside its decision, blocked on our lock."""
    held = HeldBalance(customer.id)
    try:
        check = credit_check_request(customer=customer, actor=API, amount_requested=AMOUNT, has_purchase_history=True)
        (backend,) = wait_until(held.waiting_backends, timeout=20, what="the worker blocked mid-decision")
    except BaseException:
        held.release()
        raise
    return held, check, backend


def test_a_pool_process_killed_mid_decision_is_redelivered_and_decides_once(broker):
    worker = CeleryWorker(worker_env(broker.url()), name="pool-killed")
    worker.start()
    held = None
    try:
        customer = CustomerFactory()
        held, check, backend = request_check_held_mid_decision(customer)

        worker.kill_child()
        # PostgreSQL notices the dead client within client_connection_check_interval, not at the statement timeout.
        wait_until(lambda: not held.backend_alive(backend), timeout=8, what="the killed worker's backend gone")
        assert not CreditDecision.objects.filter(credit_check_id=check.id).exists()  # rolled back with it
        # reject_on_worker_lost: the message goes back to the queue, and the pool's new process takes it at once.
        (again,) = wait_until(held.waiting_backends, timeout=60, what="the redelivered task mid-decision")
        assert again != backend
        held.release()
        held = None

        wait_until(lambda: CreditCheck.objects.get(pk=check.id).status != "pending", timeout=60, what="decided")
        decided_once(check.id, customer.id)
        assert "WorkerLostError" in worker.log() or "SIGKILL" in worker.log()
    finally:
        if held is not None:
            held.release()
        worker.stop()


def test_a_whole_worker_killed_mid_decision_hands_the_task_to_the_next_worker(broker):
    first = CeleryWorker(worker_env(broker.url()), name="killed-outright")
    first.start()
    held = second = None
    try:
        customer = CustomerFactory()
        held, check, backend = request_check_held_mid_decision(customer)

        first.kill()  # parent and pool process: nothing acks, rejects or says goodbye
        # PostgreSQL notices the dead client within client_connection_check_interval, not at the statement timeout.
        wait_until(lambda: not held.backend_alive(backend), timeout=8, what="the killed worker's backend gone")
        assert not CreditDecision.objects.filter(credit_check_id=check.id).exists()
        second = CeleryWorker(worker_env(broker.url()), name="next-worker")
        second.start()
        # The unacknowledged message is restored after the visibility timeout and taken by the next worker.
        (again,) = wait_until(held.waiting_backends, timeout=60, what="the task redelivered to the next worker")
        assert again != backend
        held.release()
        held = None

        wait_until(lambda: CreditCheck.objects.get(pk=check.id).status != "pending", timeout=60, what="decided")
        decided_once(check.id, customer.id)
    finally:
        if held is not None:
            held.release()
        for worker in (first, second):
            if worker is not None:
                worker.stop()
