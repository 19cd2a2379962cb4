"""`Idempotency-Key` on POST: a retry with the same key and body replays the first response; the same key with
another body is a 409 `idempotency_key_reused`. Records are kept 24 hours.

Exactly once under concurrency: the record is inserted in the same database transaction as the request's own
writes (the view opens it, see `ApiView.dispatch`). A second request with the same key blocks on the unique index
until the first commits, then finds the stored response and replays it; if the first failed with a 5xx, its
transaction rolled back with its record, and the second simply runs. A crash cannot leave an effect without its
record or a record without its effect."""

import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from core.errors import ApplicationError
from core.models import IdempotencyRecord

TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Headers a replay must repeat; the rest (request id, rate limit) describe the new request.
KEPT_HEADERS = ("Content-Type", "Location", "Deprecation", "Link")


class IdempotentReplay(Exception):
    """Raised from the view's checks to answer with the stored response instead of running the handler."""

    def __init__(self, response: HttpResponse):
        super().__init__("idempotent replay")
        self.replay_response = response


def _fingerprint(request) -> str:
    body = request._request.body
    # Key order and whitespace do not make a different request.
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


@dataclass
class Claim:
    record: IdempotencyRecord

    def store(self, response) -> None:
        """Keep the response for replays, or (5xx) undo the whole request so a retry runs it again."""
        if response.status_code >= 500:
            transaction.set_rollback(True)
            return
        if hasattr(response, "render"):
            response.render()
        self.record.response_status = response.status_code
        self.record.response_body = response.content
        self.record.response_headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        self.record.save(update_fields=["response_status", "response_body", "response_headers"])


def claim(request, *, client_id: str) -> Claim | None:
    """Must run inside the request's transaction. None when the request carries no key."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationError({HEADER: f"Must be 1 to {MAX_KEY_LENGTH} characters."})
    fingerprint = _fingerprint(request)
    defaults = {"request_fingerprint": fingerprint, "method": request.method, "path": request.path[:500]}
    record, created = IdempotencyRecord.objects.get_or_create(client_id=client_id, key=key, defaults=defaults)
    if not created and record.created_at < timezone.now() - TTL:
        record.delete()
        record = IdempotencyRecord.objects.create(client_id=client_id, key=key, **defaults)
    elif not created:
        if record.request_fingerprint != fingerprint:
            raise ApplicationError(
                "idempotency_key_reused",
                "This Idempotency-Key was already used with a different request; use a new key.",
                status=409,
            )
        if record.response_status is None:  # only rows written outside this module can be in this state
            raise ApplicationError("conflict", "A request with this Idempotency-Key is in progress.", status=409)
        raise IdempotentReplay(_replay(record))
    return Claim(record)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.response_body or b""), status=record.response_status)
    for name, value in record.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotency_records_purge(*, older_than: timedelta = TTL) -> int:
    """Delete records past their 24 hours (the periodic `core.purge_idempotency_records` task)."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
