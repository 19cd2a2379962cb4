"""What credit shows on the staff customer page (customers.staff.pages): its status badges, the credit actions in the
page head, the credit card (balances per currency, status, enrollment link, the actions the transitions table
allows) and the credit history sections (check, decisions, purchases, ledger). Registered at CreditConfig.ready."""

from dataclasses import dataclass

from django.http import HttpRequest

from core.staff.charts import Segment, credit_segments
from credit.enrollment import renewal_refusal
from credit.models import CreditBalance
from credit.selectors import credit_account_get, credit_balance_list
from credit.staff.display import customer_credit_context
from credit.staff.notes import notes_context
from credit.vocabulary import CreditAction, action_allowed, allowed_actions
from customers.models import Customer
from customers.staff.pages import CustomerPagePart, register


@dataclass(frozen=True)
class BalanceView:
    """One currency's balance as the page draws it."""

    currency_code: str
    available: int
    reserved: int
    used: int
    credit_limit: int
    utilization: float
    segments: list[Segment]
    primary: bool  # the credit currency's line, which the customer's credit summary shows
    closable: bool  # a line beside the credit currency's, which a credit officer may close

    @classmethod
    def of(cls, balance: CreditBalance, credit_currency: str | None) -> "BalanceView":
        limit = balance.credit_limit
        return cls(
            primary=balance.currency_code == credit_currency,
            closable=balance.is_other_currency_line(credit_currency),
            currency_code=balance.currency_code,
            available=balance.available,
            reserved=balance.reserved,
            used=balance.used,
            credit_limit=limit,
            utilization=(balance.used + balance.reserved) / limit if limit else 0.0,
            segments=credit_segments(used=balance.used, reserved=balance.reserved, available=balance.available),
        )


def credit_context(request: HttpRequest, customer: Customer) -> dict:
    """Everything credit's parts show, for all of them at once (the page merges the contexts of its parts)."""
    account = credit_account_get(customer=customer)
    status = account.credit_status if account else None
    return {
        "credit_account": account,
        "credit_actions": allowed_actions(status),
        "credit_can_buy": not customer.is_archived and action_allowed(CreditAction.BUY, status),
        "enrollment_renewable": renewal_refusal(customer, account) is None,
        "credit_balances": [
            BalanceView.of(balance, account.credit_currency if account else None)
            for balance in credit_balance_list(customer=customer)
        ],
        **customer_credit_context(customer, account),
    }


def no_context(request: HttpRequest, customer: Customer) -> dict:
    return {}


def register_parts() -> None:
    register(CustomerPagePart("badges", "credit/staff/_customer_badges.html", credit_context))
    register(CustomerPagePart("actions", "credit/staff/_customer_actions.html", no_context))
    register(CustomerPagePart("sections", "credit/staff/_customer_credit.html", no_context))
    register(CustomerPagePart("sections", "credit/staff/_customer_sections.html", no_context))
    register(CustomerPagePart("sections", "credit/staff/_customer_notes.html", notes_context))
