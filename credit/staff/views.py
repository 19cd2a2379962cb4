"""Staff pages for one customer's credit: the full decision, purchase and ledger histories (the customer page shows
their newest rows, see credit.staff.parts), and the credit actions (request a check, approve a direct application,
adjust the line, hold, deactivate, reinstate). Thin adapters over credit.selectors and credit.services; each view
names its capability."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from core.money import format_human, format_input
from core.staff.access import Capability, StaffView
from credit.selectors import (
    credit_account_get,
    credit_balance_list,
    credit_decision_list,
    credit_transaction_list,
    ledger_entry_list,
    with_past_due,
)
from credit.services import (
    credit_check_request,
    credit_deactivate,
    credit_direct_approve,
    credit_hold,
    credit_line_close,
    credit_line_grant,
    credit_line_update,
    credit_reinstate,
    net_terms_enrollment_renew,
)
from credit.staff.display import decision_rows, ledger_rows, newest_first, purchase_rows, staff_names
from credit.staff.forms import (
    ConfirmForm,
    CreditApproveForm,
    CreditCheckRequestForm,
    CreditHoldForm,
    CreditLineCloseForm,
    CreditLineForm,
    CreditLineGrantForm,
    CreditNoteForm,
)
from customers.models import Customer
from customers.selectors import customer_get
from customers.staff.views import CustomerFormView

PAGE_ROWS = 50


class _CustomerHistoryView(StaffView):
    """A whole history of the customer's credit, newest first, keyset-paginated."""

    capability = Capability.VIEW
    title = ""
    table_template = ""
    empty = ""

    def queryset(self, customer: Customer):
        raise NotImplementedError

    def rows(self, items: list) -> list:
        """The page's items as the table shows them (credit.staff.display's rows)."""
        raise NotImplementedError

    def get(self, request, customer_id: str):
        customer = customer_get(customer_id=customer_id)
        try:
            page = newest_first(
                self.queryset(customer),
                per_page=PAGE_ROWS,
                after=request.GET.get("after") or None,
                before=request.GET.get("before") or None,
            )
        except ValidationError:
            raise Http404("No such page.") from None
        context = {
            "customer": customer,
            "page": page,
            "rows": self.rows(page.items),
            "title": self.title,
            "table_template": self.table_template,
            "empty": self.empty,
        }
        return render(request, "credit/staff/history.html", context)


class CustomerDecisionsView(_CustomerHistoryView):
    title = "Credit decisions"
    table_template = "credit/staff/_decisions_table.html"
    empty = "No credit decisions yet."

    def queryset(self, customer):
        return credit_decision_list(customer=customer)

    def rows(self, items):
        return decision_rows(items, staff_names(decisions=items))


class CustomerCreditTransactionsView(_CustomerHistoryView):
    title = "Purchases on credit"
    table_template = "credit/staff/_transactions_table.html"
    empty = "No purchases on credit yet."

    def queryset(self, customer):
        return with_past_due(credit_transaction_list(customer=customer), now=timezone.now())

    def rows(self, items):
        return purchase_rows(items, now=timezone.now())


class CustomerLedgerView(_CustomerHistoryView):
    title = "Credit ledger"
    table_template = "credit/staff/_ledger_table.html"
    empty = "No ledger entries yet."

    def queryset(self, customer):
        return ledger_entry_list(customer=customer)

    def rows(self, items):
        return ledger_rows(items, staff_names(entries=items))


class _CreditActionView(CustomerFormView):
    """A credit form about one customer, beside its credit summary. Success goes back to the customer's credit."""

    capability = Capability.CREDIT_WRITE
    template_name = "credit/staff/action_form.html"
    title_format = ""
    intro = ""
    anchor = "#credit"

    def setup_object(self, customer_id: str | None = None):
        customer = super().setup_object(customer_id)
        self.title = self.title_format.format(customer=customer)
        self.balances = credit_balance_list(customer=customer)
        self.account = credit_account_get(customer=customer)
        self.credit_currency = self.account.credit_currency if self.account else None
        return customer

    def extra_context(self):
        return {**super().extra_context(), "intro": self.intro, "balances": self.balances, "account": self.account}


class CreditCheckRequestView(_CreditActionView):
    capability = Capability.CREDIT_REQUEST
    form_class = CreditCheckRequestForm
    title_format = "Request a credit check for {customer}"
    intro = (
        "The decision engine scores the request at once: clear cases are approved or declined automatically, "
        "the rest wait in the review queue for a credit officer. A customer is credit checked only once."
    )
    submit_label = "Request credit check"
    anchor = "#credit-check"

    def call_service(self, form):
        return credit_check_request(customer=self.object, actor=self.actor, **form.cleaned_data)

    def message(self, check):
        return f"Credit check requested for {format_human(check.amount_requested, check.currency_code)}."


class CreditDirectApproveView(_CreditActionView):
    form_class = CreditApproveForm
    title_format = "Approve a direct application from {customer}"
    intro = (
        "For a customer who applied directly rather than through a credit check: the line is granted now and "
        "the customer is enrolled in net terms at once."
    )
    submit_label = "Approve application"

    def call_service(self, form):
        return credit_direct_approve(customer=self.object, actor=self.actor, **form.cleaned_data)

    def message(self, decision):
        return (
            f"Approved: a credit line of {format_human(decision.amount, decision.currency_code)} on "
            f"{decision.default_terms.upper()}, enrolled in net terms."
        )


