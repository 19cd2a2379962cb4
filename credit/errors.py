"""The credit domain's refusals. Each is an ApplicationError with a stable `code` clients can branch on; the README's
"Credit" section lists them. 409 means "the thing is in the wrong state for this", 422 "the request cannot be
honoured for this customer". `insufficient_credit` lives in credit/ledger.py, next to the check that raises it."""

from core.errors import ApplicationError
from core.money import format_human


class CreditCheckAlreadyRequested(ApplicationError):
    def __init__(self):
        super().__init__("credit_check_already_requested", "Credit check already created for this customer.")


class CreditNotApproved(ApplicationError):
    """Billing refused: the customer was never checked, is still pending, or was declined."""

    def __init__(self, customer_id: str, credit_status: str | None):
        state = f"credit status is {credit_status}" if credit_status else "has never been credit checked"
        super().__init__(
            "credit_not_approved", f"Customer {customer_id} {state}; only approved customers can buy on credit."
        )


class CreditOnHold(ApplicationError):
    def __init__(self, customer_id: str, hold_code: str | None):
        super().__init__("credit_on_hold", f"Customer {customer_id}'s credit is on hold ({hold_code or 'no code'}).")


class NetTermsNotEnrolled(ApplicationError):
    """Billing refused: the customer's credit is approved but no user has accepted the net terms yet."""

    def __init__(self, customer_id: str, net_terms_status: str | None):
        super().__init__(
            "net_terms_not_enrolled",
            f"Customer {customer_id} has not enrolled in net terms (net terms status is "
            f"{net_terms_status or 'not offered'}); it can buy on credit once a user accepts the terms.",
        )


class InvalidNetTermsStatus(ApplicationError):
    """A new enrollment link asked for a customer whose net terms are not waiting for acceptance."""

    def __init__(self, detail: str):
        super().__init__("invalid_net_terms_status", detail, status=409)


class CreditDeactivated(ApplicationError):
    def __init__(self, customer_id: str):
        super().__init__("credit_deactivated", f"Customer {customer_id}'s credit account is deactivated.")


class InvalidCreditStatus(ApplicationError):
    """A staff action that does not apply to the customer's current credit status (hold an account that is not
    approved, reinstate one that is not on hold, adjust a line that was never granted...)."""

    def __init__(self, detail: str):
        super().__init__("invalid_credit_status", detail, status=409)


class CreditLineExists(ApplicationError):
    """A line granted in a currency where the customer already has one (its credit currency always has one)."""

    def __init__(self, customer_id: str, currency_code: str):
        super().__init__(
            "credit_line_exists",
            f"Customer {customer_id} already has a {currency_code} credit line; adjust it instead.",
            status=409,
            field="currency_code",
        )


class CreditLineNotFound(ApplicationError):
    def __init__(self, customer_id: str, currency_code: str):
        super().__init__(
            "not_found", f"Customer {customer_id} has no {currency_code} credit line; grant one first.", status=404
        )


class CreditLineNotClosable(ApplicationError):
    """Closing a line that still carries purchases (reserved or used), or the credit currency's line."""

    def __init__(self, detail: str):
        super().__init__("credit_line_not_closable", detail, status=409)


class CreditCheckAlreadyDecided(ApplicationError):
    def __init__(self, check_id: str, status: str):
        super().__init__("credit_check_already_decided", f"Credit check {check_id} is already {status}.", status=409)


class CustomerUserNotAllowed(ApplicationError):
    """The buyer named on a purchase is not an active user of the customer billed."""

    def __init__(self, customer_user_id: str, customer_id: str, why: str):
        self.customer_user_id, self.why = customer_user_id, why
        super().__init__(
            "customer_user_not_allowed",
            f"Customer user {customer_user_id} {why}; only an active user of customer {customer_id} can buy on its "
            "credit.",
            field="customer_user_id",
        )


class InvalidTransactionState(ApplicationError):
    def __init__(self, transaction_id: str, status: str, action: str, needed: str):
        super().__init__(
            "invalid_transaction_state",
            f"Credit transaction {transaction_id} is {status}; only {needed} transactions can be {action}.",
            status=409,
        )


class RepaymentExceedsOutstanding(ApplicationError):
    def __init__(self, transaction_id: str, outstanding: int, currency_code: str):
        super().__init__(
            "repayment_exceeds_outstanding",
            f"Credit transaction {transaction_id} has {format_human(outstanding, currency_code)} outstanding.",
            field="amount",
        )


class EnrollmentUnavailable(ApplicationError):
    """The enrollment link cannot be accepted: `code` says why (enrollment_expired, already_enrolled,
    enrollment_unavailable)."""

    def __init__(self, code: str, detail: str):
        super().__init__(code, detail, status=409)
