from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

from config.celery import app
from credit.engine import DecisionProvider
from credit.models import CreditCheck
from credit.services import credit_check_decide, credit_check_request
from credit.tasks import credit_check_dispatch, decide_credit_check, sweep_stalled_credit_checks
from tests.credit.builders import API
from tests.factories import CustomerFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


class FlakyDatabase(DecisionProvider):
    def evaluate(self, *, customer, check):
        CALLS.append(check.id)
        raise OperationalError("server closed the connection unexpectedly")


class Broken(DecisionProvider):
    def evaluate(self, *, customer, check):
        CALLS.append(check.id)
        raise KeyError("a bug")


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def pending_check(**fields):
    values = {"amount_requested": 500_000, "has_purchase_history": True} | fields
    return credit_check_request(customer=CustomerFactory(), actor=API, **values)


def test_decision_task_options_make_it_safe_to_redeliver():
    assert decide_credit_check.acks_late is True
    assert (decide_credit_check.soft_time_limit, decide_credit_check.time_limit) == (60, 90)
    assert decide_credit_check.max_retries == 5


def test_decision_task_decides_and_reports_the_status(eager_tasks):
    check = pending_check()
    assert decide_credit_check.delay(check.id).get() == "approved"


def test_decision_task_run_twice_decides_once(eager_tasks):
    check = pending_check()
    decide_credit_check.delay(check.id)
    assert decide_credit_check.delay(check.id).get() == "approved"
    assert check.customer.credit_decisions.count() == 1


@override_settings(CREDIT_DECISION_PROVIDER="tests.credit.test_tasks.FlakyDatabase")
def test_transient_database_errors_are_retried_then_given_up():
    check = pending_check()
    result = decide_credit_check.apply(args=[check.id])
    assert isinstance(result.result, OperationalError)
    assert len(CALLS) == 1 + decide_credit_check.max_retries
    assert CreditCheck.objects.get(pk=check.pk).status == "pending"  # the sweep will try again later


@override_settings(CREDIT_DECISION_PROVIDER="tests.credit.test_tasks.Broken")
def test_other_errors_are_not_retried():
    check = pending_check()
    result = decide_credit_check.apply(args=[check.id])
    assert isinstance(result.result, KeyError)
    assert [check.id] == CALLS


def test_dispatch_skips_checks_that_are_no_longer_pending(eager_tasks):
    check = pending_check()
    credit_check_decide(credit_check_id=check.id)
    assert credit_check_dispatch(check.id) is False
    assert CreditCheck.objects.get(pk=check.pk).dispatch_count == 0


def test_dispatch_with_the_broker_down_returns_false_without_raising(broker_down):
    check = pending_check()
    assert credit_check_dispatch(check.id) is False
    assert CreditCheck.objects.get(pk=check.pk).dispatch_count == 0


def test_sweep_dispatches_a_check_the_broker_never_received(eager_tasks):
    with time_machine.travel(timezone.now() - timedelta(minutes=2)):
        check = pending_check()  # its after-commit dispatch never ran: the broker was down
    assert sweep_stalled_credit_checks() == {"dispatched": 1, "referred": 0, "failed": 0}
    check = reloaded(check)
    assert (check.status, check.dispatch_count) == ("approved", 1)


def test_sweep_leaves_fresh_requests_to_their_own_dispatch(eager_tasks):
    check = pending_check()
    assert sweep_stalled_credit_checks() == {"dispatched": 0, "referred": 0, "failed": 0}
    assert CreditCheck.objects.get(pk=check.pk).status == "pending"


@override_settings(CREDIT_DECISION_PROVIDER="tests.credit.test_tasks.Broken")
def test_sweep_redispatches_a_check_whose_task_was_lost(eager_tasks):
    check = pending_check()
    CreditCheck.objects.filter(pk=check.pk).update(
        requested_at=timezone.now() - timedelta(minutes=20),
        dispatched_at=timezone.now() - timedelta(minutes=6),
        dispatch_count=1,
    )
    sweep_stalled_credit_checks()
    check = reloaded(check)
    assert (check.dispatch_count, CALLS) == (2, [check.id])


def test_sweep_does_not_redispatch_a_check_handed_over_recently(eager_tasks):
    check = pending_check()
    CreditCheck.objects.filter(pk=check.pk).update(
        requested_at=timezone.now() - timedelta(minutes=20), dispatched_at=timezone.now() - timedelta(minutes=1)
    )
    assert sweep_stalled_credit_checks() == {"dispatched": 0, "referred": 0, "failed": 0}


def test_sweep_refers_a_check_to_review_after_too_many_hand_overs(settings):
    check = pending_check()
    CreditCheck.objects.filter(pk=check.pk).update(
        requested_at=timezone.now() - timedelta(hours=1),
        dispatched_at=timezone.now() - timedelta(minutes=10),
        dispatch_count=settings.CREDIT_CHECK_MAX_DISPATCHES,
    )
    assert sweep_stalled_credit_checks() == {"dispatched": 0, "referred": 1, "failed": 0}
    check = reloaded(check)
    assert (check.status, check.reasons) == ("in_review", ["decision engine gave no answer after 5 attempts"])


def test_sweep_counts_checks_it_could_not_hand_over(broker_down):
    with time_machine.travel(timezone.now() - timedelta(minutes=2)):
        check = pending_check()
    assert sweep_stalled_credit_checks() == {"dispatched": 0, "referred": 0, "failed": 1}
    assert CreditCheck.objects.get(pk=check.pk).status == "pending"


def test_every_credit_beat_entry_names_a_registered_task(settings):
    credit_entries = {
        name: entry for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if name.startswith("credit-")
    }
    assert {entry["task"] for entry in credit_entries.values()} == {
        "credit.sweep_stalled_checks", "credit.expire_enrollments", "credit.apply_past_due_holds",
        "credit.send_payment_reminders",
        "credit.send_monthly_statements",
    }  # fmt: skip
    assert all(entry["task"] in app.tasks for entry in credit_entries.values())


def test_the_monthly_statements_run_on_the_first_at_the_configured_hour_utc_on_the_housekeeping_queue(settings):
    from datetime import UTC, datetime

    entry = settings.CELERY_BEAT_SCHEDULE["credit-send-monthly-statements"]
    schedule = entry["schedule"]
    assert (schedule.day_of_month, schedule.hour, schedule.minute) == ({1}, {settings.STATEMENT_EMAIL_HOUR}, {0})
    last = datetime(2026, 11, 1, settings.STATEMENT_EMAIL_HOUR, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 11, 20, tzinfo=UTC), tick=False):
        assert not schedule.is_due(last).is_due
    with time_machine.travel(datetime(2026, 12, 1, settings.STATEMENT_EMAIL_HOUR, 0, 30, tzinfo=UTC), tick=False):
        assert schedule.is_due(last).is_due
    routes = {task: route["queue"] for task, route in settings.CELERY_TASK_ROUTES.items()}
    assert routes["credit.send_monthly_statements"] == routes["credit.send_statement_batch"] == "housekeeping"
