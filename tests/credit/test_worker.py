"""The decision round trip through a real Celery worker process on Redis, reading the PostgreSQL test database."""

import time

import pytest

from credit.models import CreditCheck, CreditDecision
from credit.services import credit_check_request
from credit.tasks import decide_credit_check
from customers.selectors import customer_get
from tests.credit.builders import API, assert_customer_agrees_with_balance, buckets
from tests.factories import CustomerFactory

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
