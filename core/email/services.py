"""Queueing an email: the one way the application sends mail.

`email_queue` renders the message, records it in the outbox (`OutboundEmail`) in the caller's transaction, and hands
its send task to the broker once that transaction commits. An idempotency key makes it at most once per key, for
ever: "the reminder for purchase X, step Y" queued again (a retried task, a sweep that runs twice, two workers at
once) returns the first row and sends nothing new. Rendering happens here, not at send time, because:

- the row is then the record of exactly what the customer was sent, whatever templates say later, and a retry hours
  later (or after a deploy) sends the same bytes;
- a template error fails the caller, inside its transaction, instead of becoming an email that can never be sent;
- the context need not survive JSON (or a pickle) on its way to a worker.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.email.dispatch import email_dispatch
from core.email.rendering import email_render
from core.models import OutboundEmail, OutboundEmailAttachment

MAX_RECIPIENTS = 50
MAX_ATTACHMENTS = 5
# Mail servers commonly refuse messages past 10-25 MB; base64 adds a third.
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send with an email: a plain file name (letters, digits, `._-`), its MIME type and its bytes."""

    file_name: str
    content_type: str
    content: bytes


def _clean_attachments(attachments: Sequence[Attachment]) -> list[Attachment]:
    attachments = list(attachments)
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": f"At most {MAX_ATTACHMENTS} attachments."})
    for index, attachment in enumerate(attachments):
        if not isinstance(attachment, Attachment) or not _FILE_NAME.match(attachment.file_name or ""):
            raise ValidationError({f"attachments.{index}": "A file name of letters, digits, '.', '_' and '-'."})
        if not _CONTENT_TYPE.match(attachment.content_type or ""):
            raise ValidationError({f"attachments.{index}": "A MIME type such as application/pdf."})
        if not isinstance(attachment.content, bytes):
            raise ValidationError({f"attachments.{index}": "The content is bytes."})
    if sum(len(attachment.content) for attachment in attachments) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachments": f"At most {MAX_ATTACHMENT_BYTES} bytes of attachments."})
    return attachments


def _clean_recipients(to: str | Sequence[str]) -> list[str]:
    addresses = [to] if isinstance(to, str) else list(to)
    if not addresses:
        raise ValidationError({"to": "At least one recipient is required."})
    if len(addresses) > MAX_RECIPIENTS:
        raise ValidationError({"to": f"At most {MAX_RECIPIENTS} recipients."})
    cleaned = []
    for index, address in enumerate(addresses):
        value = address.strip() if isinstance(address, str) else ""
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({f"to.{index}": f"Not an email address: {address!r}."}) from None
        cleaned.append(value)
    return list(dict.fromkeys(cleaned))


# Header fields a caller may add: RFC 2369 / RFC 8058's unsubscribe fields. The rest are the mailer's.
EXTRA_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")


def _clean_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    cleaned = {}
    for name, value in (headers or {}).items():
        if name not in EXTRA_HEADERS:
            raise ValidationError({"headers": f"Only these header fields can be added: {', '.join(EXTRA_HEADERS)}."})
        if not isinstance(value, str) or not value or "\r" in value or "\n" in value or len(value) > 2000:
            raise ValidationError({f"headers.{name}": "One line of text, at most 2,000 characters."})
        cleaned[name] = value
    return cleaned


def _clean_key(key: str) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValidationError({"key": "An idempotency key is required."})
    if len(key) > OutboundEmail._meta.get_field("key").max_length:
        raise ValidationError({"key": "At most 255 characters."})
    return key


@transaction.atomic
def email_queue(
    *,
    key: str,
    to: str | Sequence[str],
    template: str,
    context: Mapping[str, object],
    customer_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    attachments: Sequence[Attachment] = (),
    actor: Actor,
) -> OutboundEmail:
    """Queue `templates/email/<template>.{subject.txt,txt,html}` rendered with `context` to `to` (one address or a
    list), unless an email with this `key` was ever queued: then that one is returned and nothing new is sent.
    `customer_id` puts it on that customer's history once sent; `headers` adds EXTRA_HEADERS fields; `attachments` are
    stored with it and sent with every attempt. Raises ValidationError for a missing key, a bad address, header or
    attachment, or a template that does not render; then nothing is recorded."""
    key = _clean_key(key)
    existing = OutboundEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    recipients = _clean_recipients(to)
    files = _clean_attachments(attachments)
    if customer_id is not None and not (isinstance(customer_id, str) and 0 < len(customer_id) <= 64):
        raise ValidationError({"customer_id": "A customer id, or None."})
    extra_headers = _clean_headers(headers)
    rendered = email_render(template=template, context=context)
    email = OutboundEmail(
        key=key,
        customer_id=customer_id,
        template=template,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=list(settings.EMAIL_REPLY_TO),
        headers=extra_headers,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        next_attempt_at=timezone.now(),
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        request_id=actor.request_id,
    )
    email.full_clean(validate_unique=False, validate_constraints=False)
    # Two callers racing with one key: the second waits for the first's transaction, then inserts nothing and reads
    # the first's row. (ON CONFLICT DO NOTHING; the row read back tells which of the two this call was.)
    OutboundEmail.objects.bulk_create([email], ignore_conflicts=True)
    stored = OutboundEmail.objects.get(key=key)
    if stored.pk == email.pk:
        OutboundEmailAttachment.objects.bulk_create(
            OutboundEmailAttachment(
                email=stored,
                position=position,
                file_name=file.file_name,
                content_type=file.content_type,
                content=file.content,
            )
            for position, file in enumerate(files)
        )
        transaction.on_commit(lambda: email_dispatch(stored.pk), robust=True)
    return stored
