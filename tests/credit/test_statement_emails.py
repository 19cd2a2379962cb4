"""The monthly statement by email, through the suite's real SMTP server (tests/smtp_server.py): on the 1st each
active user of a customer with activity or a balance gets the previous month's statement once, with its PDF; a
second run sends nothing; with the server down the emails wait and are sent once it is back. Tasks run in this
process here (`eager_tasks`); the last test runs the task on a real Celery worker."""

import io
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from core import ids
from core.email.dispatch import email_outbox_sweep
from core.models import Event, EventType, OutboundEmail
from credit.services import credit_transaction_bill, credit_transaction_complete, statement_email_send
from credit.tasks import send_monthly_statements
from customers.models import CustomerUserStatus
from customers.services import customer_archive
from tests.credit.builders import API, approved_customer
from tests.factories import CustomerUserFactory

MARCH = date(2031, 3, 1)
FIRST_OF_APRIL = datetime(2031, 4, 1, 6, tzinfo=UTC)


@contextmanager
def at(moment: datetime, *, tick: bool = True):
    ids._last = 0  # ids of the travelled-to time (the conftest fixture restores the generator)
    with time_machine.travel(moment, tick=tick):
        yield


def book(name: str = "Bluebird Coffee", *, users: int = 2, buy: bool = True):
    """A customer approved in March 2031 with `users` active users (and one archived), a purchase billed and
    completed in March when `buy`."""
    with at(datetime(2031, 3, 5, 12, tzinfo=UTC)):
        customer = approved_customer(limit=1_000_000, name=name)
        people = [
            CustomerUserFactory(customer=customer, first_name=f"User{n}", email=address(customer, f"user{n}"))
            for n in range(users)
        ]
        CustomerUserFactory(customer=customer, status=CustomerUserStatus.ARCHIVED, email=address(customer, "gone"))
        if buy:
            purchase = credit_transaction_bill(
                customer=customer, actor=API, amount=250_000, currency_code="USD", reference="INV-7"
            )
            credit_transaction_complete(credit_transaction=purchase, actor=API)
    return customer, people


def address(customer, name: str) -> str:
    return f"{name}@{customer.id.replace('_', '-')}.example"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def attachments(received) -> list:
    return list(received.message.iter_attachments())


