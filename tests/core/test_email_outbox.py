"""The email outbox, sending through the suite's real SMTP server (tests/smtp_server.py): what arrives, at most once
per key, and what happens when the server is down, refuses, or comes back. Tasks run in this process here
(`eager_tasks`); tests/core/test_email_worker.py sends through a real worker."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.actors import Actor
from core.email.delivery import email_send, retry_delay
from core.email.dispatch import email_outbox_sweep
from core.email.services import Attachment, email_queue
from core.models import Event, EventType, OutboundEmail
from tests.factories import CustomerFactory
from tests.smtp_server import SmtpServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

STAFF = Actor(type="staff", id="7", label="alice", request_id="req_123")
CONTEXT = {"site": "https://credit.example.com", "note": "<b>Net 30</b> & more"}


@pytest.fixture
def queue(django_capture_on_commit_callbacks):
    """email_queue as a service caller uses it, its transaction committed (so its send task runs)."""

    def queue(**overrides) -> OutboundEmail:
        arguments = {
            "key": "welcome:ctm_1",
            "to": ["buyer@acme.example"],
            "template": "test_message",
            "context": CONTEXT,
            "actor": STAFF,
        }
        with django_capture_on_commit_callbacks(execute=True):
            email = email_queue(**arguments | overrides)
        email.refresh_from_db()
        return email

    return queue


def sweep_at(moment):
    """The beat-scheduled sweep, run at `moment` (the clock moved, not slept on)."""
    with time_machine.travel(moment, tick=False):
        return email_outbox_sweep()


def due_for_sweep(email: OutboundEmail):
    return email.next_attempt_at + timedelta(seconds=61)


def test_a_queued_email_arrives_once_with_a_text_and_an_html_part_and_the_right_headers(mailbox, queue, settings):
    settings.EMAIL_REPLY_TO = ["ar@seller.example"]

    email = queue()

    (received,) = mailbox.wait_for(1)
    message = received.message
    assert (received.mail_from, received.rcpt_tos) == ("no-reply@localhost", ["buyer@acme.example"])
    assert message["Subject"] == "Test message from creditdesk"
    assert message["From"] == "creditdesk <no-reply@localhost>"
    assert message["To"] == "buyer@acme.example"
    assert message["Reply-To"] == "ar@seller.example"
    assert message["Message-ID"] == f"<{email.id}@localhost>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    # The text part is not HTML, so nothing in it is escaped; the HTML part escapes what it is given.
    assert "Note from the operator: <b>Net 30</b> & more" in received.part("plain")
    assert "&lt;b&gt;Net 30&lt;/b&gt; &amp; more" in received.part("html")
    assert '<a href="https://credit.example.com"' in received.part("html")
    assert (email.status, email.attempt_count, email.last_error) == ("sent", 1, "")
    assert email.sent_at is not None and email.next_attempt_at is None


def test_the_row_records_what_was_sent_and_who_queued_it(mailbox, queue):
    email = queue(to="buyer@acme.example")

    (received,) = mailbox.wait_for(1)
    assert email.to == ["buyer@acme.example"]
    assert (email.key, email.template, email.subject) == ("welcome:ctm_1", "test_message", received.message["Subject"])
    assert email.body_text == received.part("plain")
    assert email.body_html == received.part("html")
    assert (email.actor_type, email.actor_id, email.actor_label, email.request_id) == ("staff", "7", "alice", "req_123")


def test_queuing_the_same_key_twice_returns_the_first_email_and_sends_once(
    mailbox, queue, django_capture_on_commit_callbacks
):
    first = queue()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = email_queue(
            key="welcome:ctm_1", to=["someone@else.example"], template="test_message", context={}, actor=STAFF
        )

    assert second.pk == first.pk and second.to == ["buyer@acme.example"]
    assert callbacks == []
    assert OutboundEmail.objects.count() == 1
    assert len(mailbox.wait_for(1)) == 1
    assert email_send(email_id=first.id) == "skipped: already sent"
    assert len(mailbox.messages) == 1


def test_a_sent_email_with_a_customer_goes_on_that_customers_history_without_its_body(mailbox, queue):
    customer = CustomerFactory()

    email = queue(customer_id=customer.id)

    (event,) = Event.objects.filter(customer_id=customer.id, event_type=EventType.EMAIL_SENT)
    assert event.data == {
        "id": email.id,
        "key": "welcome:ctm_1",
        "template": "test_message",
        "subject": "Test message from creditdesk",
        "to": ["buyer@acme.example"],
        "sent_at": email.sent_at.isoformat().replace("+00:00", "Z"),
    }
    assert (event.actor_type, event.actor_label, event.request_id) == ("staff", "alice", "req_123")
    assert "credit.example.com" not in json.dumps(event.data)  # no body, no link


def test_an_email_without_a_customer_records_no_event(mailbox, queue):
    queue()
    mailbox.wait_for(1)
    assert not Event.objects.filter(event_type=EventType.EMAIL_SENT).exists()


def test_with_the_smtp_server_down_the_email_stays_pending_with_the_error_and_nothing_is_recorded_as_sent(
    mailbox, queue
):
    customer = CustomerFactory()
    mailbox.stop()

    email = queue(customer_id=customer.id)

    assert (email.status, email.attempt_count, email.sent_at) == ("pending", 1, None)
    assert email.last_error.startswith("ConnectionRefusedError")
    assert email.next_attempt_at == email.last_attempt_at + timedelta(seconds=60)
    assert not Event.objects.filter(event_type=EventType.EMAIL_SENT).exists()


def test_once_the_server_is_back_the_retry_sends_it_exactly_once(mailbox, queue):
    mailbox.stop()
    email = queue()
    mailbox.start()

    # A task delivered before the retry time (a duplicate, a redelivery) leaves it alone.
    assert email_send(email_id=email.id) == "skipped: not due"
    assert sweep_at(email.next_attempt_at) == {"stalled": 0, "dispatched": 0}
    result = sweep_at(due_for_sweep(email))
    later = sweep_at(due_for_sweep(email) + timedelta(hours=1))

    assert (result, later) == ({"stalled": 1, "dispatched": 1}, {"stalled": 0, "dispatched": 0})
    (received,) = mailbox.wait_for(1)
    assert received.message["Message-ID"] == f"<{email.id}@localhost>"
    email.refresh_from_db()
    assert (email.status, email.attempt_count) == ("sent", 2)
    assert email.last_error.startswith("ConnectionRefusedError")  # what the earlier attempt met, kept
    assert len(mailbox.messages) == 1


def test_a_temporary_refusal_is_retried_and_the_retry_sends_it(mailbox, queue):
    mailbox.reply("451 4.3.0 Mailbox busy, try again later")

    email = queue()

    assert (email.status, email.attempt_count, mailbox.messages) == ("pending", 1, [])
    assert email.last_error == "SMTPDataError: (451, b'4.3.0 Mailbox busy, try again later')"
    sweep_at(due_for_sweep(email))
    assert len(mailbox.wait_for(1)) == 1
    email.refresh_from_db()
    assert (email.status, email.attempt_count) == ("sent", 2)


def test_retries_back_off_exponentially_and_the_email_fails_after_the_last_attempt(mailbox, queue, settings):
    settings.EMAIL_MAX_ATTEMPTS = 3
    mailbox.stop()
    email = queue()
    waits = [email.next_attempt_at - email.last_attempt_at]
    for _ in range(2):
        sweep_at(due_for_sweep(email))
        email.refresh_from_db()
        if email.next_attempt_at:
            waits.append(email.next_attempt_at - email.last_attempt_at)

    assert waits == [timedelta(minutes=1), timedelta(minutes=4)]
    assert (email.status, email.attempt_count, email.next_attempt_at) == ("failed", 3, None)
    assert email.last_error.startswith("ConnectionRefusedError")
    mailbox.start()
    assert sweep_at(email.last_attempt_at + timedelta(days=1)) == {"stalled": 0, "dispatched": 0}
    assert email_send(email_id=email.id) == "skipped: already failed"
    assert mailbox.messages == []


def test_the_backoff_is_capped():
    assert [retry_delay(n).total_seconds() for n in range(1, 8)] == [60, 240, 960, 3840, 15360, 21600, 21600]


def test_a_recipient_refused_for_good_fails_at_once_without_retrying(mailbox, queue):
    mailbox.unknown_recipients = {"gone@acme.example"}

    email = queue(to=["gone@acme.example"])

    assert (email.status, email.attempt_count, email.next_attempt_at) == ("failed", 1, None)
    assert email.last_error.startswith("SMTPRecipientsRefused: {'gone@acme.example': (550, b'5.1.1 No such user")
    assert mailbox.messages == []


def test_a_message_goes_to_the_recipients_the_server_accepts_when_it_refuses_some(mailbox, queue):
    mailbox.unknown_recipients = {"gone@acme.example"}

    email = queue(to=["gone@acme.example", "ap@acme.example"])

    (received,) = mailbox.wait_for(1)
    assert received.rcpt_tos == ["ap@acme.example"]
    assert email.status == "sent"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a loopback test server
def test_the_server_credentials_of_email_url_are_used(mailbox, queue, settings):
    guarded = SmtpServer(credentials=("mailer", "s3cret"))
    guarded.start()
    try:
        settings.MAILERS = {"default": guarded.mailer}
        queue(key="with-credentials")
        wrong = guarded.mailer
        wrong["OPTIONS"]["password"] = "wrong"
        settings.MAILERS = {"default": wrong}
        refused = queue(key="with-wrong-credentials")
    finally:
        guarded.stop()

    assert len(guarded.messages) == 1
    assert refused.status == "pending" and refused.last_error.startswith("SMTPAuthenticationError: (535")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"key": ""}, "key", "An idempotency key is required."),
        ({"key": "k" * 256}, "key", "At most 255 characters."),
        ({"to": []}, "to", "At least one recipient is required."),
        ({"to": ["ap@acme.example", "not an address"]}, "to.1", "Not an email address: 'not an address'."),
        ({"to": ["a@b.example\nBcc: x@y.example"]}, "to.0", "Not an email address"),
        ({"to": [f"u{n}@acme.example" for n in range(51)]}, "to", "At most 50 recipients."),
        ({"template": "no_such_template"}, "template", "No email template email/no_such_template.subject.txt."),
        ({"template": "../base"}, "template", "A template name is lowercase words"),
        ({"customer_id": ""}, "customer_id", "A customer id, or None."),
        ({"headers": {"Bcc": "x@y.example"}}, "headers", "Only these header fields can be added"),
        ({"headers": {"List-Unsubscribe": "<https://x>\r\nBcc: x@y.example"}}, "headers.List-Unsubscribe", "One line"),
        ({"headers": {"List-Unsubscribe": ""}}, "headers.List-Unsubscribe", "One line of text"),
        ({"attachments": [Attachment("../etc/passwd", "text/plain", b"x")]}, "attachments.0", "A file name of"),
        ({"attachments": [Attachment("a.pdf", "pdf", b"x")]}, "attachments.0", "A MIME type"),
        ({"attachments": [Attachment("a.pdf", "application/pdf", "text")]}, "attachments.0", "The content is bytes"),
        ({"attachments": [Attachment(f"a{n}.txt", "text/plain", b"x") for n in range(6)]}, "attachments", "At most 5"),
        (
            {"attachments": [Attachment("big.bin", "application/octet-stream", b"x" * (5 * 1024 * 1024 + 1))]},
            "attachments",
            "At most 5242880 bytes",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_queued(mailbox, queue, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        queue(**overrides)

    assert error.value.message_dict[field][0].startswith(message)
    assert OutboundEmail.objects.count() == 0
    assert mailbox.messages == []


def test_attachments_are_kept_with_the_email_and_sent_with_it(mailbox, queue, admin_client):
    content = bytes(range(256)) * 10  # not text: sent base64-encoded, received byte for byte
    email = queue(attachments=[Attachment("statement-2026-11.pdf", "application/pdf", content)])

    (received,) = mailbox.wait_for(1)
    assert received.message.get_content_type() == "multipart/mixed"
    assert received.part("plain").startswith("This is a test message")
    (attachment,) = received.message.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content_type()) == ("statement-2026-11.pdf", "application/pdf")
    assert attachment.get_content() == content
    (stored,) = email.attachments.all()
    assert bytes(stored.content) == content
    # The admin lists it with the email, by name, type and size.
    page = admin_client.get(reverse("admin:core_outboundemail_change", args=[email.id])).content.decode()
    assert "statement-2026-11.pdf" in page and "application/pdf" in page and "2560" in page


def test_the_queuing_transaction_rolling_back_leaves_no_email(mailbox, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email_queue(key="k", to=["ap@acme.example"], template="test_message", context={}, actor=STAFF)
        raise RuntimeError("the change that wanted the email failed")

    assert OutboundEmail.objects.count() == 0
    assert mailbox.messages == []


def test_the_database_holds_one_email_per_key_and_a_sent_time_exactly_when_sent(queue, mailbox):
    email = queue()
    duplicate = OutboundEmail(**{field.attname: getattr(email, field.attname) for field in OutboundEmail._meta.fields})
    duplicate.id = "eml_" + "0" * 26

    for change in (
        lambda: duplicate.save(force_insert=True),
        lambda: OutboundEmail.objects.filter(pk=email.pk).update(sent_at=None),
        lambda: OutboundEmail.objects.filter(pk=email.pk).update(status="pending"),  # pending needs a next attempt
        lambda: OutboundEmail.objects.filter(pk=email.pk).update(status="bounced"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()


def test_an_unsubscribe_header_given_when_queued_is_sent_with_every_attempt(mailbox, queue):
    unsubscribe = {"List-Unsubscribe": "<https://credit.example.com/reminders/opt-out/t>"}
    mailbox.reply("451 4.3.0 Mailbox busy, try again later")

    email = queue(headers=unsubscribe | {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    sweep_at(due_for_sweep(email))

    (received,) = mailbox.wait_for(1)
    assert received.message["List-Unsubscribe"] == "<https://credit.example.com/reminders/opt-out/t>"
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.message["Message-ID"] == f"<{email.id}@localhost>"  # the mailer's own headers still win
