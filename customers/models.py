"""Business customers, the people who buy on their credit line, their stored payment methods, and bulk imports.

The customers domain knows nothing of credit: a customer's credit account lives in credit (credit.models), which
adds its fields to the customer's wire shape and filters through customers.extensions. `Terms` stays here: the
payment terms a customer buys on (`default_terms`) are part of its profile, written with it through the customers
API and imports; credit reads them to date what is due. Imports: core only."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from core.constraints import choices_check
from core.countries import validate_country_code
from core.ids import PrefixedIdField
from core.jsondoc import validate_json_document
from core.models import TracksUpdates, UpdatedAtQuerySet
from core.validation import EmailField


class CustomerStatus(models.TextChoices):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Terms(models.TextChoices):
    NET7 = "net7"
    NET10 = "net10"
    NET10_EOM = "net10_eom"
    NET15 = "net15"
    NET30 = "net30"
    NET45 = "net45"
    NET60 = "net60"
    NET75 = "net75"
    NET90 = "net90"
    NET120 = "net120"
    NET180 = "net180"

    @classmethod
    def days(cls, value: str) -> int:
        return int(value.removeprefix("net").removesuffix("_eom"))


# The postal address, in the order people write it: forms, exports, the admin and the wire list it by this name.
ADDRESS_FIELDS = ("street_address", "sub_premise", "city", "state", "postal_code", "country")


class CustomerQuerySet(UpdatedAtQuerySet):
    # core.pagination reads a page's ids first (one narrow query the planner can answer from an index alone), then
    # the rows: a search for a common word then walks the covering index in id order until the page is full
    # (customers 0017), a cost that does not grow with the table, where fetching each candidate's row did.
    page_ids_first = True


class Customer(TracksUpdates):
    """A business (or sole trader) we sell to on net terms; the root of everything else in the back office."""

    objects = CustomerQuerySet.as_manager()

    id = PrefixedIdField(prefix="ctm")
    email = EmailField(max_length=254)
    name = models.CharField(max_length=255, blank=True, default="")
    legal_name = models.CharField(max_length=255, blank=True, default="")
    locale = models.CharField(max_length=16, default="en")
    external_id = models.CharField(max_length=255, blank=True, null=True)
    ein = models.CharField("EIN", max_length=20, blank=True, default="")
    street_address = models.CharField(max_length=255, blank=True, default="")
    sub_premise = models.CharField(max_length=255, blank=True, default="")
    city = models.CharField(max_length=255, blank=True, default="")
    state = models.CharField(max_length=255, blank=True, default="")
    postal_code = models.CharField(max_length=32, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="", validators=[validate_country_code])
    default_terms = models.CharField(max_length=16, choices=Terms.choices, blank=True, null=True)
    marketing_consent = models.BooleanField(default=False)
    # Documents the client writes: bounded and storable (core.jsondoc), whichever way they arrive.
    custom_data = models.JSONField(blank=True, null=True, validators=[validate_json_document])
    import_meta = models.JSONField(blank=True, null=True, validators=[validate_json_document])

    status = models.CharField(max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    archived_at = models.DateTimeField(blank=True, null=True)

    # Lower-cased name, legal name, email, external id and id: one column that one trigram index can serve.
    search_document = models.TextField(editable=False, default="")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(status="active"),
                name="customer_email_unique_among_active",
                violation_error_message="A customer with this email already exists.",
            ),
            choices_check("status", CustomerStatus, nullable=False),
            choices_check("default_terms", Terms, nullable=True),
            models.CheckConstraint(
                condition=Q(status="archived", archived_at__isnull=False)
                | Q(status="active", archived_at__isnull=True),
                name="customer_archived_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "id"], name="customer_status_id_idx"),
            # Emails are stored lower-cased, so the `email` filter compares the plain column.
            models.Index(fields=["email"], name="customer_email_idx"),
            models.Index(fields=["external_id"], name="customer_external_id_idx"),
            # Keyset orderings: (sort key, id).
            models.Index(fields=["name", "id"], name="customer_name_id_idx"),
            models.Index(fields=["created_at", "id"], name="customer_created_id_idx"),
            models.Index(fields=["updated_at", "id"], name="customer_updated_id_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.legal_name or self.email

    def save(self, *args, **kwargs):
        self.normalise()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_document"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.country:
            self.country = self.country.upper()

    def normalise(self) -> None:
        """Derived columns, kept in step on every save (bulk inserts call it themselves)."""
        self.email = (self.email or "").strip().lower()
        self.search_document = " ".join(
            part.lower() for part in (self.name, self.legal_name, self.email, self.external_id or "", self.id) if part
        )

    @property
    def is_archived(self) -> bool:
        return self.status == CustomerStatus.ARCHIVED


class CustomerUserStatus(models.TextChoices):
    ACTIVE = "active"
    ARCHIVED = "archived"


class CustomerUserRole(models.TextChoices):
    """What a customer user may do in the buyer portal: an admin also invites and removes the company's users."""

    ADMIN = "admin"
    MEMBER = "member"


