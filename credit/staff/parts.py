"""What credit shows on the staff customer page (customers.staff.pages): its status badges, key figures (credit
line, available, past due, next follow-up) and the credit actions in the page's summary; the credit card (balances
per currency, status, enrollment link, the actions the transitions table allows) and the credit check in the
Overview tab; its own tabs (Purchases, Ledger, Notes); and the credit decisions in the History tab. Registered at
CreditConfig.ready."""

from dataclasses import dataclass
from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone

from core.staff.charts import Segment, credit_segments
from credit.enrollment import renewal_refusal
from credit.models import CreditBalance
from credit.selectors import credit_account_get, credit_balance_list, customer_next_follow_up, customer_past_due
from credit.staff.collections import owner_context
from credit.staff.display import customer_credit_context
from credit.staff.notes import notes_context
from credit.statements import current_month, month_key
from credit.vocabulary import CreditAction, action_allowed, allowed_actions
from customers.models import Customer
from customers.staff.pages import CustomerPagePart, CustomerPageTab, register, register_tab

PURCHASES = CustomerPageTab("purchases", "Purchases", 20)
LEDGER = CustomerPageTab("ledger", "Ledger", 30)
NOTES = CustomerPageTab("notes", "Notes", 50)


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


@dataclass(frozen=True)
class PastDueView:
    """What the customer owes past due in one currency (credit.selectors.customer_past_due), with how late its
    oldest purchase is in whole days, as the purchase rows count it."""

    currency_code: str
    outstanding: int
    purchases: int
    days: int

    @classmethod
    def of(cls, row: dict, now: datetime) -> "PastDueView":
        return cls(row["currency_code"], row["outstanding"], row["purchases"], (now - row["oldest_due_at"]).days)


@dataclass(frozen=True)
class FollowUpView:
    """The customer's current follow-up date, due once it is today or earlier (as the follow-ups view lists it)."""

    on: date
    due: bool


def summary_context(customer: Customer, balances: list[BalanceView]) -> dict:
    """The figures of the page's summary: the credit currency's line (or the only one), what is past due in each
    currency and the next follow-up (two queries)."""
    now = timezone.now()
    today = timezone.localdate()
    follow_up = customer_next_follow_up(customer=customer)
    primary = next((balance for balance in balances if balance.primary), balances[0] if len(balances) == 1 else None)
    return {
        "credit_summary_balance": primary,
        "credit_past_due": [PastDueView.of(row, now) for row in customer_past_due(customer=customer, now=now)],
        "credit_follow_up": FollowUpView(follow_up, follow_up <= today) if follow_up else None,
    }


def credit_context(request: HttpRequest, customer: Customer) -> dict:
    """Everything credit's parts show, for all of them at once (the page merges the contexts of its parts)."""
    account = credit_account_get(customer=customer)
    status = account.credit_status if account else None
    balances = [
        BalanceView.of(balance, account.credit_currency if account else None)
        for balance in credit_balance_list(customer=customer)
    ]
    return {
        "credit_account": account,
        "credit_actions": allowed_actions(status),
        "credit_can_buy": not customer.is_archived and action_allowed(CreditAction.BUY, status),
        "enrollment_renewable": renewal_refusal(customer, account) is None,
        "credit_balances": balances,
        **summary_context(customer, balances),
        **customer_credit_context(customer, account),
    }


def statement_context(request: HttpRequest, customer: Customer) -> dict:
    """The Ledger tab's statement download: this month, the latest one there is (the currencies are the balances')."""
    return {"statement_month": month_key(current_month())}


def no_context(request: HttpRequest, customer: Customer) -> dict:
    return {}


def register_parts() -> None:
    for tab in (PURCHASES, LEDGER, NOTES):
        register_tab(tab)
    register(CustomerPagePart("badges", "credit/staff/_customer_badges.html", credit_context))
    register(CustomerPagePart("figures", "credit/staff/_customer_figures.html", no_context))
    register(CustomerPagePart("actions", "credit/staff/_customer_actions.html", no_context))
    register(CustomerPagePart("overview", "credit/staff/_customer_credit.html", no_context))
    register(CustomerPagePart("overview", "credit/staff/_customer_owner.html", owner_context))
    register(CustomerPagePart("overview", "credit/staff/_customer_check.html", no_context))
    register(CustomerPagePart("purchases", "credit/staff/_customer_purchases.html", no_context))
    register(CustomerPagePart("ledger", "credit/staff/_customer_ledger.html", statement_context))
    register(CustomerPagePart("notes", "credit/staff/_customer_notes.html", notes_context))
    register(CustomerPagePart("history", "credit/staff/_customer_decisions.html", no_context))
