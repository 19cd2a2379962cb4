"""Writes for the credit domain (HackSoft services): keyword-only, atomic, each takes an actor and records its
events in its own transaction. Money only moves through credit/ledger.py."""

from credit.services.accounts import (
    credit_deactivate,
    credit_hold,
    credit_line_close,
    credit_line_grant,
    credit_line_update,
    credit_past_due_evaluate,
    credit_reinstate,
)
from credit.services.checks import (
    credit_check_approve,
    credit_check_decide,
    credit_check_decline,
    credit_check_dispatch,
    credit_check_refer,
    credit_check_request,
    credit_direct_approve,
)
from credit.services.collections import collections_owner_set
from credit.services.net_terms import (
    customer_user_actor,
    net_terms_enroll,
    net_terms_enrollment_expire,
    net_terms_enrollment_renew,
)
from credit.services.notes import customer_note_add
from credit.services.notices import payment_reminders_send
from credit.services.statements import statement_email_send
from credit.services.transactions import (
    credit_transaction_bill,
    credit_transaction_cancel,
    credit_transaction_complete,
    credit_transaction_repay,
)

__all__ = [
    "collections_owner_set",
    "credit_check_approve",
    "credit_check_decide",
    "credit_check_decline",
    "credit_check_dispatch",
    "credit_check_refer",
    "credit_check_request",
    "credit_deactivate",
    "credit_direct_approve",
    "credit_hold",
    "credit_line_close",
    "credit_line_grant",
    "credit_line_update",
    "credit_past_due_evaluate",
    "credit_reinstate",
    "credit_transaction_bill",
    "credit_transaction_cancel",
    "credit_transaction_complete",
    "credit_transaction_repay",
    "customer_note_add",
    "customer_user_actor",
    "net_terms_enroll",
    "net_terms_enrollment_expire",
    "net_terms_enrollment_renew",
    "payment_reminders_send",
    "statement_email_send",
]
