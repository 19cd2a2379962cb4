"""Email to a customer's users about what it owes and what it may do: payment reminders on the schedule of
credit.reminders, and a notice when its credit is put on hold or the hold is lifted. Every message goes through
core's outbox (`email_queue`): queued in the caller's transaction, sent after it commits, at most once per key.

- A reminder goes to each active user who has not opted out (`payment_reminders`), once per purchase, step and user
  (`reminder:<purchase>:<step>:<user>`), with a link to the portal and a signed link to opt out.
- A hold or reinstatement notice goes to each active user whatever they opted out of (it changes what the company
  can do), once per status change and user (`credit_hold:<decision>:<user>`, `credit_reinstated:<decision>:<user>`).
"""

import logging
from datetime import UTC, date

from django.conf import settings
from django.core.exceptions import ValidationError

from core.actors import Actor
from core.email.selectors import email_keys_queued
from core.email.services import email_queue
from core.money import format_human
from credit.models import CreditDecision, CreditTransaction
from credit.reminders import (
    opt_out_url,
    portal_url,
    reminder_key,
    reminder_schedule,
    step_windows,
)
from credit.selectors import purchases_outstanding_due_between
from credit.vocabulary import HoldCode
from customers.models import Customer, CustomerUser, CustomerUserStatus

logger = logging.getLogger(__name__)

REMINDER_BATCH = 500

# Why the company can no longer buy on credit, in the customer's words. An officer's note stays internal.
HOLD_REASONS = {
    HoldCode.PAST_DUE: "a payment is more than {days} days past its due date",
    HoldCode.FAILED_PAYMENT: "a payment did not go through",
    HoldCode.REQUESTED_BY_MERCHANT: "of a review of the account",
    HoldCode.FRAUD: "of a review of the account",
    HoldCode.OTHER: "of a review of the account",
}


def _active_users(customer_ids: list[str], *, reminders_only: bool = False) -> dict[str, list[CustomerUser]]:
    users = CustomerUser.objects.filter(customer_id__in=customer_ids, status=CustomerUserStatus.ACTIVE)
    if reminders_only:
        users = users.filter(payment_reminders=True)
    by_customer: dict[str, list[CustomerUser]] = {}
    for user in users.order_by("id"):
        by_customer.setdefault(user.customer_id, []).append(user)
    return by_customer


def payment_reminders_send(*, today: date, actor: Actor, batch: int = REMINDER_BATCH) -> dict:
    """Queue today's payment reminders (credit.reminders says which step each purchase is at). Each email is queued
    in a transaction of its own, so one that fails does not hold back the others, and a run that stops half-way is
    finished by the next. Per step: one range query on the due-date index per batch of `batch` purchases, one for
    their users, one for the keys already used; then a few queries per email queued. Returns counts."""
    counts = {"purchases": 0, "queued": 0, "failed": 0}
    for window in step_windows(today=today, schedule=reminder_schedule()):
        purchases = purchases_outstanding_due_between(first_due=window.first_due, last_due=window.last_due)
        after = ""
        while chunk := list(purchases.filter(id__gt=after)[:batch]):
            after = chunk[-1].id
            counts["purchases"] += len(chunk)
            users = _active_users(list({purchase.customer_id for purchase in chunk}), reminders_only=True)
            wanted = [
                (purchase, user, reminder_key(purchase_id=purchase.id, step=window.step, customer_user_id=user.id))
                for purchase in chunk
                for user in users.get(purchase.customer_id, [])
            ]
            used = email_keys_queued(key for _, _, key in wanted)
            for purchase, user, key in wanted:
                if key in used:
                    continue
                try:
                    _reminder_queue(purchase, user, key=key, today=today, actor=actor)
                except ValidationError as error:
                    logger.warning("payment reminder %s not queued: %s", key, error)
                    counts["failed"] += 1
                else:
                    counts["queued"] += 1
    return counts


def _reminder_queue(purchase: CreditTransaction, user: CustomerUser, *, key: str, today: date, actor: Actor) -> None:
    due_on = purchase.due_at.astimezone(UTC).date()
    email_queue(
        key=key,
        to=user.email,
        template="payment_reminder",
        context={
            "customer_name": str(purchase.customer),
            "first_name": user.first_name,
            "purchase": purchase.reference or purchase.id,
            "amount_outstanding": format_human(purchase.amount_outstanding, purchase.currency_code),
            "due_on": due_on,
            "days_until_due": max((due_on - today).days, 0),
            "days_past_due": max((today - due_on).days, 0),
            "portal_url": portal_url(),
            "opt_out_url": (unsubscribe := opt_out_url(user.id)),
        },
        customer_id=purchase.customer_id,
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        actor=actor,
    )


def credit_status_notice(*, customer: Customer, decision: CreditDecision, held: bool, actor: Actor) -> None:
    """The hold notice (`held`) or the reinstatement notice, to each active user of the customer, sent once the
    caller's transaction commits and once per decision and user. Called by the service that changes the status."""
    kind = "credit_hold" if held else "credit_reinstated"
    reason = HOLD_REASONS.get(decision.hold_code, HOLD_REASONS[HoldCode.OTHER]) if held else ""
    context = {
        "customer_name": str(customer),
        "reason": reason.format(days=settings.CREDIT_HOLD_PAST_DUE_DAYS),
        "portal_url": portal_url(),
    }
    for user in _active_users([customer.pk]).get(customer.pk, []):
        email_queue(
            key=f"{kind}:{decision.id}:{user.id}",
            to=user.email,
            template=kind,
            context={**context, "first_name": user.first_name},
            customer_id=customer.pk,
            actor=actor,
        )
