"""Credit endpoints (docs/api.md): credit checks, balances, decisions, credit transactions and their repayments, and the
ledger. Thin adapters: validate with a serializer, call a credit service or selector, answer with presenter output.
Every refusal (not approved, on hold, insufficient credit, wrong state...) is the services' to raise."""

from django.core.exceptions import ValidationError
from rest_framework.response import Response

from core.api.schema import api_operation
from core.api.views import ApiView
from core.models import Scope
from core.money import validate_currency_code
from credit.api.outputs import (
    CreditBalanceOut,
    CreditDecisionOut,
    CreditRepaymentOut,
    CreditTransactionOut,
    LedgerEntryOut,
)
from credit.api.serializers import (
    CreditCheckInput,
    CreditLineCloseInput,
    CreditLineGrantInput,
    CreditLineUpdateInput,
    CreditRepaymentInput,
    CreditTransactionInput,
    EmptyInput,
)
from credit.errors import CreditLineNotFound
from credit.filters import (
    CreditBalanceFilterSet,
    CreditDecisionFilterSet,
    CreditTransactionFilterSet,
    LedgerEntryFilterSet,
)
from credit.models import CreditTransaction
from credit.presenters import (
    balance_to_dict,
    credit_decision_to_dict,
    credit_repayment_to_dict,
    credit_transaction_to_dict,
    ledger_entry_to_dict,
)
from credit.selectors import (
    credit_balance_list,
    credit_decision_list,
    credit_transaction_get,
    credit_transaction_list,
    ledger_entry_list,
)
from credit.services import (
    credit_check_request,
    credit_line_close,
    credit_line_grant,
    credit_line_update,
    credit_transaction_bill,
    credit_transaction_cancel,
    credit_transaction_complete,
    credit_transaction_repay,
    net_terms_enrollment_renew,
)
from customers.api.outputs import CustomerOut
from customers.models import Customer
from customers.presenters import customer_to_dict
from customers.selectors import customer_get

HISTORY_ORDERING = ("id", "created_at")
TRANSACTION_ORDERING = ("id", "created_at", "updated_at")
BILL_REFUSALS = (
    "insufficient_credit",
    "credit_not_approved",
    "credit_on_hold",
    "credit_deactivated",
    "customer_archived",
    "customer_user_not_allowed",
    "net_terms_not_enrolled",
)


class CreditApiView(ApiView):
    read_scope = Scope.CREDIT_READ
    write_scope = Scope.CREDIT_WRITE
    openapi_tags = ["Credit"]


class CreditCheckView(CreditApiView):
    @api_operation(
        operation_id="requestCreditCheck",
        summary="Request a credit check",
        description="Records the request (the customer's `credit_status` becomes `pending`) and answers 204 at once; "
        "the decision follows asynchronously and appears in `GET …/credit-decisions` (and as a "
        "`customer.credit_decision_created` event). A customer is checked once.",
        request=CreditCheckInput,
        status=204,
        errors=("credit_check_already_requested", "customer_archived"),
    )
    def post(self, request, customer_id):
        customer = customer_get(customer_id=customer_id)
        credit_check_request(customer=customer, actor=self.actor, **self.validated(CreditCheckInput))
        return Response(status=204)


class NetTermsEnrollmentView(CreditApiView):
    @api_operation(
        operation_id="renewNetTermsEnrollment",
        summary="Issue a new net terms enrollment link",
        description="For a customer whose terms wait for acceptance (`pending_enrollment`) or whose link expired "
        "unused (`enrollment_expired`): a new `net_terms_enrollment_url`, valid for `NET_TERMS_ENROLLMENT_TTL_DAYS` "
        "(14 days unless the server says otherwise), replaces the previous one, which stops working; "
        "`net_terms_status` is `pending_enrollment` again, and each active user of the customer is emailed the new "
        "link. Send no body (or `{}`); 200 with the customer.",
        request=EmptyInput,
        response=CustomerOut,
        errors=("invalid_net_terms_status", "customer_archived"),
    )
    def post(self, request, customer_id):
        self.validated(EmptyInput)
        customer = net_terms_enrollment_renew(customer=customer_get(customer_id=customer_id), actor=self.actor)
        return self.respond(customer_to_dict(customer_get(customer_id=customer.id)))


