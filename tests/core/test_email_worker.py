"""The email outbox with committed transactions: a real Celery worker process sends (to the suite's SMTP server, its
EMAIL_URL), the sweep hands over what a broker outage or a lost task left behind, and concurrent callers or tasks
never send one email twice."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.actors import Actor
from core.email.delivery import email_send
from core.email.dispatch import email_outbox_sweep
from core.email.services import email_queue
from core.models import Event, EventType, OutboundEmail
from core.outage import BROKER
from tests.factories import CustomerFactory
from tests.webhooks.conftest import BrokerOutage

pytestmark = pytest.mark.django_db(transaction=True)

SYSTEM = Actor.system("tests")


def queue(key: str = "statement:ctm_1:2026-11", **overrides) -> OutboundEmail:
    arguments = {"to": ["ap@acme.example"], "template": "test_message", "context": {"site": "https://x.example"}}
    return email_queue(key=key, actor=SYSTEM, **arguments | overrides)


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s")
        time.sleep(0.05)


def status(email: OutboundEmail) -> str:
    return OutboundEmail.objects.values_list("status", flat=True).get(pk=email.pk)


@pytest.mark.celery_worker
def test_a_real_worker_sends_a_queued_email_once(celery_worker_process, mailbox):
    customer = CustomerFactory()

    email = queue(customer_id=customer.id)

    (received,) = mailbox.wait_for(1)
    wait_until(lambda: status(email) == "sent")
    assert received.message["Message-ID"] == f"<{email.id}@localhost>"
    assert received.part("plain").startswith("This is a test message from creditdesk (https://x.example).")
    assert Event.objects.filter(customer_id=customer.id, event_type=EventType.EMAIL_SENT).count() == 1
    time.sleep(0.5)
    assert len(mailbox.messages) == 1


@pytest.mark.celery_worker
def test_an_email_queued_while_the_broker_is_down_is_kept_and_sent_by_the_sweep_once_it_is_back(
    celery_worker_process, mailbox
):
    outage = BrokerOutage()
    outage.begin()
    try:
        started = time.monotonic()
        email = queue()
        elapsed = time.monotonic() - started
        email.refresh_from_db()
        assert (email.status, email.dispatched_at, email.attempt_count) == ("pending", None, 0)
        assert elapsed < 2.0  # the caller is not held by the outage
    finally:
        outage.end()
    assert email_outbox_sweep() == {"stalled": 0, "dispatched": 0}  # still within the grace of its own dispatch

    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=61))
    assert email_outbox_sweep() == {"stalled": 1, "dispatched": 1}

    mailbox.wait_for(1)
    wait_until(lambda: status(email) == "sent")
    assert len(mailbox.messages) == 1


@pytest.mark.celery_worker
def test_the_sweep_hands_over_again_an_email_whose_task_was_lost(celery_worker_process, mailbox):
    mailbox.stop()
    email = queue()
    wait_until(lambda: OutboundEmail.objects.get(pk=email.pk).attempt_count == 1)  # the worker met a closed port
    mailbox.start()
    # Its retry task, handed over for its time, then lost (a worker killed, a message dropped): the row says so.
    long_ago = timezone.now() - timedelta(seconds=301)
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=long_ago, dispatched_at=long_ago)

    assert email_outbox_sweep() == {"stalled": 1, "dispatched": 1}

    mailbox.wait_for(1)
    wait_until(lambda: status(email) == "sent")
    email.refresh_from_db()
    assert email.attempt_count == 2 and email.last_error.startswith("ConnectionRefusedError")
    assert email_outbox_sweep() == {"stalled": 0, "dispatched": 0}
    assert len(mailbox.messages) == 1


def test_two_tasks_sending_one_email_at_once_send_it_once(mailbox):
    BROKER.trip()  # its own task is not handed over: two duplicates run instead
    email = queue()
    BROKER.reset()
    mailbox.delay = 1.0  # the first task is still talking to the server when the second looks at the row
    results: list[str] = []

    def send() -> None:
        try:
            results.append(email_send(email_id=email.id))
        finally:
            connection.close()

    first = threading.Thread(target=send)
    first.start()
    time.sleep(0.3)
    send_second = threading.Thread(target=send)
    send_second.start()
    first.join(timeout=30)
    send_second.join(timeout=30)

    assert sorted(results) == ["sent", "skipped: missing, or being sent by another worker"]
    assert len(mailbox.messages) == 1
    assert status(email) == "sent"


@pytest.mark.usefixtures("eager_tasks")
def test_two_callers_queuing_one_key_at_once_get_one_email_sent_once(mailbox):
    inserted = threading.Event()
    returned: dict[str, OutboundEmail] = {}

    def first_caller() -> None:
        try:
            with transaction.atomic():
                returned["first"] = queue()
                inserted.set()
                time.sleep(0.5)  # the second caller's insert waits for this transaction
        finally:
            connection.close()

    def second_caller() -> None:
        try:
            inserted.wait(timeout=10)
            returned["second"] = queue(to=["someone@else.example"])
        finally:
            connection.close()

    threads = [threading.Thread(target=first_caller), threading.Thread(target=second_caller)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert returned["first"].pk == returned["second"].pk
    assert returned["second"].to == ["ap@acme.example"]
    assert OutboundEmail.objects.count() == 1
    (received,) = mailbox.wait_for(1)
    assert received.rcpt_tos == ["ap@acme.example"]
    time.sleep(0.3)
    assert len(mailbox.messages) == 1
