"""Credit: checks and decisions, per-currency balances and the append-only ledger behind them, and purchases on
credit. Every balance movement is one ledger row written in the same transaction as the balance update."""

import re

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.constraints import choices_check
from core.ids import PrefixedIdField
from core.models import ActorType, TracksUpdates
from core.money import validate_currency_code
from credit.vocabulary import CreditStatus, DeclineCode, HoldCode, NetTermsStatus
from customers.models import Customer, CustomerUser, Terms


def ein_digits(ein: str) -> str:
    """An EIN as credit compares it: its digits only ("12-3456789" and "123456789" are the same business)."""
    return re.sub(r"\D", "", ein or "")


# The credit account's state as people see it (customer lists select these onto each customer under these names,
# the admin shows them).
ACCOUNT_FIELDS = (
    "credit_status",
    "credit_check_requested_at",
    "credit_currency",
    "decline_code",
    "hold_code",
    "net_terms_status",
    "net_terms_enrollment_expires_at",
    "net_terms_enrolled_at",
)


class CreditAccount(TracksUpdates):
    """A customer's credit account: where it stands with credit (status and its decline or hold code), its credit
    currency and its net-terms enrollment. Made when the customer first goes through credit (a credit check is
    requested, or a direct application approved), so a customer without one has never been credit checked. Its
    balances are `CreditBalance` rows, one per currency."""

    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, primary_key=True, related_name="credit_account")
    credit_status = models.CharField(max_length=16, choices=CreditStatus.choices)
    credit_check_requested_at = models.DateTimeField(blank=True, null=True)
    credit_currency = models.CharField(max_length=3, blank=True, null=True, validators=[validate_currency_code])
    decline_code = models.CharField(max_length=40, choices=DeclineCode.choices, blank=True, null=True)
    hold_code = models.CharField(max_length=40, choices=HoldCode.choices, blank=True, null=True)
    net_terms_status = models.CharField(max_length=24, choices=NetTermsStatus.choices, blank=True, null=True)
    net_terms_enrollment_expires_at = models.DateTimeField(blank=True, null=True)
    net_terms_enrolled_at = models.DateTimeField(blank=True, null=True)
    # The customer's EIN without dashes and spaces, as it is now: what the engine compares to find another business
    # with the same EIN among those that went through credit (customers.services tells credit when an EIN changes).
    ein_digits = models.CharField(max_length=20, blank=True, default="")
    # The member of staff who chases this customer for what it owes (credit.services.collections_owner_set): the
    # collections worklist filters on it. Cleared, not refused, if that user is ever deleted.
    collections_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, blank=True, null=True, related_name="+", db_index=False
    )
    # The due date of the customer's oldest purchase still owed (completed, not fully repaid), in any currency; None
    # when nothing is owed. Kept in step by completing and repaying purchases (credit.services.transactions), so the
    # customer list sorts by days past due without reading the purchases.
    oldest_unpaid_due_at = models.DateTimeField(blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer_id"]
        constraints = [
            choices_check("credit_status", CreditStatus, nullable=False),
            choices_check("net_terms_status", NetTermsStatus, nullable=True),
            choices_check("decline_code", DeclineCode, nullable=True),
            choices_check("hold_code", HoldCode, nullable=True),
            models.CheckConstraint(
                condition=~Q(credit_status="pending") | Q(credit_check_requested_at__isnull=False),
                name="credit_account_pending_has_request_time",
            ),
            models.CheckConstraint(
                condition=~Q(credit_status="hold") | Q(hold_code__isnull=False), name="credit_account_hold_has_code"
            ),
        ]
        indexes = [
            # The customer list's credit filters, in keyset order.
            models.Index(fields=["credit_status", "customer"], name="credit_account_status_idx"),
            models.Index(fields=["net_terms_status", "customer"], name="credit_account_net_terms_idx"),
            models.Index(fields=["ein_digits"], name="credit_account_ein_idx", condition=~Q(ein_digits="")),
            # The worklist's owner filter.
            models.Index(
                fields=["collections_owner", "customer"],
                name="credit_account_owner_idx",
                condition=Q(collections_owner__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ({self.credit_status})"


class CreditCheckStatus(models.TextChoices):
    PENDING = "pending"  # waiting for the decision engine
    IN_REVIEW = "in_review"  # referred to a credit officer
    APPROVED = "approved"
    DECLINED = "declined"


class CreditCheck(models.Model):
    """A requested credit check: what was asked, what the engine saw, and where it stands. One per customer."""

    id = PrefixedIdField(prefix="crc")
    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="credit_check")
    amount_requested = models.BigIntegerField()
    currency_code = models.CharField(max_length=3, default="USD", validators=[validate_currency_code])
    has_purchase_history = models.BooleanField()
    has_purchase_terms_history = models.BooleanField(blank=True, null=True)
    business_description = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=16, choices=CreditCheckStatus.choices, default=CreditCheckStatus.PENDING)
    score = models.IntegerField(blank=True, null=True)
    # What the API says: the scorecard's rules and conclusion as strings, or why the check was referred without one.
    reasons = models.JSONField(default=list, blank=True)
    # The decision provider's evaluation as data (credit.engine.Scorecard.to_json()); None until it has run.
    scorecard = models.JSONField(blank=True, null=True)
    inputs = models.JSONField(default=dict, blank=True)
    requested_by_type = models.CharField(max_length=16, choices=ActorType.choices, default=ActorType.SYSTEM)
    requested_by_id = models.CharField(max_length=64, blank=True, default="")
    requested_at = models.DateTimeField(auto_now_add=True)
    # Set each time the decision task is handed to the broker; the sweep re-dispatches stale pending checks.
    dispatched_at = models.DateTimeField(blank=True, null=True)
    dispatch_count = models.PositiveIntegerField(default=0)
    referred_at = models.DateTimeField(blank=True, null=True)
    decided_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gte=1), name="credit_check_amount_positive"),
            choices_check("status", CreditCheckStatus, nullable=False),
            models.CheckConstraint(
                condition=Q(status__in=["approved", "declined"], decided_at__isnull=False)
                | Q(status__in=["pending", "in_review"], decided_at__isnull=True),
                name="credit_check_decided_at_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="credit_check_status_idx")]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


class DecisionType(models.TextChoices):
    APPROVED = "approved"
    DECLINED = "declined"
    HOLD = "hold"
    REINSTATE = "reinstate"
    LINE_ADJUSTMENT = "line_adjustment"
    DEACTIVATE = "deactivate"


class CreditDecision(models.Model):
    """One decision about a customer's credit, by the engine or a credit officer. Kept forever as history."""

    id = PrefixedIdField(prefix="cdc")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_decisions")
    credit_check = models.ForeignKey(
        CreditCheck, on_delete=models.PROTECT, related_name="decisions", blank=True, null=True
    )
    decision = models.CharField(max_length=24, choices=DecisionType.choices)
    amount = models.BigIntegerField(blank=True, null=True)
    currency_code = models.CharField(max_length=3, blank=True, null=True, validators=[validate_currency_code])
    default_terms = models.CharField(max_length=16, choices=Terms.choices, blank=True, null=True)
    decline_code = models.CharField(max_length=40, choices=DeclineCode.choices, blank=True, null=True)
    hold_code = models.CharField(max_length=40, choices=HoldCode.choices, blank=True, null=True)
    reasons = models.JSONField(default=list, blank=True)
    score = models.IntegerField(blank=True, null=True)
    # The engine's evaluation as data (credit.engine.Scorecard.to_json()); None for a person's decision.
    scorecard = models.JSONField(blank=True, null=True)
    inputs = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True, default="")
    decided_by_type = models.CharField(max_length=16, choices=ActorType.choices)
    decided_by_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            choices_check("decision", DecisionType, nullable=False),
            choices_check("decided_by_type", ActorType, nullable=False),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="decision_amount_gte_0"),
            models.CheckConstraint(
                condition=~Q(decision="declined") | Q(decline_code__isnull=False), name="decision_decline_has_code"
            ),
            models.CheckConstraint(
                condition=~Q(decision="hold") | Q(hold_code__isnull=False), name="decision_hold_has_code"
            ),
        ]
        indexes = [models.Index(fields=["customer", "id"], name="credit_decision_customer_idx")]

    def __str__(self) -> str:
        return f"{self.id} {self.decision}"