class CreditBalanceListView(CreditApiView):
    @api_operation(
        operation_id="listCreditBalances",
        summary="List a customer's credit balances",
        description="One balance per currency, in currency order; the whole list, not paginated (`[]` when the "
        "customer has none).",
        response=CreditBalanceOut,
        many=True,
        filterset=CreditBalanceFilterSet,
    )
    def get(self, request, customer_id):
        balances = credit_balance_list(customer=customer_get(customer_id=customer_id), filters=request.query_params)
        return self.respond([balance_to_dict(balance) for balance in balances])


LINE_REFUSALS = ("invalid_credit_status",)


def _line(customer: Customer, currency_code: str) -> dict:
    (balance,) = credit_balance_list(customer=customer, filters={"currency_code": currency_code})
    return balance_to_dict(balance)


def _line_currency(customer: Customer, currency_code: str) -> str:
    """A currency in a path: not a currency is no line (404), as a malformed id is no object."""
    try:
        return validate_currency_code(currency_code)
    except ValidationError:
        raise CreditLineNotFound(customer.id, currency_code) from None


class CreditLineListView(CreditApiView):
    @api_operation(
        operation_id="grantCreditLine",
        summary="Grant a credit line in another currency",
        description="A line in a currency other than the customer's credit currency (whose line its approval "
        "granted), for a customer whose credit is approved or on hold: posted on the ledger as a `grant`, kept as a "
        "`line_adjustment` credit decision. The customer object's credit fields stay those of its credit currency; "
        "the new line is one more entry of `GET …/credit-balances`. 201 with that balance. A closed line can be "
        "granted again.",
        request=CreditLineGrantInput,
        response=CreditBalanceOut,
        status=201,
        errors=(*LINE_REFUSALS, "credit_line_exists", "customer_archived"),
    )
    def post(self, request, customer_id):
        customer = customer_get(customer_id=customer_id)
        decision = credit_line_grant(customer=customer, actor=self.actor, **self.validated(CreditLineGrantInput))
        return self.respond(_line(customer, decision.currency_code), status=201)


class CreditLineDetailView(CreditApiView):
    @api_operation(
        operation_id="updateCreditLine",
        summary="Adjust a credit line",
        description="Sets the whole line in `currency_code` (the credit currency's, or another granted and not "
        "closed); the difference is posted as a `line_adjustment`. It cannot go below what is reserved and used. 200 "
        "with the balance.",
        request=CreditLineUpdateInput,
        response=CreditBalanceOut,
        errors=LINE_REFUSALS,
    )
    def patch(self, request, customer_id, currency_code):
        customer = customer_get(customer_id=customer_id)
        currency = _line_currency(customer, currency_code)
        credit_line_update(
            customer=customer, actor=self.actor, currency_code=currency, **self.validated(CreditLineUpdateInput)
        )
        return self.respond(_line(customer, currency))


class CreditLineCloseView(CreditApiView):
    @api_operation(
        operation_id="closeCreditLine",
        summary="Close a credit line in another currency",
        description="Its available credit goes to zero (a `line_adjustment`), so nothing more is bought in it; only "
        "once nothing is reserved or used in it, and never the credit currency's line (adjust it, or deactivate the "
        "account). The balance stays listed, at zero. 200 with it.",
        request=CreditLineCloseInput,
        response=CreditBalanceOut,
        errors=(*LINE_REFUSALS, "credit_line_not_closable"),
    )
    def post(self, request, customer_id, currency_code):
        customer = customer_get(customer_id=customer_id)
        currency = _line_currency(customer, currency_code)
        credit_line_close(
            customer=customer, actor=self.actor, currency_code=currency, **self.validated(CreditLineCloseInput)
        )
        return self.respond(_line(customer, currency))


class CreditDecisionListView(CreditApiView):
    @api_operation(
        operation_id="listCreditDecisions",
        summary="List a customer's credit decisions",
        description="Every decision ever made about the customer's credit, by the engine or by staff; oldest first "
        "unless `order_by` says otherwise.",
        response=CreditDecisionOut,
        paginated=True,
        filterset=CreditDecisionFilterSet,
        ordering=HISTORY_ORDERING,
    )
    def get(self, request, customer_id):
        decisions = credit_decision_list(customer=customer_get(customer_id=customer_id), filters=request.query_params)
        return self.respond_page(decisions, present=credit_decision_to_dict, ordering_fields=HISTORY_ORDERING)