class CreditLineView(_CreditActionView):
    form_class = CreditLineForm
    title_format = "Adjust the credit line of {customer}"
    intro = "The new line replaces the old one. It cannot go below what is already reserved or used."
    submit_label = "Save the new line"

    def initial(self):
        current = next((b for b in self.balances if b.currency_code == self.credit_currency), None)
        if current is None:
            return {}
        return {
            "currency_code": current.currency_code,
            "credit_limit": format_input(current.credit_limit, current.currency_code),
        }

    def make_form(self, data=None):
        # The credit currency first, then any other currency the customer holds a balance in. A customer with no line
        # at all still gets a choice, so that the service, not the form, explains why there is nothing to adjust.
        open_lines = [b for b in self.balances if b.is_open_line(self.credit_currency)]
        codes = sorted({b.currency_code for b in open_lines}, key=lambda c: (c != self.credit_currency, c))
        return self.form_class(data, initial=self.initial(), currencies=codes or [self.credit_currency or "USD"])

    def call_service(self, form):
        return credit_line_update(customer=self.object, actor=self.actor, **form.cleaned_data)

    def message(self, decision):
        return f"Credit line set to {format_human(decision.amount, decision.currency_code)}."


class CreditLineGrantView(_CreditActionView):
    form_class = CreditLineGrantForm
    title_format = "Grant {customer} a line in another currency"
    intro = (
        "A second line beside the one in the credit currency: the customer can then buy in that currency too. The "
        "customer's credit summary stays in its credit currency; every line is listed with its balance."
    )
    submit_label = "Grant the line"

    def call_service(self, form):
        return credit_line_grant(customer=self.object, actor=self.actor, **form.cleaned_data)

    def message(self, decision):
        return f"Credit line of {format_human(decision.amount, decision.currency_code)} granted."


class CreditLineCloseView(_CreditActionView):
    form_class = CreditLineCloseForm
    title_format = "Close a credit line of {customer}"
    intro = (
        "The line's available credit goes to zero and nothing more can be bought in its currency. Only a line with "
        "nothing reserved or used closes; the credit currency's line does not."
    )
    submit_label = "Close the line"

    def setup_object(self, customer_id: str | None = None, currency_code: str = ""):
        customer = super().setup_object(customer_id)
        if not any(
            b.currency_code == currency_code and b.is_other_currency_line(self.credit_currency) for b in self.balances
        ):
            raise Http404("No such credit line to close.")
        self.currency_code = currency_code
        self.title = f"Close the {currency_code} credit line of {customer}"
        return customer

    def call_service(self, form):
        return credit_line_close(
            customer=self.object, actor=self.actor, currency_code=self.currency_code, **form.cleaned_data
        )

    def message(self, decision):
        return f"The {decision.currency_code} credit line is closed."


class CreditHoldView(_CreditActionView):
    form_class = CreditHoldForm
    title_format = "Put {customer} on hold"
    intro = "While on hold the customer cannot buy on credit; what is used can still be repaid. Reinstate to lift it."
    submit_label = "Put on hold"

    def call_service(self, form):
        return credit_hold(customer=self.object, actor=self.actor, **form.cleaned_data)

    def message(self, decision):
        return f"{self.object} is on hold ({decision.hold_code.replace('_', ' ')})."


class CreditDeactivateView(_CreditActionView):
    form_class = CreditNoteForm
    title_format = "Deactivate the credit account of {customer}"
    intro = (
        "A deactivated account cannot buy on credit until a credit officer reinstates it. Balances stay as they "
        "are, so what is used can still be repaid."
    )
    submit_label = "Deactivate"

    def call_service(self, form):
        return credit_deactivate(customer=self.object, actor=self.actor, **form.cleaned_data)

    def message(self, decision):
        return f"The credit account of {self.object} is deactivated."


class CreditReinstateView(_CreditActionView):
    form_class = CreditNoteForm
    title_format = "Reinstate the credit account of {customer}"
    intro = "Back to approved: the customer can buy on credit again, within its available credit."
    submit_label = "Reinstate"

    def call_service(self, form):
        return credit_reinstate(customer=self.object, actor=self.actor, **form.cleaned_data)

    def message(self, decision):
        return f"The credit account of {self.object} is reinstated."


class NetTermsEnrollmentRenewView(_CreditActionView):
    form_class = ConfirmForm
    title_format = "Send {customer} a new enrollment link"
    intro = (
        "A new link to accept the net terms replaces the current one, which stops working. Each active user of the "
        "customer is emailed the new link; until one of them accepts, the customer cannot buy on credit."
    )
    submit_label = "Send a new link"

    def call_service(self, form):
        return net_terms_enrollment_renew(customer=self.object, actor=self.actor)

    def message(self, customer):
        return f"A new enrollment link was issued to {customer} and emailed to its active users."
