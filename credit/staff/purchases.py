"""Staff pages for purchases on credit: every customer's purchases (filtered, keyset-paginated), and billing,
completing, cancelling and repaying one. Thin adapters over the services the API calls (credit.services): the
services decide, and their refusals come back in their own words."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.money import format_human, format_input
from core.staff.access import Capability, StaffView
from core.staff.views import ServiceActionView
from credit.errors import CustomerUserNotAllowed
from credit.models import CreditTransaction
from credit.selectors import credit_transaction_get, purchase_list, with_past_due
from credit.services import (
    credit_transaction_bill,
    credit_transaction_cancel,
    credit_transaction_complete,
    credit_transaction_repay,
)
from credit.staff.display import NEWEST_FIRST, purchase_rows, requested_page
from credit.staff.forms import PurchaseBillForm, PurchaseRepayForm, StaffPurchaseFilterSet
from credit.staff.views import _CreditActionView
from customers.models import CustomerUserStatus
from customers.selectors import customer_get, customer_user_list

PER_PAGE = 50


def next_url(request, default: str) -> str:
    """Where to go after an action: the page it was taken from (a `next` of this site, from the form or the query
    string), else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default


def purchases_anchor(customer_id: str) -> str:
    return reverse("staff:customer_detail", args=[customer_id]) + "#purchases"


def _label(purchase: CreditTransaction) -> str:
    """A purchase in a message: its amount, and its reference when it has one."""
    amount = format_human(purchase.amount, purchase.currency_code)
    return f"{amount} ({purchase.reference})" if purchase.reference else amount


class PurchaseListView(StaffView):
    """Every customer's purchases on credit, newest first, filtered by status and currency."""

    capability = Capability.VIEW

    def get(self, request):
        filterset = StaffPurchaseFilterSet(data=request.GET, queryset=purchase_list())
        page, rows, problems = None, [], []
        if filterset.is_valid():
            now = timezone.now()
            page, problems = requested_page(
                request, with_past_due(filterset.qs, now=now), ordering=NEWEST_FIRST, per_page=PER_PAGE
            )
            rows = purchase_rows(page.items, now=now) if page else []
        context = {"form": filterset.form, "page": page, "rows": rows, "problems": problems}
        return render(request, "credit/staff/purchases.html", context)


class PurchaseBillView(_CreditActionView):
    capability = Capability.PURCHASES_WRITE
    form_class = PurchaseBillForm
    title_format = "Bill a purchase on credit to {customer}"
    intro = (
        "The amount is reserved from the customer's available credit: completing the purchase uses it (due by the "
        "customer's terms), cancelling it gives it back."
    )
    submit_label = "Bill purchase"
    anchor = "#purchases"

    def initial(self):
        return {"currency_code": self.credit_currency or "USD"}

    def make_form(self, data=None):
        buyers = customer_user_list(customer=self.object, filters={"status": CustomerUserStatus.ACTIVE})
        return self.form_class(data, initial=self.initial(), buyers=buyers.order_by("first_name", "last_name", "email"))

    def call_service(self, form):
        try:
            return credit_transaction_bill(customer=self.object, actor=self.actor, **form.cleaned_data)
        except CustomerUserNotAllowed as error:
            # The service's refusal names ids for API clients; a person reads who may buy instead.
            why = "are archived" if error.why == f"is {CustomerUserStatus.ARCHIVED}" else "are not one of its users"
            raise ValidationError(
                {
                    "customer_user_id": (
                        f"That person cannot buy on the credit of {self.object}: they {why}. Only its active users "
                        "can: choose one from the list, or nobody."
                    )
                }
            ) from error

    def message(self, purchase):
        return f"Billed {_label(purchase)}: reserved until it is completed or canceled."


class PurchaseRepayView(_CreditActionView):
    """Record a repayment (a cheque, a transfer) against a completed purchase, the whole outstanding or a part."""

    capability = Capability.PURCHASES_WRITE
    form_class = PurchaseRepayForm
    title_format = "Record a repayment from {customer}"
    submit_label = "Record repayment"
    anchor = "#purchases"  # back to the purchase repaid (the customer page's Purchases tab)

    def setup_object(self, customer_id: str, transaction_id: str):
        customer = super().setup_object(customer_id)
        self.purchase = credit_transaction_get(customer=customer, transaction_id=transaction_id)
        self.intro = f"Against the purchase of {_label(self.purchase)}, {self.purchase.id}."
        return customer

    def initial(self):
        # The whole outstanding amount, as the most common repayment; a partial one is typed over it.
        outstanding = self.purchase.amount_outstanding
        return {"amount": format_input(outstanding, self.purchase.currency_code)} if outstanding else {}

    def make_form(self, data=None):
        outstanding = format_human(self.purchase.amount_outstanding, self.purchase.currency_code)
        return self.form_class(
            data, initial=self.initial(), currency=self.purchase.currency_code, outstanding=outstanding
        )

    def call_service(self, form):
        return credit_transaction_repay(
            credit_transaction=self.purchase, actor=self.actor, amount=form.cleaned_data["amount"]
        )

    def message(self, repayment):
        purchase = repayment.transaction
        left = format_human(purchase.amount_outstanding, purchase.currency_code)
        return f"Recorded a repayment of {format_human(repayment.amount, purchase.currency_code)}; {left} outstanding."

    def success_url(self, result):
        return next_url(self.request, super().success_url(result))


class _PurchaseActionView(ServiceActionView):
    """A button on one purchase: run its service, go back where it was pressed (the customer's purchases)."""

    capability = Capability.PURCHASES_WRITE

    def purchase(self, customer_id: str, transaction_id: str) -> CreditTransaction:
        return credit_transaction_get(customer=customer_get(customer_id=customer_id), transaction_id=transaction_id)

    def next_url(self, customer_id: str, transaction_id: str) -> str:
        return next_url(self.request, purchases_anchor(customer_id))


class PurchaseCompleteView(_PurchaseActionView):
    def act(self, customer_id: str, transaction_id: str) -> str:
        purchase = credit_transaction_complete(
            credit_transaction=self.purchase(customer_id, transaction_id), actor=self.actor
        )
        return f"Completed {_label(purchase)}: used, due {purchase.due_at:%b %-d, %Y}."


class PurchaseCancelView(_PurchaseActionView):
    def act(self, customer_id: str, transaction_id: str) -> str:
        purchase = credit_transaction_cancel(
            credit_transaction=self.purchase(customer_id, transaction_id), actor=self.actor
        )
        return f"Canceled {_label(purchase)}: the reserve is available again."
