"""The monthly statement by email: the month's statement (credit.statements) as a PDF to each active user of the
customer, at most once per customer, currency, month and user (the email outbox's key), sent by the outbox's task
after the caller's transaction commits and retried there when the mail server fails."""

from datetime import date, datetime

from django.conf import settings
from django.db import transaction

from core.actors import Actor
from core.email.selectors import email_keys_queued
from core.email.services import Attachment, email_queue
from core.links import public_url
from core.money import format_human
from credit.models import CreditBalance
from credit.statement_documents import statement_document
from credit.statements import month_key, statement_get
from customers.models import CustomerUserStatus

# Where the email sends the customer's users to read their account (the buyer portal's sign-in); never a secret.
PORTAL_PATH = "/portal/"


def statement_email_key(*, customer_id: str, currency_code: str, month: date, user_id: str) -> str:
    return f"monthly_statement:{customer_id}:{currency_code}:{month_key(month)}:{user_id}"


def statement_email_send(*, balance: CreditBalance, month: date, actor: Actor, now: datetime | None = None) -> int:
    """Queue the month's statement of `balance` (its customer and currency) to each active user of the customer not
    yet sent it, when the month had movements or ended with something owed; nothing for an archived customer or one
    without active users. Returns how many emails were queued (0 when every user already has it)."""
    customer = balance.customer
    if customer.is_archived:
        return 0
    users = list(customer.users.filter(status=CustomerUserStatus.ACTIVE).order_by("id"))
    keys = {
        user.pk: statement_email_key(
            customer_id=customer.pk, currency_code=balance.currency_code, month=month, user_id=user.pk
        )
        for user in users
    }
    queued = email_keys_queued(list(keys.values()))
    waiting = [user for user in users if keys[user.pk] not in queued]
    if not waiting:
        return 0
    statement = statement_get(customer=customer, currency_code=balance.currency_code, month=month, now=now)
    if not statement.has_activity and statement.closing_balance == 0:
        return 0
    pdf = statement_document(statement, "pdf")
    currency = statement.currency_code
    context = {
        "seller_name": settings.SELLER_NAME,
        "customer_name": statement.customer_name,
        "period": statement.period_label,
        "currency_code": currency,
        "opening_balance": format_human(statement.opening_balance, currency),
        "purchases": format_human(statement.purchases_total, currency),
        "repaid": format_human(statement.repaid_total, currency),
        "closing_balance": format_human(statement.closing_balance, currency),
        "available": format_human(statement.available, currency),
        "past_due": format_human(statement.past_due, currency) if statement.past_due else "",
        "portal_url": public_url(PORTAL_PATH),
        "file_name": pdf.file_name,
    }
    with transaction.atomic():
        for user in waiting:
            email_queue(
                key=keys[user.pk],
                to=user.email,
                template="monthly_statement",
                context={**context, "first_name": user.first_name},
                customer_id=customer.pk,
                attachments=[Attachment(pdf.file_name, "application/pdf", pdf.content)],
                actor=actor,
            )
    return len(waiting)