class CustomerUser(TracksUpdates):
    """A person with access to a customer account who may buy on its credit line."""

    id = PrefixedIdField(prefix="ctu")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="users")
    email = EmailField(max_length=254)
    first_name = models.CharField(max_length=150, blank=True, default="")
    last_name = models.CharField(max_length=150, blank=True, default="")
    status = models.CharField(max_length=16, choices=CustomerUserStatus.choices, default=CustomerUserStatus.ACTIVE)
    # Whether payment reminders are emailed to this user (they opt out through a link in every reminder). Hold and
    # reinstatement notices are sent whatever it says: they change what the company can do.
    payment_reminders = models.BooleanField(
        default=True, verbose_name="Email payment reminders", help_text="Before and after a purchase is due."
    )
    # Not given on create: admin when the customer has no active admin yet, else member (customers.services.users).
    role = models.CharField(max_length=16, choices=CustomerUserRole.choices, default=CustomerUserRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                "customer",
                Lower("email"),
                name="customer_user_email_unique_per_customer",
                violation_error_message="This customer already has a user with this email.",
            ),
            choices_check("status", CustomerUserStatus, nullable=False),
            choices_check("role", CustomerUserRole, nullable=False),
            # The keyset index of a customer's user list, and what a purchase's buyer references with its customer
            # (credit's composite foreign key keeps a buyer within the customer that bought).
            models.UniqueConstraint(fields=["customer", "id"], name="customer_user_customer_id_key"),
        ]

    def __str__(self) -> str:
        full_name = f"{self.first_name} {self.last_name}".strip()
        return f"{full_name} <{self.email}>" if full_name else self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class PaymentMethodType(models.TextChoices):
    CARD = "card"
    BANK_ACCOUNT = "bank_account"


class BankAccountType(models.TextChoices):
    ACH = "ach"
    PAD = "pad"
    EFT = "eft"


last4_validator = RegexValidator(r"^\d{4}$", "Enter exactly the last four digits.")


class PaymentMethod(TracksUpdates):
    """A tokenised card or bank account. Only the provider's token and display fields are ever stored."""

    id = PrefixedIdField(prefix="paymtd")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payment_methods")
    type = models.CharField(max_length=16, choices=PaymentMethodType.choices)
    provider = models.CharField(max_length=64, blank=True, default="")
    provider_token = models.CharField(max_length=255)
    last4 = models.CharField(max_length=4, validators=[last4_validator])
    card_brand = models.CharField(max_length=32, blank=True, default="")
    exp_month = models.PositiveSmallIntegerField(
        blank=True, null=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    exp_year = models.PositiveSmallIntegerField(
        blank=True, null=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    bank_account_type = models.CharField(max_length=8, choices=BankAccountType.choices, blank=True, null=True)
    bank_name = models.CharField(max_length=255, blank=True, default="")
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_default=True),
                name="payment_method_one_default_per_customer",
                violation_error_message="This customer already has a default payment method.",
            ),
            choices_check("type", PaymentMethodType, nullable=False),
            choices_check("bank_account_type", BankAccountType, nullable=True),
            models.CheckConstraint(
                condition=Q(
                    type="card",
                    exp_month__gte=1,
                    exp_month__lte=12,
                    exp_year__isnull=False,
                    bank_account_type__isnull=True,
                )
                | Q(
                    type="bank_account", bank_account_type__isnull=False, exp_month__isnull=True, exp_year__isnull=True
                ),
                name="payment_method_fields_match_type",
            ),
        ]
        indexes = [models.Index(fields=["customer", "id"], name="payment_method_customer_id_idx")]

    def __str__(self) -> str:
        if self.type == PaymentMethodType.CARD:
            return f"{self.card_brand or 'card'} •••• {self.last4}"
        return f"{self.bank_account_type or 'bank'} •••• {self.last4}"

    def clean(self):
        super().clean()
        if self.type == PaymentMethodType.CARD and (self.exp_month is None or self.exp_year is None):
            raise ValidationError({"exp_month": "Cards need an expiry month and year."})
        if self.type == PaymentMethodType.BANK_ACCOUNT and not self.bank_account_type:
            raise ValidationError({"bank_account_type": "Bank accounts need a type: ach, pad or eft."})


class CustomerImportStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class CustomerImport(models.Model):
    """A bulk CSV import of customers, run in batches of rows by Celery tasks (one per part of the file, so several
    workers can share a large file).

    The file is kept in the row rather than on a disk that a worker on another host might not see. The counters move
    in the same transaction as each batch, so progress is exact and a retried task resumes after the last finished
    batch instead of importing it twice."""

    id = PrefixedIdField(prefix="cim")
    file_name = models.CharField(max_length=255)
    content = models.TextField()
    status = models.CharField(max_length=16, choices=CustomerImportStatus.choices, default=CustomerImportStatus.PENDING)
    total_rows = models.PositiveIntegerField()
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True, default="", help_text="Why the whole import stopped, if it did.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, blank=True, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When its task was last handed to the broker (none yet: the broker was down); the sweep uses it.
    dispatched_at = models.DateTimeField(blank=True, null=True)
    started_at = models.DateTimeField(blank=True, null=True)
    finished_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            choices_check("status", CustomerImportStatus, nullable=False),
            models.CheckConstraint(
                condition=Q(processed_rows__lte=F("total_rows")), name="customer_import_processed_lte_total"
            ),
            models.CheckConstraint(
                condition=Q(processed_rows=F("created_count") + F("error_count")),
                name="customer_import_counters_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def percent(self) -> int:
        """Whole percent of rows processed; an empty file is complete once the task has looked at it."""
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return self.processed_rows * 100 // self.total_rows

    @property
    def is_finished(self) -> bool:
        return self.status in {CustomerImportStatus.COMPLETED, CustomerImportStatus.FAILED}

    @property
    def outcome(self) -> str:
        """The status as people read it: a completed import some of whose rows were refused is
        `completed_with_errors`, never a plain (green) `completed`."""
        if self.status == CustomerImportStatus.COMPLETED and self.error_count:
            return "completed_with_errors"
        return self.status


class CustomerImportPart(TracksUpdates):
    """A contiguous range of an import's rows, imported in order by one task at a time. Its `processed_rows` moves in
    the same transaction as each of its batches (and the import's counters), so a retried part resumes after its last
    finished batch, whatever the other parts are doing."""

    customer_import = models.ForeignKey(CustomerImport, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveSmallIntegerField()
    first_row = models.PositiveIntegerField(help_text="Index of its first data row in the file (0 is line 2).")
    row_count = models.PositiveIntegerField()
    processed_rows = models.PositiveIntegerField(default=0)
    # Moves with each batch: a running import none of whose parts moved for a while has lost its tasks (the sweep).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer_import", "number"]
        constraints = [
            models.UniqueConstraint(fields=["customer_import", "number"], name="customer_import_part_unique_number"),
            models.CheckConstraint(
                condition=Q(processed_rows__lte=F("row_count")), name="customer_import_part_processed_lte_rows"
            ),
        ]

    def __str__(self) -> str:
        return f"part {self.number} of {self.customer_import_id}"

    @property
    def is_done(self) -> bool:
        return self.processed_rows >= self.row_count


class CustomerImportRowError(models.Model):
    """Why one row of an import was not imported (one per failing field). The row's customer was never saved."""

    customer_import = models.ForeignKey(CustomerImport, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(help_text="Line number in the file; the header is line 1.")
    field = models.CharField(max_length=64, blank=True, default="")
    message = models.TextField()

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["customer_import", "line"], name="customer_import_error_line_idx")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.field or 'row'}: {self.message}"
