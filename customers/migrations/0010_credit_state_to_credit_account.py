"""The credit columns leave the customer row: credit/0005 copied them into each customer's credit account."""

from django.db import migrations

from core.migrations_utils import drop_pattern_ops_indexes

REMOVED_FIELDS = (
    "credit_check_requested_at",
    "credit_currency",
    "credit_status",
    "decline_code",
    "hold_code",
    "net_terms_enrolled_at",
    "net_terms_enrollment_expires_at",
    "net_terms_status",
)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_ein_digits_index"),
        ("credit", "0005_credit_account"),
    ]

    operations = [
        *(
            migrations.RemoveConstraint(model_name="customer", name=name)
            for name in (
                "customers_customer_credit_status_valid",
                "customers_customer_net_terms_status_valid",
                "customers_customer_decline_code_valid",
                "customers_customer_hold_code_valid",
                "customer_pending_credit_has_request_time",
            )
        ),
        *(
            migrations.RemoveIndex(model_name="customer", name=name)
            for name in ("customer_credit_status_id_idx", "customer_net_terms_status_idx", "customer_ein_digits_idx")
        ),
        *(migrations.RemoveField(model_name="customer", name=name) for name in REMOVED_FIELDS),
        # The "_like" index Django added beside the credit account's key (credit/0005: deferred to its end).
        drop_pattern_ops_indexes("credit"),
    ]
