"""The buyer portal's own records: single-use sign-in links and the browser sessions they open. Tokens are never
stored, only their SHA-256 (a token is 256 random bits, so a fast hash is enough: there is nothing to guess)."""

import hashlib

from django.db import models
from django.db.models import Q

from core.constraints import choices_check
from core.ids import PrefixedIdField
from core.models import ActorType
from customers.models import Customer, CustomerUser


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PortalLinkSource(models.TextChoices):
    EMAIL = "email"  # asked for on the sign-in page, emailed to the user
    API = "api"  # made by an API client (POST /customers/{id}/portal-sessions), handed over by the merchant's app


class PortalLink(models.Model):
    """A single-use link that signs into the portal: for one customer, and for one of its users or (made through
    the API without `customer_user_id`) for the company. Used once (`used_at`), or never after `expires_at`. The API
    calls it a customer portal session, Paddle's name, hence the `cpls_` id."""

    id = PrefixedIdField(prefix="cpls")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="portal_links")
    customer_user = models.ForeignKey(
        CustomerUser, on_delete=models.PROTECT, related_name="portal_links", blank=True, null=True
    )
    source = models.CharField(max_length=8, choices=PortalLinkSource.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(blank=True, null=True)
    # Who made it: the system (a sign-in request) or an API client.
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            choices_check("source", PortalLinkSource, nullable=False),
            choices_check("actor_type", ActorType, nullable=False),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="portal_link_expires"),
            # A link from the sign-in page is always a person's.
            models.CheckConstraint(
                condition=~Q(source="email") | Q(customer_user__isnull=False), name="portal_link_email_has_user"
            ),
        ]
        indexes = [models.Index(fields=["customer", "id"], name="portal_link_customer_idx")]

    def __str__(self) -> str:
        return f"{self.id} ({self.source})"


class PortalSession(models.Model):
    """A browser signed into the portal: the cookie holds a token whose hash is `token_hash`. It ends at
    `expires_at` (absolute), after PORTAL_SESSION_IDLE_SECONDS without a request (`last_seen_at`), when revoked (sign
    out), or when its customer is archived or its user no longer active."""

    id = PrefixedIdField(prefix="pss")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="portal_sessions")
    customer_user = models.ForeignKey(
        CustomerUser, on_delete=models.PROTECT, related_name="portal_sessions", blank=True, null=True
    )
    link = models.OneToOneField(PortalLink, on_delete=models.PROTECT, related_name="session")
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["customer", "id"], name="portal_session_customer_idx")]

    def __str__(self) -> str:
        return f"{self.id} ({self.customer_id})"
