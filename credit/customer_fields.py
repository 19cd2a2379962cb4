"""What credit adds to every customer (customers.extensions): the credit fields of the customer's wire shape (its
credit account's status and codes, the line and balance in its credit currency, its net-terms enrollment and link),
the customer list's credit filters, and keeping the account's copy of the EIN in step. Registered by
credit.apps.CreditConfig.ready. Imports: core, customers, and the credit domain modules below it."""

from collections.abc import Collection
from datetime import UTC, datetime

from django.db.models import BigIntegerField, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from core.filters import ChoiceInFilter
from core.formatting import rfc3339
from core.money import format_wire
from credit.enrollment import enrollment_url
from credit.models import ACCOUNT_FIELDS, CreditAccount, CreditBalance, ein_digits
from credit.vocabulary import CreditStatus, NetTermsStatus
from customers.extensions import CustomerOrdering
from customers.models import Customer

BALANCE_FIELDS = ("credit_available", "credit_reserved", "credit_used")


class CreditCustomerFields:
    """The credit extension of customers (see customers.extensions for the contract)."""

    filters = {
        "credit_status": ChoiceInFilter(
            field_name="credit_account__credit_status", choices=CreditStatus.choices, help_text="Comma-separated."
        ),
        "net_terms_status": ChoiceInFilter(
            field_name="credit_account__net_terms_status", choices=NetTermsStatus.choices, help_text="Comma-separated."
        ),
    }

    orderings = {
        "exposure": CustomerOrdering(
            annotate=lambda queryset: queryset.alias(**_primary_balance()).annotate(exposure=_USED),
            choices=(("exposure[DESC]", "Largest exposure"), ("exposure[ASC]", "Smallest exposure")),
            first="DESC",
        ),
        "utilisation": CustomerOrdering(
            annotate=lambda queryset: queryset.alias(**_primary_balance()).annotate(utilisation=_UTILISATION),
            choices=(("utilisation[DESC]", "Most of the line used"), ("utilisation[ASC]", "Least of the line used")),
            first="DESC",
        ),
        "oldest_due_at": CustomerOrdering(
            annotate=lambda queryset: queryset.annotate(
                oldest_due_at=Coalesce(F("credit_account__oldest_unpaid_due_at"), Value(NOTHING_DUE))
            ),
            choices=(("oldest_due_at[ASC]", "Most days past due"), ("oldest_due_at[DESC]", "Fewest days past due")),
            first="ASC",
        ),
    }

    def load(self, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
        """One LEFT JOIN for the account's columns; the balance in the credit currency by correlated subqueries,
        evaluated for the rows of a page only."""
        balance = CreditBalance.objects.filter(
            customer_id=OuterRef("pk"), currency_code=OuterRef("credit_account__credit_currency")
        )
        return queryset.annotate(
            **{name: F(f"credit_account__{name}") for name in ACCOUNT_FIELDS},
            oldest_unpaid_due_at=F("credit_account__oldest_unpaid_due_at"),
            **{name: Subquery(balance.values(name.removeprefix("credit_"))[:1]) for name in BALANCE_FIELDS},
        )

    def fields(self, customer: Customer) -> dict:
        return credit_fields(
            account={name: getattr(customer, name) for name in ACCOUNT_FIELDS},
            customer_id=customer.id,
            balance=tuple(getattr(customer, name) for name in BALANCE_FIELDS),
        )

    def empty(self) -> dict:
        return credit_fields(account=None, customer_id="", balance=(None, None, None))

    def customer_saved(self, customer: Customer, changed: Collection[str]) -> None:
        if "ein" in changed:
            CreditAccount.objects.filter(customer_id=customer.id).update(ein_digits=ein_digits(customer.ein))


# The customer list's credit sort keys. They read the customer's balance in its credit currency (the figures its
# credit fields carry: several currencies are not added up) by one LEFT JOIN, and the account's oldest unpaid due date
# (kept by the purchase services), so a sort is one pass over the customers, with no query per row. Never NULL: a
# customer without credit has used nothing (0) and owes nothing (NOTHING_DUE sorts after every due date).
NOTHING_DUE = datetime(9999, 12, 31, tzinfo=UTC)
# Utilisation is used ÷ line in millionths, a whole number (a cursor carries it exactly).
UTILISATION_SCALE = 1_000_000


def _primary_balance() -> dict:
    return {
        "primary_balance": FilteredRelation(
            "credit_balances",
            condition=Q(credit_balances__currency_code=F("credit_account__credit_currency")),
        )
    }


_USED = Coalesce(F("primary_balance__used"), Value(0), output_field=BigIntegerField())
_LIMIT = F("primary_balance__available") + F("primary_balance__reserved") + F("primary_balance__used")
_UTILISATION = Coalesce(
    F("primary_balance__used") * Value(UTILISATION_SCALE) / NullIf(_LIMIT, Value(0)),
    Value(0),
    output_field=BigIntegerField(),
)


Amounts = tuple[int | None, int | None, int | None]


def credit_fields(*, account: dict | None, customer_id: str, balance: Amounts) -> dict:
    """The customer's credit fields on the wire, from its account's columns (None: never credit checked) and its
    (available, reserved, used) in the credit currency (None each when it holds no balance there)."""
    account = account or dict.fromkeys(ACCOUNT_FIELDS)
    available, reserved, used = balance
    has_balance = available is not None
    return {
        "credit_status": account["credit_status"],
        "credit_check_requested_at": rfc3339(account["credit_check_requested_at"]),
        "credit_limit": format_wire(available + reserved + used) if has_balance else None,
        "credit_currency": account["credit_currency"],
        "amount_available": format_wire(available),
        "amount_reserved": format_wire(reserved),
        "amount_used": format_wire(used),
        "decline_code": account["decline_code"],
        "hold_code": account["hold_code"],
        "net_terms_status": account["net_terms_status"],
        "net_terms_enrollment_url": enrollment_url(
            customer_id=customer_id,
            net_terms_status=account["net_terms_status"],
            expires_at=account["net_terms_enrollment_expires_at"],
        ),
        "net_terms_enrollment_expires_at": rfc3339(account["net_terms_enrollment_expires_at"]),
    }