class CreditBalance(TracksUpdates):
    """One customer's credit in one currency. A projection of its ledger; the database refuses negative buckets."""

    id = PrefixedIdField(prefix="crb")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_balances")
    currency_code = models.CharField(max_length=3, validators=[validate_currency_code])
    available = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    used = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer_id", "currency_code"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "currency_code"], name="credit_balance_one_per_currency"),
            models.CheckConstraint(condition=Q(available__gte=0), name="credit_balance_available_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="credit_balance_reserved_gte_0"),
            models.CheckConstraint(condition=Q(used__gte=0), name="credit_balance_used_gte_0"),
        ]
        indexes = [
            # The dashboard's top exposures: per currency, the balances with the most credit used.
            models.Index(
                fields=["currency_code", "-used", "customer"],
                condition=Q(used__gt=0),
                name="credit_balance_top_used_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.currency_code}"

    @property
    def credit_limit(self) -> int:
        """Movements between buckets conserve the total, so the line is always their sum."""
        return self.available + self.reserved + self.used

    def is_open_line(self, credit_currency: str | None) -> bool:
        """A line a credit officer can adjust: the credit currency's (always), or another currency's granted and not
        closed (a line above zero). A balance left at zero by a close is a closed line: granted again, not adjusted."""
        return self.currency_code == credit_currency or self.is_other_currency_line(credit_currency)

    def is_other_currency_line(self, credit_currency: str | None) -> bool:
        """An open line beside the credit currency's: one a credit officer may close."""
        return self.currency_code != credit_currency and self.credit_limit > 0


class LedgerEntryType(models.TextChoices):
    GRANT = "grant"  # +available (approval)
    LINE_ADJUSTMENT = "line_adjustment"  # ±available (staff)
    RESERVE = "reserve"  # available → reserved (transaction billed)
    RELEASE = "release"  # reserved → available (transaction canceled)
    USE = "use"  # reserved → used (transaction completed)
    REPAYMENT = "repayment"  # used → available


class CreditLedgerEntry(models.Model):
    """An append-only record of one balance movement. Never updated or deleted (a database trigger on PostgreSQL
    refuses it); each balance equals the sum of its entries' deltas."""

    id = PrefixedIdField(prefix="cle")
    balance = models.ForeignKey(CreditBalance, on_delete=models.PROTECT, related_name="entries")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="ledger_entries")
    currency_code = models.CharField(max_length=3)
    entry_type = models.CharField(max_length=24, choices=LedgerEntryType.choices)
    amount = models.BigIntegerField()
    delta_available = models.BigIntegerField()
    delta_reserved = models.BigIntegerField()
    delta_used = models.BigIntegerField()
    available_after = models.BigIntegerField()
    reserved_after = models.BigIntegerField()
    used_after = models.BigIntegerField()
    transaction = models.ForeignKey(
        "CreditTransaction", on_delete=models.PROTECT, related_name="ledger_entries", blank=True, null=True
    )
    decision = models.ForeignKey(
        CreditDecision, on_delete=models.PROTECT, related_name="ledger_entries", blank=True, null=True
    )
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "credit ledger entries"
        constraints = [
            choices_check("entry_type", LedgerEntryType, nullable=False),
            choices_check("actor_type", ActorType, nullable=False),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_nonzero"),
            models.CheckConstraint(
                condition=Q(available_after__gte=0, reserved_after__gte=0, used_after__gte=0),
                name="ledger_after_gte_0",
            ),
            # Each type moves money between exactly the buckets it names, by exactly `amount`.
            models.CheckConstraint(
                condition=(
                    Q(entry_type="grant", amount__gt=0, delta_available=F("amount"), delta_reserved=0, delta_used=0)
                    | Q(entry_type="line_adjustment", delta_available=F("amount"), delta_reserved=0, delta_used=0)
                    | Q(
                        entry_type="reserve",
                        amount__gt=0,
                        delta_available=-F("amount"),
                        delta_reserved=F("amount"),
                        delta_used=0,
                    )
                    | Q(
                        entry_type="release",
                        amount__gt=0,
                        delta_available=F("amount"),
                        delta_reserved=-F("amount"),
                        delta_used=0,
                    )
                    | Q(
                        entry_type="use",
                        amount__gt=0,
                        delta_available=0,
                        delta_reserved=-F("amount"),
                        delta_used=F("amount"),
                    )
                    | Q(
                        entry_type="repayment",
                        amount__gt=0,
                        delta_available=F("amount"),
                        delta_reserved=0,
                        delta_used=-F("amount"),
                    )
                ),
                name="ledger_deltas_match_type",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "id"], name="ledger_customer_id_idx"),
            models.Index(fields=["balance", "id"], name="ledger_balance_id_idx"),
            # The dashboard's credit used by day (credit.dashboard.credit_used_by_day): only the entries that move
            # used credit (uses, repayments), by creation time, carrying what the sum and the partitions' id bound
            # need (an index-only scan on PostgreSQL, per month partition).
            models.Index(
                # Key columns rather than INCLUDE, which SQLite (the embedded default) does not know.
                fields=["created_at", "currency_code", "delta_used", "id"],
                condition=~Q(delta_used=0),
                name="ledger_used_moves_idx",
            ),
            # What a customer repaid in a currency since a moment (a promise's note: with_promise_status): only those
            # entries read, however many purchases the customer has.
            models.Index(
                fields=["customer", "currency_code", "created_at"],
                condition=Q(entry_type="repayment"),
                name="ledger_repayment_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.entry_type} {self.amount} {self.currency_code}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only.")


class CreditTransactionStatus(models.TextChoices):
    BILLED = "billed"
    COMPLETED = "completed"
    CANCELED = "canceled"


# Completed and not fully repaid: what credit.selectors calls outstanding (the indexes below cover exactly these).
OUTSTANDING = Q(status="completed", amount_repaid__lt=F("amount"))


class CreditTransaction(TracksUpdates):
    """A purchase on credit: billed (reserves credit) → completed (used, due by the terms) or canceled."""

    id = PrefixedIdField(prefix="ctx")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_transactions")
    balance = models.ForeignKey(CreditBalance, on_delete=models.PROTECT, related_name="transactions")
    # Who bought: one of the customer's users, when the caller says. On PostgreSQL a composite foreign key
    # (credit_tx_buyer_of_customer, migration 0007) refuses a user of another customer even if code is bypassed.
    customer_user = models.ForeignKey(
        CustomerUser, on_delete=models.PROTECT, related_name="credit_transactions", blank=True, null=True
    )
    currency_code = models.CharField(max_length=3)
    amount = models.BigIntegerField()
    amount_repaid = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=CreditTransactionStatus.choices, default=CreditTransactionStatus.BILLED
    )
    reference = models.CharField(max_length=255, blank=True, default="")
    description = models.CharField(max_length=1000, blank=True, default="")
    terms = models.CharField(max_length=16, choices=Terms.choices, blank=True, null=True)
    # When the purchase was invoiced: now, or earlier for an invoice imported from an ERP (created_at is when it
    # was recorded here).
    billed_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(blank=True, null=True)
    canceled_at = models.DateTimeField(blank=True, null=True)
    due_at = models.DateTimeField(blank=True, null=True)
    repaid_at = models.DateTimeField(blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            choices_check("status", CreditTransactionStatus, nullable=False),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_tx_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_repaid__gte=0, amount_repaid__lte=F("amount")), name="credit_tx_repaid_in_range"
            ),
            models.CheckConstraint(
                condition=Q(amount_repaid=0) | Q(status="completed"), name="credit_tx_repaid_only_when_completed"
            ),
            models.CheckConstraint(
                condition=Q(status="billed", completed_at__isnull=True, canceled_at__isnull=True)
                | Q(status="completed", completed_at__isnull=False, due_at__isnull=False, canceled_at__isnull=True)
                | Q(status="canceled", canceled_at__isnull=False, completed_at__isnull=True),
                name="credit_tx_timestamps_match_status",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "id"], name="credit_tx_customer_id_idx"),
            models.Index(fields=["status", "due_at"], name="credit_tx_status_due_idx"),
            # A customer's purchases still owed, oldest due first: what CreditAccount.oldest_unpaid_due_at is.
            models.Index(
                fields=["customer", "due_at"],
                name="credit_tx_unpaid_due_idx",
                condition=Q(status="completed", amount_repaid__lt=F("amount")),
            ),
            # The purchases still owed (a fraction of all of them), in the collections worklist's orders: by due date
            # and by what is outstanding, each with the id that breaks ties in a keyset page.
            models.Index(fields=["due_at", "id"], condition=OUTSTANDING, name="credit_tx_owed_due_idx"),
            models.Index(
                F("amount") - F("amount_repaid"), "id", condition=OUTSTANDING, name="credit_tx_owed_amount_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.amount} {self.currency_code} {self.status}"

    @property
    def amount_outstanding(self) -> int:
        return self.amount - self.amount_repaid if self.status == CreditTransactionStatus.COMPLETED else 0


class CreditRepayment(models.Model):
    """A repayment against a completed credit transaction: used → available."""

    id = PrefixedIdField(prefix="rpy")
    transaction = models.ForeignKey(CreditTransaction, on_delete=models.PROTECT, related_name="repayments")
    amount = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="credit_repayment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.id} {self.amount}"


class CustomerNote(models.Model):
    """A record of contact with a customer about what it owes (a call, an email), by a member of staff: the text, an
    optional promise to pay (amount, currency, date) and an optional date to follow up. Kept for ever as history;
    whether a promise was kept is read from the repayments since (credit.selectors.with_promise_status)."""

    id = PrefixedIdField(prefix="cnt")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(max_length=2000)
    author_type = models.CharField(max_length=16, choices=ActorType.choices)
    author_id = models.CharField(max_length=64, blank=True, default="")
    # Who wrote it, as named when it was written (a username, an API client's name).
    author_label = models.CharField(max_length=255, blank=True, default="")
    promised_amount = models.BigIntegerField(blank=True, null=True)
    promised_currency = models.CharField(max_length=3, blank=True, null=True, validators=[validate_currency_code])
    promised_on = models.DateField(blank=True, null=True)
    follow_up_on = models.DateField(blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            choices_check("author_type", ActorType, nullable=False),
            # A promise is an amount, its currency and a date, or nothing at all.
            models.CheckConstraint(
                condition=Q(promised_amount__isnull=True, promised_currency__isnull=True, promised_on__isnull=True)
                | Q(promised_amount__gt=0, promised_currency__isnull=False, promised_on__isnull=False),
                name="customer_note_promise_whole",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "id"], name="customer_note_customer_idx"),
            models.Index(
                fields=["follow_up_on"], name="customer_note_follow_up_idx", condition=Q(follow_up_on__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} on {self.customer_id}"
