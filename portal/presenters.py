"""What the portal's pages show, as small view models built from the credit selectors' rows (money in major units
through core.money's people formatter), and the API's wire shape of a portal session. Imports: core, customers,
credit's vocabulary, models and statements, and the portal's models."""

from dataclasses import dataclass
from datetime import datetime

from core.formatting import rfc3339
from core.money import format_human
from credit.models import CreditAccount, CreditBalance, CreditRepayment, CreditTransaction
from credit.statements import StatementMonth
from credit.vocabulary import CreditStatus, days_past_due, net_terms_shown
from customers.models import Customer, CustomerUser, CustomerUserRole, PaymentMethod, PaymentMethodType, Terms
from portal.models import PortalLink

CREDIT_STATUS_LABELS = {
    None: ("Not set up", "Your company has no credit line yet."),
    CreditStatus.PENDING: ("Under review", "Your application for credit is being reviewed."),
    CreditStatus.APPROVED: ("Active", "Your company can buy on its credit lines."),
    CreditStatus.DECLINED: ("Declined", "Your application for credit was declined."),
    CreditStatus.HOLD: ("On hold", "Purchases on credit are paused; contact your account manager."),
    CreditStatus.DEACTIVATED: ("Closed", "Your company's credit account is closed."),
}
NET_TERMS_LABELS = {
    None: ("Not offered", "Net terms have not been offered to your company."),
    "pending_enrollment": ("Waiting for acceptance", "Net terms are on offer: a user of your company accepts them."),
    "enrolled": ("Enrolled", "Your company buys on net terms."),
    "enrollment_expired": ("Offer expired", "The offer of net terms expired; ask your account manager for a new one."),
    "suspended": ("Suspended", "Net terms are suspended while your credit is on hold."),
    "closed": ("Closed", "Net terms ended with your credit account."),
}
PURCHASE_STATUS_LABELS = {"billed": "Awaiting delivery", "completed": "Invoiced", "canceled": "Canceled"}


@dataclass(frozen=True)
class Status:
    code: str  # for the badge's style
    label: str
    explanation: str


@dataclass(frozen=True)
class CreditLine:
    currency: str
    limit: str
    available: str
    reserved: str
    used: str
    status: Status
    primary: bool


@dataclass(frozen=True)
class Standing:
    """The company's credit status and net terms, as the overview shows them."""

    credit: Status
    net_terms: Status
    terms: str | None  # NET30…, as the customer's default terms


@dataclass(frozen=True)
class PurchaseRow:
    id: str
    reference: str
    description: str
    buyer: str
    status: str
    amount: str
    repaid: str
    outstanding: str
    billed_at: datetime
    due_at: datetime | None
    days_past_due: int | None


@dataclass(frozen=True)
class RepaymentRow:
    id: str
    purchase_id: str
    purchase_reference: str
    amount: str
    created_at: datetime


def standing(account: CreditAccount | None, *, terms: str | None) -> Standing:
    credit_status = account.credit_status if account else None
    shown_terms = net_terms_shown(account.net_terms_status if account else None, credit_status)
    credit_label = CREDIT_STATUS_LABELS.get(credit_status, (str(credit_status), ""))
    terms_label = NET_TERMS_LABELS.get(shown_terms, (str(shown_terms), ""))
    return Standing(
        credit=Status(credit_status or "none", *credit_label),
        net_terms=Status(shown_terms or "none", *terms_label),
        terms=terms.upper() if terms else None,
    )


def credit_lines(balances: list[CreditBalance], account: CreditAccount | None) -> list[CreditLine]:
    """Each open line (the credit currency's first); a line closed to zero is left out."""
    currency = account.credit_currency if account else None
    credit_status = account.credit_status if account else None
    label = CREDIT_STATUS_LABELS.get(credit_status, (str(credit_status), ""))
    lines = []
    for balance in balances:
        if not balance.is_open_line(currency):
            continue
        code = balance.currency_code
        lines.append(
            CreditLine(
                currency=code,
                limit=format_human(balance.credit_limit, code),
                available=format_human(balance.available, code),
                reserved=format_human(balance.reserved, code),
                used=format_human(balance.used, code),
                status=Status(credit_status or "none", *label),
                primary=code == currency,
            )
        )
    return sorted(lines, key=lambda line: (not line.primary, line.currency))


def purchase_row(purchase: CreditTransaction, *, now: datetime) -> PurchaseRow:
    code = purchase.currency_code
    return PurchaseRow(
        id=purchase.id,
        reference=purchase.reference,
        description=purchase.description,
        buyer=_buyer(purchase),
        status=PURCHASE_STATUS_LABELS.get(purchase.status, purchase.status),
        amount=format_human(purchase.amount, code),
        repaid=format_human(purchase.amount_repaid, code),
        outstanding=format_human(purchase.amount_outstanding, code),
        billed_at=purchase.billed_at,
        due_at=purchase.due_at,
        days_past_due=days_past_due(amount_outstanding=purchase.amount_outstanding, due_at=purchase.due_at, now=now),
    )


def _buyer(purchase: CreditTransaction) -> str:
    user = purchase.customer_user
    if user is None:
        return "—"
    name = f"{user.first_name} {user.last_name}".strip()
    return name or user.email


