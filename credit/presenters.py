"""Plain-dict wire shapes of the credit objects (docs/api.md): the API's responses, event payloads and exports."""

from core.formatting import rfc3339
from core.money import format_wire
from credit.models import (
    CreditBalance,
    CreditDecision,
    CreditLedgerEntry,
    CreditRepayment,
    CreditTransaction,
    CustomerNote,
)

__all__ = [
    "balance_to_dict",
    "credit_decision_to_dict",
    "credit_repayment_to_dict",
    "credit_transaction_to_dict",
    "customer_note_to_dict",
    "ledger_entry_to_dict",
]


def balance_to_dict(balance: CreditBalance) -> dict:
    return {
        "customer_id": balance.customer_id,
        "currency_code": balance.currency_code,
        "balance": {
            "available": format_wire(balance.available),
            "reserved": format_wire(balance.reserved),
            "used": format_wire(balance.used),
        },
    }


def _actor(actor_type: str, actor_id: str) -> dict:
    return {"type": actor_type, "id": actor_id or None}


def credit_decision_to_dict(decision: CreditDecision) -> dict:
    """Exactly the fields docs/api.md lists for a credit decision."""
    return {
        "id": decision.id,
        "customer_id": decision.customer_id,
        "credit_check_id": decision.credit_check_id,
        "decision": decision.decision,
        "amount": format_wire(decision.amount),
        "currency_code": decision.currency_code,
        "default_terms": decision.default_terms,
        "decline_code": decision.decline_code,
        "hold_code": decision.hold_code,
        "reasons": list(decision.reasons),
        "score": decision.score,
        "decided_by": _actor(decision.decided_by_type, decision.decided_by_id),
        "created_at": rfc3339(decision.created_at),
    }


def credit_transaction_to_dict(credit_transaction: CreditTransaction) -> dict:
    return {
        "id": credit_transaction.id,
        "customer_id": credit_transaction.customer_id,
        "customer_user_id": credit_transaction.customer_user_id,
        "status": credit_transaction.status,
        "amount": format_wire(credit_transaction.amount),
        "amount_repaid": format_wire(credit_transaction.amount_repaid),
        "amount_outstanding": format_wire(credit_transaction.amount_outstanding),
        "currency_code": credit_transaction.currency_code,
        "reference": credit_transaction.reference or None,
        "description": credit_transaction.description or None,
        "terms": credit_transaction.terms,
        "billed_at": rfc3339(credit_transaction.billed_at),
        "completed_at": rfc3339(credit_transaction.completed_at),
        "canceled_at": rfc3339(credit_transaction.canceled_at),
        "due_at": rfc3339(credit_transaction.due_at),
        "repaid_at": rfc3339(credit_transaction.repaid_at),
        "created_at": rfc3339(credit_transaction.created_at),
        "updated_at": rfc3339(credit_transaction.updated_at),
    }


def credit_repayment_to_dict(repayment: CreditRepayment) -> dict:
    """The currency is the transaction's; pass repayments loaded with select_related("transaction")."""
    return {
        "id": repayment.id,
        "credit_transaction_id": repayment.transaction_id,
        "customer_id": repayment.transaction.customer_id,
        "amount": format_wire(repayment.amount),
        "currency_code": repayment.transaction.currency_code,
        "created_at": rfc3339(repayment.created_at),
    }


def ledger_entry_to_dict(entry: CreditLedgerEntry) -> dict:
    return {
        "id": entry.id,
        "customer_id": entry.customer_id,
        "currency_code": entry.currency_code,
        "type": entry.entry_type,
        "amount": format_wire(entry.amount),
        "delta": {
            "available": format_wire(entry.delta_available),
            "reserved": format_wire(entry.delta_reserved),
            "used": format_wire(entry.delta_used),
        },
        "balance_after": {
            "available": format_wire(entry.available_after),
            "reserved": format_wire(entry.reserved_after),
            "used": format_wire(entry.used_after),
        },
        "credit_transaction_id": entry.transaction_id,
        "credit_decision_id": entry.decision_id,
        "actor": _actor(entry.actor_type, entry.actor_id),
        "reason": entry.reason or None,
        "created_at": rfc3339(entry.created_at),
    }


def customer_note_to_dict(note: CustomerNote) -> dict:
    """A note as its customer.note_added event carries it: the promise's amount in minor units, as the wire does."""
    promise = None
    if note.promised_amount is not None:
        promise = {
            "amount": format_wire(note.promised_amount),
            "currency_code": note.promised_currency,
            "date": note.promised_on.isoformat(),
        }
    return {
        "id": note.id,
        "customer_id": note.customer_id,
        "text": note.text,
        "author": {**_actor(note.author_type, note.author_id), "name": note.author_label or None},
        "promise_to_pay": promise,
        "follow_up_on": note.follow_up_on.isoformat() if note.follow_up_on else None,
        "created_at": rfc3339(note.created_at),
    }
