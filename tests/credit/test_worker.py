"""Through a real Celery worker process on Redis, reading the PostgreSQL test database: the decision round trip, and
the payment reminders (sent by the worker to the suite's SMTP server)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from core.email.dispatch import email_outbox_sweep
from core.models import OutboundEmail
from credit.models import CreditCheck, CreditDecision
from credit.services import credit_check_request, credit_transaction_bill, credit_transaction_complete
from credit.tasks import decide_credit_check, send_payment_reminders
from customers.selectors import customer_get
from tests.credit.builders import API, approved_customer, assert_customer_agrees_with_balance, buckets
from tests.factories import CustomerFactory, CustomerUserFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s")
        time.sleep(0.05)


def wait_for_decision(check_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check = CreditCheck.objects.get(pk=check_id)
        if check.status != "pending":
            return check
        time.sleep(0.1)
    raise AssertionError(f"credit check {check_id} still pending after {timeout} s")


def test_requested_check_is_decided_by_the_worker(celery_worker_process):
    customer = CustomerFactory()
    check = credit_check_request(customer=customer, actor=API, amount_requested=400_000, has_purchase_history=True)
    check = wait_for_decision(check.id)
    customer = customer_get(customer_id=customer.pk)
    assert (check.status, check.dispatch_count, check.score) == ("approved", 1, 85)
    assert (customer.credit_status, customer.net_terms_status) == ("approved", "pending_enrollment")
    assert buckets(customer) == (400_000, 0, 0)
    assert_customer_agrees_with_balance(customer)


def test_a_check_delivered_twice_to_the_worker_is_decided_once(celery_worker_process):
    customer = CustomerFactory()
    check = credit_check_request(customer=customer, actor=API, amount_requested=1_000, has_purchase_history=True)
    decide_credit_check.delay(check.id)
    wait_for_decision(check.id)
    assert decide_credit_check.apply_async(args=[check.id], ignore_result=False).get(timeout=30) == "approved"
    assert CreditDecision.objects.filter(credit_check_id=check.id).count() == 1
    assert buckets(customer) == (1_000, 0, 0)


def test_the_worker_sends_the_days_payment_reminders_once_however_often_the_task_runs(celery_worker_process, mailbox):
    customer = approved_customer(name="Acme Tools")
    CustomerUserFactory(customer=customer, email="ada@acme.example")
    completed_at = timezone.now() - timedelta(days=30 - 3)  # net 30: due in 3 days, the schedule's first step
    billed = credit_transaction_bill(
        customer=customer, actor=API, amount=125_050, currency_code="USD", reference="INV-7", billed_at=completed_at
    )
    credit_transaction_complete(credit_transaction=billed, actor=API, completed_at=completed_at)

    first = send_payment_reminders.apply_async(ignore_result=False).get(timeout=60)
    second = send_payment_reminders.apply_async(ignore_result=False).get(timeout=60)

    assert (first["queued"], second["queued"]) == (1, 0)
    (received,) = mailbox.wait_for(1)
    assert received.rcpt_tos == ["ada@acme.example"]
    assert received.message["Subject"] == "Payment reminder: INV-7 is due in 3 days"
    assert "1,250.50 USD" in received.part("plain")
    time.sleep(0.5)
    assert len(mailbox.messages) == 1


def test_with_the_smtp_server_down_the_workers_reminder_is_retried_and_arrives_once(celery_worker_process, mailbox):
    customer = approved_customer(name="Acme Tools")
    CustomerUserFactory(customer=customer, email="ada@acme.example")
    completed_at = timezone.now() - timedelta(days=30)  # net 30: due today
    billed = credit_transaction_bill(
        customer=customer, actor=API, amount=5_000, currency_code="USD", reference="INV-8", billed_at=completed_at
    )
    credit_transaction_complete(credit_transaction=billed, actor=API, completed_at=completed_at)
    mailbox.stop()

    assert send_payment_reminders.apply_async(ignore_result=False).get(timeout=60)["queued"] == 1
    email = OutboundEmail.objects.get()
    wait_until(lambda: OutboundEmail.objects.get(pk=email.pk).attempt_count == 1)  # the worker met a closed port
    assert send_payment_reminders.apply_async(ignore_result=False).get(timeout=60)["queued"] == 0
    mailbox.start()
    # Its retry is due (the clock moved past its time, not slept on); the sweep hands it over.
    long_ago = timezone.now() - timedelta(seconds=301)
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=long_ago, dispatched_at=long_ago)
    assert email_outbox_sweep() == {"stalled": 1, "dispatched": 1}

    (received,) = mailbox.wait_for(1)
    assert received.message["Subject"] == "Payment due today: INV-8"
    wait_until(lambda: OutboundEmail.objects.get(pk=email.pk).status == "sent")
    assert OutboundEmail.objects.get(pk=email.pk).attempt_count == 2
    time.sleep(0.5)
    assert len(mailbox.messages) == 1
