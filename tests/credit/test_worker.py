"""The decision round trip through a real Celery worker process on Redis, reading the PostgreSQL test database."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from credit.models import CreditCheck, CreditDecision
from credit.services import credit_check_request, credit_transaction_bill, credit_transaction_complete
from credit.tasks import decide_credit_check, send_payment_reminders
from customers.selectors import customer_get
from tests.credit.builders import API, approved_customer, assert_customer_agrees_with_balance, buckets
from tests.factories import CustomerFactory, CustomerUserFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


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
