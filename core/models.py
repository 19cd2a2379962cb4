"""Shared plumbing: API keys, idempotency records, the event outbox (the audit trail), webhook delivery and the
outbound email outbox."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings

from core.ids import PrefixedIdField


class UpdatedAtQuerySet(models.QuerySet):
    """`update()` and `bulk_update()` that stamp `updated_at`, as `save()` does: Django's `auto_now` only acts in
    `save()`, so a queryset write (the ledger's balance UPDATE, clearing a default payment method) left it stale."""

    def update(self, **kwargs):
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        now = timezone.now()
        for obj in objs:
            obj.updated_at = now
        return super().bulk_update(objs, {*fields, "updated_at"}, batch_size=batch_size)


class TracksUpdates(models.Model):
    """Base of every model with an `updated_at` (declared by the model itself, `auto_now=True`): maintained on every
    save, `save(update_fields=...)` included (which writes only the fields named: a customer user's `updated_at` never
    moved), and by every queryset `update()`."""

    objects = UpdatedAtQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields:  # an empty list stays Django's no-op
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class ActorType(models.TextChoices):
    SYSTEM = "system"
    STAFF = "staff"
    API_CLIENT = "api_client"
    # A customer user acting in the buyer portal (id: the customer user's id; label: their name).
    CUSTOMER_USER = "customer_user"


class Scope(models.TextChoices):
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    CREDIT_READ = "credit:read"
    CREDIT_WRITE = "credit:write"
    WEBHOOKS_MANAGE = "webhooks:manage"


API_KEY_PREFIX = "cdk_"


def hash_api_key(raw_key: str) -> str:
    # Keys are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKey(models.Model):
    """A staff-created API key. Only its SHA-256 is stored; the key itself is shown once, at creation."""

    id = PrefixedIdField(prefix="apikey")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(max_length=16, editable=False, help_text="First characters, to recognise the key.")
    scopes = models.CharField(max_length=255, help_text="Space-separated scopes.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(blank=True, null=True)
    revoked_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_hint}…)"

    @staticmethod
    def generate_raw_key() -> str:
        return API_KEY_PREFIX + secrets.token_urlsafe(32)

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes.split())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OAuthClientScopes(models.Model):
    """The scopes an OAuth2 client (a django-oauth-toolkit Application) may be granted. A client without a row
    gets no token at all, so a client created by hand in the admin is closed until someone grants it scopes."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="allowed_scopes"
    )
    scopes = models.CharField(max_length=255, help_text="Space-separated scopes.")

    class Meta:
        verbose_name = "OAuth client scopes"
        verbose_name_plural = "OAuth client scopes"

    def __str__(self) -> str:
        return self.scopes

    def clean(self):
        super().clean()
        unknown = sorted(set(self.scopes.split()) - set(Scope.values))
        if unknown or not self.scopes.split():
            raise ValidationError({"scopes": f"Space-separated scopes among: {', '.join(Scope.values)}."})


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed for retries for 24 hours."""

    client_id = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    # Null while the first request is still being processed.
    response_status = models.PositiveSmallIntegerField(blank=True, null=True)
    response_body = models.BinaryField(blank=True, null=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client_id", "key"], name="idempotency_unique_client_key")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"


class EventType(models.TextChoices):
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_ARCHIVED = "customer.archived"
    CUSTOMER_RESTORED = "customer.restored"
    CUSTOMER_CREDIT_CHECK_REQUESTED = "customer.credit_check_requested"
    CUSTOMER_CREDIT_DECISION_CREATED = "customer.credit_decision_created"
    CUSTOMER_STATUS_UPDATED = "customer.status_updated"
    CUSTOMER_LINE_AMOUNT_UPDATED = "customer.line_amount_updated"
    CUSTOMER_NOTE_ADDED = "customer.note_added"
    CUSTOMER_COLLECTIONS_OWNER_UPDATED = "customer.collections_owner_updated"
    CREDIT_BALANCE_UPDATED = "credit_balance.updated"
    CREDIT_TRANSACTION_BILLED = "credit_transaction.billed"
    CREDIT_TRANSACTION_COMPLETED = "credit_transaction.completed"
    CREDIT_TRANSACTION_CANCELED = "credit_transaction.canceled"
    CREDIT_TRANSACTION_REPAID = "credit_transaction.repaid"
    CUSTOMER_CREDIT_CHECK_REFERRED = "customer.credit_check_referred"
    CUSTOMER_USER_CREATED = "customer_user.created"
    CUSTOMER_USER_UPDATED = "customer_user.updated"
    CUSTOMER_USER_ARCHIVED = "customer_user.archived"
    PAYMENT_METHOD_ADDED = "payment_method.added"
    PAYMENT_METHOD_DELETED = "payment_method.deleted"
    DEFAULT_PAYMENT_METHOD_CHANGED = "default_payment_method_changed"
    EMAIL_SENT = "email.sent"
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.created"
    WEBHOOK_ENDPOINT_UPDATED = "webhook_endpoint.updated"
    WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint.deleted"


class Event(models.Model):
    """One state change, written in the same transaction as the change (transactional outbox). It is also the
    audit trail: who (actor) did what (type, data) to which customer, when."""

    id = PrefixedIdField(prefix="evt")
    event_type = models.CharField(max_length=64, choices=EventType.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        related_name="events",
        blank=True,
        null=True,
        db_constraint=False,
        db_index=False,  # event_customer_id_idx (customer, id) serves every lookup by customer
    )
    data = models.JSONField()
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True, default="")
    actor_label = models.CharField(max_length=255, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Null until the dispatcher has fanned the event out into webhook deliveries.
    dispatched_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["customer", "id"], name="event_customer_id_idx"),
            models.Index(fields=["event_type", "id"], name="event_type_id_idx"),
            models.Index(fields=["id"], condition=Q(dispatched_at__isnull=True), name="event_undispatched_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.event_type}"


def generate_webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(32)


class WebhookEndpoint(TracksUpdates):
    """A URL that receives signed deliveries of the event types it subscribes to."""

    id = PrefixedIdField(prefix="ntfset")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=255, blank=True, default="")
    event_types = models.JSONField(default=list)
    # HMAC needs the secret itself, so it is kept (and shown only once, at creation).
    secret = models.CharField(max_length=128, default=generate_webhook_secret, editable=False)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(models.Model):
    """One event to one endpoint (a notification), with its retry schedule."""

    id = PrefixedIdField(prefix="ntf")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(blank=True, null=True)
    last_attempt_at = models.DateTimeField(blank=True, null=True)
    delivered_at = models.DateTimeField(blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="delivery_one_per_endpoint_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.id} {self.status}"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: what came back and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(auto_now_add=True)
    response_status = models.PositiveSmallIntegerField(blank=True, null=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} → {self.response_status or self.error}"


class OutboundEmailStatus(models.TextChoices):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboundEmail(models.Model):
    """One email, queued at most once per idempotency key and sent at most once (core/email/): the message as it was
    rendered when queued (subject, plain text and HTML), who it goes to, and its delivery state. Kept after sending,
    so it is the record of what a customer was sent. `customer_id` is a plain string: core knows no customers."""

    id = PrefixedIdField(prefix="eml")
    key = models.CharField(max_length=255, help_text="Idempotency key: one email per key, ever.")
    customer_id = models.CharField(max_length=64, blank=True, null=True)
    template = models.CharField(max_length=100)
    from_email = models.CharField(max_length=320)
    to = models.JSONField(help_text="Recipient addresses.")
    reply_to = models.JSONField(default=list, blank=True)
    # Extra header fields of the message ({"List-Unsubscribe": "<https://…>"}), sent as given.
    headers = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=16, choices=OutboundEmailStatus.choices, default=OutboundEmailStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    # When the next attempt is due (the first: when queued); null once sent or failed.
    next_attempt_at = models.DateTimeField(blank=True, null=True)
    # When its send task was last handed to the broker; null while no task is known to be on its way.
    dispatched_at = models.DateTimeField(blank=True, null=True)
    last_attempt_at = models.DateTimeField(blank=True, null=True)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who queued it (the email.sent event is recorded in their name).
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True, default="")
    actor_label = models.CharField(max_length=255, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="outbound_email_unique_key"),
            models.CheckConstraint(
                condition=Q(status__in=OutboundEmailStatus.values), name="outbound_email_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=OutboundEmailStatus.SENT, sent_at__isnull=False)
                | (~Q(status=OutboundEmailStatus.SENT) & Q(sent_at__isnull=True)),
                name="outbound_email_sent_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(status=OutboundEmailStatus.PENDING, next_attempt_at__isnull=False)
                | (~Q(status=OutboundEmailStatus.PENDING) & Q(next_attempt_at__isnull=True)),
                name="outbound_email_pending_has_next_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["customer_id", "id"], name="outbound_email_customer_idx"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=OutboundEmailStatus.PENDING),
                name="outbound_email_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.status} {self.key}"


class OutboundEmailAttachment(models.Model):
    """A file sent with an outbound email (a statement's PDF), stored with it when it is queued, so that every attempt
    sends the same bytes and the row stays the record of what was sent. Never on the wire: no prefixed id."""

    id = models.BigAutoField(primary_key=True)
    # Found through the unique (email, position) index: no index of its own (nor the `_like` one Django would add).
    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attachments", db_index=False)
    position = models.PositiveSmallIntegerField()
    file_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    class Meta:
        ordering = ["email", "position"]
        constraints = [
            models.UniqueConstraint(fields=["email", "position"], name="outbound_email_attachment_position"),
        ]

    def __str__(self) -> str:
        return f"{self.email_id} {self.file_name}"
