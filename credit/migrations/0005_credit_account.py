"""Customers' credit state moves from the customer row to a credit account owned by credit (customers no longer
knows credit's vocabulary): the table is made, every customer that went through credit gets its account with the
same values, then customers/0010 drops the old columns."""

import re

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


CREDIT_FIELDS = (
    "credit_status",
    "credit_check_requested_at",
    "credit_currency",
    "decline_code",
    "hold_code",
    "net_terms_status",
    "net_terms_enrollment_expires_at",
    "net_terms_enrolled_at",
)


def accounts_from_customers(apps, schema_editor):
    customer_model = apps.get_model("customers", "Customer")
    account_model = apps.get_model("credit", "CreditAccount")
    batch = []
    rows = customer_model.objects.filter(credit_status__isnull=False).values("id", "ein", *CREDIT_FIELDS)
    for row in rows.iterator(chunk_size=2000):
        customer_id, ein = row.pop("id"), row.pop("ein")
        batch.append(account_model(customer_id=customer_id, ein_digits=re.sub(r"\D", "", ein or ""), **row))
        if len(batch) == 2000:
            account_model.objects.bulk_create(batch)
            batch = []
    account_model.objects.bulk_create(batch)


def customers_from_accounts(apps, schema_editor):
    customer_model = apps.get_model("customers", "Customer")
    account_model = apps.get_model("credit", "CreditAccount")
    for account in account_model.objects.iterator(chunk_size=2000):
        customer_model.objects.filter(pk=account.customer_id).update(
            **{name: getattr(account, name) for name in CREDIT_FIELDS}
        )


CHOICES = {
    "credit_status": ["pending", "approved", "declined", "hold", "deactivated"],
    "net_terms_status": ["pending_enrollment", "enrolled", "enrollment_expired"],
    "decline_code": [
        "thin_file",
        "email_verification_freemail",
        "email_verification_failed",
        "no_us_address",
        "failing_credit",
        "insufficient_business_history",
        "business_not_verified",
        "duplicate",
        "fraud",
        "other",
    ],
    "hold_code": ["past_due", "failed_payment", "requested_by_merchant", "fraud", "other"],
}


LABELS = {"no_us_address": "No US address"}


def _choices(name: str) -> list[tuple[str, str]]:
    return [(value, LABELS.get(value, value.replace("_", " ").title())) for value in CHOICES[name]]


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0004_decision_scorecard"),
        ("customers", "0009_ein_digits_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="creditdecision",
            name="decline_code",
            field=models.CharField(blank=True, choices=_choices("decline_code"), max_length=40, null=True),
        ),
        migrations.CreateModel(
            name="CreditAccount",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="credit_account",
                        serialize=False,
                        to="customers.customer",
                    ),
                ),
                ("credit_status", models.CharField(choices=_choices("credit_status"), max_length=16)),
                ("credit_check_requested_at", models.DateTimeField(blank=True, null=True)),
                (
                    "credit_currency",
                    models.CharField(
                        blank=True,
                        max_length=3,
                        null=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Z]{3}$", "Enter an ISO 4217 currency code, such as USD."
                            )
                        ],
                    ),
                ),
                ("decline_code", models.CharField(blank=True, choices=_choices("decline_code"), max_length=40, null=True)),
                ("hold_code", models.CharField(blank=True, choices=_choices("hold_code"), max_length=40, null=True)),
                (
                    "net_terms_status",
                    models.CharField(blank=True, choices=_choices("net_terms_status"), max_length=24, null=True),
                ),
                ("net_terms_enrollment_expires_at", models.DateTimeField(blank=True, null=True)),
                ("net_terms_enrolled_at", models.DateTimeField(blank=True, null=True)),
                ("ein_digits", models.CharField(blank=True, default="", max_length=20)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["customer_id"],
                "indexes": [
                    models.Index(fields=["credit_status", "customer"], name="credit_account_status_idx"),
                    models.Index(fields=["net_terms_status", "customer"], name="credit_account_net_terms_idx"),
                    models.Index(
                        condition=models.Q(("ein_digits", ""), _negated=True),
                        fields=["ein_digits"],
                        name="credit_account_ein_idx",
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("credit_status__in", CHOICES["credit_status"])),
                        name="credit_creditaccount_credit_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("net_terms_status__in", CHOICES["net_terms_status"]),
                            ("net_terms_status__isnull", True),
                            _connector="OR",
                        ),
                        name="credit_creditaccount_net_terms_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("decline_code__in", CHOICES["decline_code"]),
                            ("decline_code__isnull", True),
                            _connector="OR",
                        ),
                        name="credit_creditaccount_decline_code_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("hold_code__in", CHOICES["hold_code"]), ("hold_code__isnull", True), _connector="OR"
                        ),
                        name="credit_creditaccount_hold_code_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("credit_status", "pending"), _negated=True),
                            ("credit_check_requested_at__isnull", False),
                            _connector="OR",
                        ),
                        name="credit_account_pending_has_request_time",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("credit_status", "hold"), _negated=True),
                            ("hold_code__isnull", False),
                            _connector="OR",
                        ),
                        name="credit_account_hold_has_code",
                    ),
                ],
            },
        ),
        migrations.RunPython(accounts_from_customers, customers_from_accounts, elidable=True),
    ]
