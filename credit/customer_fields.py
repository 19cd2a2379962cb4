"""What credit adds to every customer (customers.extensions): the credit fields of the customer's wire shape (its
credit account's status and codes, the line and balance in its credit currency, its net-terms enrollment and link),
the customer list's credit filters, and keeping the account's copy of the EIN in step. Registered by
credit.apps.CreditConfig.ready. Imports: core, customers, and the credit domain modules below it."""

from collections.abc import Collection

from django.db.models import F, OuterRef, QuerySet, Subquery

from core.filters import ChoiceInFilter
from core.formatting import rfc3339
from core.money import format_wire
from credit.enrollment import enrollment_url
from credit.models import ACCOUNT_FIELDS, CreditAccount, CreditBalance, ein_digits
from credit.vocabulary import CreditStatus, NetTermsStatus
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

    def load(self, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
        """One LEFT JOIN for the account's columns; the balance in the credit currency by correlated subqueries,
        evaluated for the rows of a page only."""
        balance = CreditBalance.objects.filter(
            customer_id=OuterRef("pk"), currency_code=OuterRef("credit_account__credit_currency")
        )
        return queryset.annotate(
            **{name: F(f"credit_account__{name}") for name in ACCOUNT_FIELDS},
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
