"""The public net-terms enrollment page: no login, the signed link is the credential. A thin adapter over
credit.enrollment (which link is this?) and the net_terms_enroll service."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.money import format_human
from credit.enrollment import enrollment_link_resolve
from credit.errors import EnrollmentUnavailable
from credit.forms import EnrollmentAcceptForm
from credit.services import net_terms_enroll
from customers.models import Customer
from customers.presenters import customer_to_dict

STATUS_PAGES = {
    "invalid": (404, "This link is not valid", "Check that you copied the whole link, or ask us for a new one."),
    "expired": (410, "This enrollment link has expired", "Ask your account manager to send you a new one."),
    "unavailable": (409, "These terms are no longer on offer", "Contact your account manager for details."),
    "enrolled": (200, "You are enrolled in net terms", "Your account can buy on its credit line."),
}


def _offer(customer: Customer) -> dict:
    data = customer_to_dict(customer)
    limit, currency = data["credit_limit"], data["credit_currency"]
    return {
        **data,
        # Worded as on the staff pages: core.money formats both.
        "credit_limit_display": "—" if limit is None else format_human(int(limit), currency),
        "expires_at": customer.net_terms_enrollment_expires_at,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def enrollment_page(request, token: str):
    link = enrollment_link_resolve(token)
    if link.state != "open":
        return _status_page(request, link.state, link.customer)
    form = EnrollmentAcceptForm(request.POST or None, customer=link.customer)
    if request.method == "POST" and form.is_valid():
        try:
            net_terms_enroll(customer=link.customer, customer_user=form.customer_user)
        except EnrollmentUnavailable:
            return _status_page(request, enrollment_link_resolve(token).state, link.customer)
        messages.success(request, "Thank you: the terms are accepted.")
        return redirect(request.path)
    return _no_referrer(render(request, "credit/enrollment/offer.html", {"offer": _offer(link.customer), "form": form}))


def _status_page(request, state: str, customer: Customer | None):
    status, title, message = STATUS_PAGES[state]
    context = {"state": state, "title": title, "message": message,
               "offer": _offer(customer) if customer is not None and state == "enrolled" else None}  # fmt: skip
    return _no_referrer(render(request, "credit/enrollment/status.html", context, status=status))


def _no_referrer(response):
    # The token is in the URL: keep it out of Referer headers and search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
