"""Sending one queued email, at most once.

The send task locks the email's row (a second task for the same email skips it), and does nothing unless the email
is pending and due. It then writes the outcome it hopes for — status `sent`, the attempt, the `email.sent` event —
hands the message to the mail server (`MAILERS["default"]`), and commits only once the server has accepted it. If
the server refuses it or cannot be reached, the transaction is rolled back (nothing says sent) and the failed attempt
is recorded in a second one: retried after EMAIL_RETRY_BASE_SECONDS * 4^(attempt-1) (at most EMAIL_RETRY_MAX_SECONDS),
`failed` after EMAIL_MAX_ATTEMPTS attempts, or at once when every recipient is refused for good (5xx) or an address
cannot be encoded. The connection is closed (QUIT) after the commit, so an error while closing cannot undo a send.

What can still send a message twice — SMTP has no idempotency, so no client can rule it out:
- a crash between the server's acceptance (its 250 reply to the message) and our COMMIT: one database round trip,
  about a millisecond, in which a killed worker, a lost database connection or a failed commit leaves the email
  pending, to be sent again by the redelivered task or the sweep;
- a server that accepts the message but whose reply never arrives (a connection cut or a timeout after the final
  dot): we see an error and retry (RFC 1047 describes it).
Every attempt carries the same Message-ID (`<eml_…@sender's domain>`), so a receiving system that drops repeated
Message-IDs drops the copy. Nothing is sent twice otherwise: not for a task delivered twice, two workers, a retry
after a refusal, or a sweep that overlaps a task."""

import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import getaddresses

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.actors import Actor
from core.email.dispatch import email_dispatch
from core.events import event_record
from core.models import EventType, OutboundEmail, OutboundEmailStatus

logger = logging.getLogger(__name__)

MAILER = "default"
ERROR_CHARS = 1000


class SendFailed(Exception):
    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.description = f"{type(error).__name__}: {error}"[:ERROR_CHARS]
        super().__init__(self.description)

    @property
    def permanent(self) -> bool:
        """Refused for good: sending the same message again cannot succeed."""
        if isinstance(self.error, smtplib.SMTPRecipientsRefused):
            return all(code >= 500 for code, _ in self.error.recipients.values())
        return isinstance(self.error, ValueError)  # Django's: an address it cannot put on the wire


def retry_delay(attempt_count: int) -> timedelta:
    """The wait after the `attempt_count`-th failed attempt: 1, 4, 16, 64 minutes… (with the default settings)."""
    seconds = settings.EMAIL_RETRY_BASE_SECONDS * 4 ** (attempt_count - 1)
    return timedelta(seconds=min(seconds, settings.EMAIL_RETRY_MAX_SECONDS))


def message_id(email: OutboundEmail) -> str:
    domain = getaddresses([email.from_email])[0][1].rpartition("@")[2] or str(DNS_NAME)
    return f"<{email.id}@{domain}>"


def email_message(email: OutboundEmail) -> EmailMultiAlternatives:
    """The email as Django sends it: the plain-text body, the HTML alternative, its attachments, the same Message-ID
    every attempt."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=email.to,
        reply_to=email.reply_to or None,
        # RFC 3834: sent by a program, so vacation responders leave it alone.
        headers={**email.headers, "Message-ID": message_id(email), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments.order_by("position"):
        message.attach(attachment.file_name, bytes(attachment.content), attachment.content_type)
    return message


def _why_not_now(email: OutboundEmail, now: datetime) -> str | None:
    if email.status != OutboundEmailStatus.PENDING:
        return f"already {email.status}"
    if email.next_attempt_at > now:
        return "not due"
    return None


def _record_sent(email: OutboundEmail, now: datetime) -> None:
    """The success, written before the message goes out and committed only if it does."""
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmailStatus.SENT,
        sent_at=now,
        last_attempt_at=now,
        attempt_count=F("attempt_count") + 1,
        next_attempt_at=None,
    )
    if email.customer_id:
        event_record(
            event_type=EventType.EMAIL_SENT,
            data={
                "id": email.id,
                "key": email.key,
                "template": email.template,
                "subject": email.subject,
                "to": email.to,
                "sent_at": now.isoformat().replace("+00:00", "Z"),
            },
            actor=Actor(type=email.actor_type, id=email.actor_id, label=email.actor_label, request_id=email.request_id),
            customer_id=email.customer_id,
        )


def _hand_to_server(mailer, message: EmailMultiAlternatives) -> None:
    try:
        mailer.open()
        if mailer.send_messages([message]) != 1:
            raise smtplib.SMTPException("the mail server did not take the message")
    except Exception as error:  # whatever the server, the network or TLS did (and a soft time limit)
        raise SendFailed(error) from error


def _close(mailer) -> None:
    try:
        mailer.close()
    except Exception as error:
        logger.info("closing the mail server connection failed (the message was already handled): %s", error)


def _record_failure(email_id: str, failure: SendFailed) -> str:
    now = timezone.now()
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmailStatus.PENDING)
            .first()
        )
        if email is None:
            return f"attempt failed ({failure.description}); not recorded: the email is being sent or was finished"
        email.attempt_count += 1
        email.last_attempt_at = now
        email.last_error = failure.description
        email.dispatched_at = None
        if failure.permanent or email.attempt_count >= settings.EMAIL_MAX_ATTEMPTS:
            email.status, email.next_attempt_at = OutboundEmailStatus.FAILED, None
        else:
            email.next_attempt_at = eta = now + retry_delay(email.attempt_count)
            transaction.on_commit(lambda: email_dispatch(email_id, eta=eta), robust=True)
        email.save(
            update_fields=[
                "attempt_count",
                "last_attempt_at",
                "last_error",
                "dispatched_at",
                "status",
                "next_attempt_at",
            ]
        )
    logger.warning(
        "email %s attempt %d failed, now %s: %s", email_id, email.attempt_count, email.status, failure.description
    )
    return f"attempt {email.attempt_count}: {email.status} ({failure.description})"


def email_send(*, email_id: str) -> str:
    """The send task's work (core.send_email): send the email if it is pending and due. Returns what happened."""
    mailer = mailers[MAILER]
    try:
        try:
            with transaction.atomic():
                email = OutboundEmail.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
                if email is None:
                    return "skipped: missing, or being sent by another worker"
                now = timezone.now()
                if reason := _why_not_now(email, now):
                    return f"skipped: {reason}"
                message = email_message(email)
                _record_sent(email, now)
                _hand_to_server(mailer, message)
        finally:
            # After the commit (or the rollback): an error while saying QUIT cannot undo a send.
            _close(mailer)
    except SendFailed as failure:
        return _record_failure(email_id, failure)
    return "sent"