class CreditTransactionListView(CreditApiView):
    @api_operation(
        operation_id="listCreditTransactions",
        summary="List a customer's credit transactions",
        response=CreditTransactionOut,
        paginated=True,
        filterset=CreditTransactionFilterSet,
        ordering=TRANSACTION_ORDERING,
    )
    def get(self, request, customer_id):
        transactions = credit_transaction_list(
            customer=customer_get(customer_id=customer_id), filters=request.query_params
        )
        return self.respond_page(transactions, present=credit_transaction_to_dict, ordering_fields=TRANSACTION_ORDERING)

    @api_operation(
        operation_id="createCreditTransaction",
        summary="Spend credit (bill a purchase)",
        description="Reserves `amount` of the customer's available credit in `currency_code`: the transaction is "
        "`billed`. Complete it when the goods ship (the credit is then used and falls due by the customer's terms) "
        "or cancel it to release the reserve.",
        request=CreditTransactionInput,
        response=CreditTransactionOut,
        status=201,
        errors=BILL_REFUSALS,
    )
    def post(self, request, customer_id):
        customer = customer_get(customer_id=customer_id)
        credit_transaction = credit_transaction_bill(
            customer=customer, actor=self.actor, **self.validated(CreditTransactionInput)
        )
        return self.respond(credit_transaction_to_dict(credit_transaction), status=201)


def _credit_transaction(customer_id: str, credit_transaction_id: str) -> CreditTransaction:
    customer = customer_get(customer_id=customer_id)
    return credit_transaction_get(customer=customer, transaction_id=credit_transaction_id)


class CreditTransactionDetailView(CreditApiView):
    @api_operation(
        operation_id="getCreditTransaction", summary="Get a credit transaction", response=CreditTransactionOut
    )
    def get(self, request, customer_id, credit_transaction_id):
        return self.respond(credit_transaction_to_dict(_credit_transaction(customer_id, credit_transaction_id)))


class CreditTransactionCompleteView(CreditApiView):
    @api_operation(
        operation_id="completeCreditTransaction",
        summary="Complete a billed credit transaction",
        description="Reserved → used. `due_at` is set from the customer's terms. Send no body (or `{}`).",
        request=EmptyInput,
        response=CreditTransactionOut,
        errors=("invalid_transaction_state",),
    )
    def post(self, request, customer_id, credit_transaction_id):
        self.validated(EmptyInput)
        credit_transaction = credit_transaction_complete(
            credit_transaction=_credit_transaction(customer_id, credit_transaction_id), actor=self.actor
        )
        return self.respond(credit_transaction_to_dict(credit_transaction))


class CreditTransactionCancelView(CreditApiView):
    @api_operation(
        operation_id="cancelCreditTransaction",
        summary="Cancel a billed credit transaction",
        description="Reserved → available; only while `billed`. Send no body (or `{}`).",
        request=EmptyInput,
        response=CreditTransactionOut,
        errors=("invalid_transaction_state",),
    )
    def post(self, request, customer_id, credit_transaction_id):
        self.validated(EmptyInput)
        credit_transaction = credit_transaction_cancel(
            credit_transaction=_credit_transaction(customer_id, credit_transaction_id), actor=self.actor
        )
        return self.respond(credit_transaction_to_dict(credit_transaction))


class CreditRepaymentListView(CreditApiView):
    @api_operation(
        operation_id="createCreditRepayment",
        summary="Repay a completed credit transaction",
        description="Used → available, in the transaction's currency, up to what it still owes. A repayment that "
        "clears the customer's last seriously overdue amount lifts an automatic past-due hold.",
        request=CreditRepaymentInput,
        response=CreditRepaymentOut,
        status=201,
        errors=("invalid_transaction_state", "repayment_exceeds_outstanding"),
    )
    def post(self, request, customer_id, credit_transaction_id):
        credit_transaction = _credit_transaction(customer_id, credit_transaction_id)
        repayment = credit_transaction_repay(
            credit_transaction=credit_transaction, actor=self.actor, **self.validated(CreditRepaymentInput)
        )
        return self.respond(credit_repayment_to_dict(repayment), status=201)


class LedgerEntryListView(CreditApiView):
    @api_operation(
        operation_id="listLedgerEntries",
        summary="List a customer's credit ledger",
        description="Every balance movement, append-only. Oldest first by default (ids are time-ordered); "
        "`order_by=id[DESC]` gives the newest first. Each entry carries the balance after it.",
        response=LedgerEntryOut,
        paginated=True,
        filterset=LedgerEntryFilterSet,
        ordering=HISTORY_ORDERING,
    )
    def get(self, request, customer_id):
        entries = ledger_entry_list(customer=customer_get(customer_id=customer_id), filters=request.query_params)
        return self.respond_page(entries, present=ledger_entry_to_dict, ordering_fields=HISTORY_ORDERING)