def repayment_row(repayment: CreditRepayment) -> RepaymentRow:
    """Repayments loaded with their purchase (credit.selectors.credit_repayment_list)."""
    purchase = repayment.transaction
    return RepaymentRow(
        id=repayment.id,
        purchase_id=purchase.id,
        purchase_reference=purchase.reference,
        amount=format_human(repayment.amount, purchase.currency_code),
        created_at=repayment.created_at,
    )


def portal_session_to_dict(link: PortalLink, *, overview_url: str) -> dict:
    """The API's customer portal session (Paddle's shape): the link's id and its one URL. There are no
    subscriptions here, so `urls.subscriptions` is always empty."""
    return {
        "id": link.id,
        "customer_id": link.customer_id,
        "customer_user_id": link.customer_user_id,
        "urls": {"general": {"overview": overview_url}, "subscriptions": []},
        "expires_at": rfc3339(link.expires_at),
        "created_at": rfc3339(link.created_at),
    }


@dataclass(frozen=True)
class PastDue:
    currency: str
    outstanding: str
    purchases: int
    oldest_due_at: datetime


def past_due_rows(rows: list[dict]) -> list[PastDue]:
    """credit.selectors.customer_past_due's rows, for people."""
    return [
        PastDue(
            currency=row["currency_code"],
            outstanding=format_human(row["outstanding"], row["currency_code"]),
            purchases=row["purchases"],
            oldest_due_at=row["oldest_due_at"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class StatementRow:
    month: str  # YYYY-MM, as the download's URL takes it
    period: str  # November 2026
    currency: str
    movements: int
    closing_balance: str
    is_current: bool


def statement_rows(months: list[StatementMonth]) -> list[StatementRow]:
    """credit.statements.statement_months' months, for people."""
    return [
        StatementRow(
            month=item.month_key,
            period=item.period_label,
            currency=item.currency_code,
            movements=item.movements,
            closing_balance=format_human(item.closing_balance, item.currency_code),
            is_current=item.is_current,
        )
        for item in months
    ]


# credit.enrollment.enrollment_refusal's codes (None: the terms can be accepted), as the portal's states.
ENROLLMENT_STATES = {
    None: "open",
    "already_enrolled": "enrolled",
    "enrollment_expired": "expired",
    "enrollment_unavailable": "unavailable",
}


@dataclass(frozen=True)
class EnrollmentOffer:
    """The net terms on offer to the company (or accepted, expired, withdrawn), as the portal shows them."""

    state: str  # open, enrolled, expired or unavailable
    terms: str | None  # NET30
    net_days: int | None
    end_of_month: bool  # NET10_EOM: counted from the end of the month the purchase is completed in
    credit_limit: str | None  # the main line, "25,000.00 USD"
    currency: str | None
    expires_at: datetime | None
    enrolled_at: datetime | None


def enrollment_offer(
    customer: Customer, account: CreditAccount | None, balances: list[CreditBalance], *, refusal_code: str | None
) -> EnrollmentOffer:
    """The offer, its state from `refusal_code` (credit.enrollment.enrollment_refusal's code, or None)."""
    terms = customer.default_terms or None
    currency = account.credit_currency if account else None
    line = next((balance for balance in balances if balance.currency_code == currency), None)
    return EnrollmentOffer(
        state=ENROLLMENT_STATES.get(refusal_code, "unavailable"),
        terms=terms.upper() if terms else None,
        net_days=Terms.days(terms) if terms else None,
        end_of_month=bool(terms and terms.endswith("_eom")),
        credit_limit=format_human(line.credit_limit, currency) if line else None,
        currency=currency,
        expires_at=account.net_terms_enrollment_expires_at if account else None,
        enrolled_at=account.net_terms_enrolled_at if account else None,
    )


@dataclass(frozen=True)
class PaymentMethodRow:
    id: str
    label: str  # "Visa •••• 4242", "ACH •••• 6789": as the staff page names it
    details: str  # a card's expiry, a bank account's bank
    is_default: bool
    added_at: datetime


def payment_method_label(method: PaymentMethod) -> str:
    if method.type == PaymentMethodType.CARD:
        return f"{(method.card_brand or 'card').capitalize()} •••• {method.last4}"
    return f"{(method.bank_account_type or 'bank').upper()} •••• {method.last4}"


def payment_method_row(method: PaymentMethod) -> PaymentMethodRow:
    if method.type == PaymentMethodType.CARD:
        details = f"Expires {method.exp_month:02d}/{method.exp_year}" if method.exp_month and method.exp_year else ""
    else:
        details = method.bank_name or "Bank account"
    return PaymentMethodRow(method.id, payment_method_label(method), details, method.is_default, method.created_at)


@dataclass(frozen=True)
class UserRow:
    id: str
    name: str
    email: str
    role: str  # "Admin", "Member"
    added_at: datetime
    is_you: bool


def user_row(user: CustomerUser, *, you: CustomerUser) -> UserRow:
    name = f"{user.first_name} {user.last_name}".strip()
    role = CustomerUserRole(user.role).label
    return UserRow(user.id, name, user.email, role, user.created_at, user.pk == you.pk)