def run_on_the_first(django_capture_on_commit_callbacks, **kwargs) -> dict:
    with at(FIRST_OF_APRIL), django_capture_on_commit_callbacks(execute=True):
        return send_monthly_statements(**kwargs)


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
class TestOnTheFirst:
    def test_each_active_user_gets_last_months_statement_once_with_its_pdf(
        self, mailbox, django_capture_on_commit_callbacks, settings
    ):
        settings.PUBLIC_BASE_URL = "https://credit.example.com"
        settings.SELLER_NAME = "Acme Roasters"
        customer, people = book()

        result = run_on_the_first(django_capture_on_commit_callbacks)

        assert result == {"month": "2031-03", "batches": 1}
        received = mailbox.wait_for(2)
        assert sorted(message.rcpt_tos[0] for message in received) == sorted(person.email for person in people)
        message = received[0]
        assert message.message["Subject"] == "Bluebird Coffee: your March 2031 statement in USD"
        text, html = message.part("plain"), message.part("html")
        assert "Closing balance: 2,500.00 USD" in text
        assert "https://credit.example.com/portal/" in text
        assert 'href="https://credit.example.com/portal/"' in html
        # No secret in it: the only link is the portal's sign-in page.
        assert text.count("https://") == 1
        (pdf,) = attachments(message)
        assert pdf.get_content_type() == "application/pdf"
        assert pdf.get_filename() == f"statement-{customer.id}-USD-2031-03.pdf"
        content = pdf.get_content()
        assert content.startswith(b"%PDF-")
        statement = pdf_text(content)
        assert "Acme Roasters" in statement and "Bluebird Coffee" in statement and "March 2031" in statement
        assert "INV-7" in statement and "2,500.00" in statement and "7,500.00" in statement
        emails = OutboundEmail.objects.filter(customer_id=customer.id)
        assert {email.status for email in emails} == {"sent"}
        assert {email.key for email in emails} == {
            f"monthly_statement:{customer.id}:USD:2031-03:{person.id}" for person in people
        }

    def test_running_again_sends_nothing_twice(self, mailbox, django_capture_on_commit_callbacks):
        customer, _ = book(users=1)
        run_on_the_first(django_capture_on_commit_callbacks)
        mailbox.wait_for(1)

        run_on_the_first(django_capture_on_commit_callbacks)
        with at(FIRST_OF_APRIL + timedelta(days=1)), django_capture_on_commit_callbacks(execute=True):
            send_monthly_statements(month="2031-03")

        time.sleep(0.3)
        assert len(mailbox.messages) == 1
        assert OutboundEmail.objects.filter(customer_id=customer.id).count() == 1

    def test_the_sent_statement_is_on_the_customers_history(self, mailbox, django_capture_on_commit_callbacks, client):
        from tests.staff.builders import staff_user

        customer, _ = book(users=1)
        run_on_the_first(django_capture_on_commit_callbacks)
        mailbox.wait_for(1)

        (event,) = Event.objects.filter(customer_id=customer.id, event_type=EventType.EMAIL_SENT)
        assert event.data["template"] == "monthly_statement"
        client.force_login(staff_user("viewer"))
        html = client.get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
        history = html[html.index('id="events-title"') :]
        assert "Email sent" in history and "your March 2031 statement in USD" in history

    def test_customers_without_activity_or_balance_archived_or_without_users_get_nothing(
        self, mailbox, django_capture_on_commit_callbacks
    ):
        quiet, _ = book("Quiet Ltd", buy=False)  # a line, but nothing bought and nothing owed
        nobody, _ = book("Nobody Inc", users=0)
        archived, _ = book("Gone GmbH")
        with at(datetime(2031, 3, 20, tzinfo=UTC)):
            customer_archive(customer=archived, actor=API)  # staff closed the account: nobody is written to
        owing, _ = book("Owing Co", users=1)

        run_on_the_first(django_capture_on_commit_callbacks)

        (received,) = mailbox.wait_for(1)
        time.sleep(0.3)
        assert len(mailbox.messages) == 1
        assert received.rcpt_tos == [address(owing, "user0")]
        assert not OutboundEmail.objects.filter(customer_id__in=[quiet.id, nobody.id, archived.id]).exists()

    def test_a_month_without_movements_but_a_balance_owed_is_sent_with_opening_equal_to_closing(
        self, mailbox, django_capture_on_commit_callbacks
    ):
        book(users=1)
        with at(datetime(2031, 5, 1, 6, tzinfo=UTC)), django_capture_on_commit_callbacks(execute=True):
            assert send_monthly_statements() == {"month": "2031-04", "batches": 1}

        (received,) = mailbox.wait_for(1)
        assert "April 2031" in received.message["Subject"]
        text = received.part("plain")
        assert "Opening balance: 2,500.00 USD" in text and "Closing balance: 2,500.00 USD" in text

    def test_batches_cover_every_customer(self, mailbox, django_capture_on_commit_callbacks, settings):
        settings.STATEMENT_BATCH_SIZE = 2
        customers = [book(f"Customer {n}", users=1)[0] for n in range(5)]

        result = run_on_the_first(django_capture_on_commit_callbacks)

        assert result == {"month": "2031-03", "batches": 3}
        mailbox.wait_for(5)
        assert sorted(message.rcpt_tos[0] for message in mailbox.messages) == sorted(
            address(customer, "user0") for customer in customers
        )

    def test_with_the_smtp_server_down_the_statements_wait_and_are_sent_once_when_it_is_back(
        self, mailbox, django_capture_on_commit_callbacks
    ):
        customer, _ = book(users=1)
        mailbox.stop()

        run_on_the_first(django_capture_on_commit_callbacks)

        (email,) = OutboundEmail.objects.filter(customer_id=customer.id)
        assert (email.status, email.attempt_count) == ("pending", 1)
        assert email.last_error.startswith("ConnectionRefusedError")
        # The month's run again (a retried task, the beat twice) queues nothing new.
        run_on_the_first(django_capture_on_commit_callbacks)
        assert OutboundEmail.objects.filter(customer_id=customer.id).count() == 1

        mailbox.start()
        with at(email.next_attempt_at + timedelta(seconds=61), tick=False):
            assert email_outbox_sweep() == {"stalled": 1, "dispatched": 1}
        (received,) = mailbox.wait_for(1)
        (pdf,) = attachments(received)
        assert "2,500.00" in pdf_text(pdf.get_content())
        email.refresh_from_db()
        assert (email.status, email.attempt_count) == ("sent", 2)
        with at(email.sent_at + timedelta(hours=1), tick=False):
            assert email_outbox_sweep() == {"stalled": 0, "dispatched": 0}
        time.sleep(0.3)
        assert len(mailbox.messages) == 1

    def test_the_service_queues_nothing_for_a_user_already_sent_and_the_rest_for_a_new_one(
        self, mailbox, django_capture_on_commit_callbacks
    ):
        customer, _ = book(users=1)
        run_on_the_first(django_capture_on_commit_callbacks)
        mailbox.wait_for(1)
        with at(FIRST_OF_APRIL + timedelta(hours=2)):
            newcomer = CustomerUserFactory(customer=customer, email="new@bluebird.example")
            balance = customer.credit_balances.get(currency_code="USD")
            with django_capture_on_commit_callbacks(execute=True):
                assert statement_email_send(balance=balance, month=MARCH, actor=API) == 1
                assert statement_email_send(balance=balance, month=MARCH, actor=API) == 0

        received = mailbox.wait_for(2)
        assert received[-1].rcpt_tos == [newcomer.email]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_monthly_task_and_the_statement_arrives_once(celery_worker_process, mailbox):
    """The beat's task on a real worker (its batches and the send tasks too): it runs now, for the month that just
    ended, so the customer's purchase is made now too: the statement is of the previous month only when the test runs
    on a month's first second, so the task is told this month."""
    from django.utils import timezone

    from credit.statements import current_month, month_key

    customer = approved_customer(limit=1_000_000, name="Worker Coffee")
    CustomerUserFactory(customer=customer, email="ap@worker.example")
    credit_transaction_bill(customer=customer, actor=API, amount=42_000, currency_code="USD")
    month = month_key(current_month(timezone.now()))

    send_monthly_statements.apply_async(kwargs={"month": month})

    (received,) = mailbox.wait_for(1, timeout=60)
    assert received.rcpt_tos == ["ap@worker.example"]
    (pdf,) = attachments(received)
    assert "420.00" in pdf_text(pdf.get_content())
    deadline = time.monotonic() + 30
    while OutboundEmail.objects.filter(customer_id=customer.id, status="sent").count() != 1:
        assert time.monotonic() < deadline, "the email was not recorded as sent"
        time.sleep(0.1)
    send_monthly_statements.apply_async(kwargs={"month": month})
    time.sleep(3)
    assert len(mailbox.messages) == 1
