"""The public pages reached by a signed link, no login (the link is the credential): net-terms enrollment (a thin
adapter over credit.enrollment and the net_terms_enroll service) and opting out of payment reminders
(credit.reminders' token, customers' customer_user_update)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.money import format_human
from credit.enrollment import EnrollmentLink, enrollment_link_resolve
from credit.errors import EnrollmentUnavailable
from credit.reminders import opt_out_link_resolve
from credit.services import customer_user_actor, net_terms_enroll
from customers.models import Customer, CustomerUser
from customers.presenters import customer_to_dict
from customers.selectors import active_customer_user_by_email, customer_loaded
from customers.services import customer_user_update


class EnrollmentAcceptForm(forms.Form):
    """A customer user accepting net terms on the public enrollment page: who they are, and that they accept."""

    email = forms.EmailField(label="Your email address", help_text="The address you use with this account.")
    accept = forms.BooleanField(label="I accept these net terms on behalf of the business.")

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.customer_user: CustomerUser | None = None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        self.customer_user = active_customer_user_by_email(customer=self.customer, email=email)
        if self.customer_user is None:
            raise forms.ValidationError(
                "This address is not an active user of this account. Ask your account manager to add you."
            )
        return email


STATUS_PAGES = {
    "invalid": (404, "This link is not valid", "Check that you copied the whole link, or ask us for a new one."),
    "expired": (410, "This enrollment link has expired", "Ask your account manager to send you a new one."),
    "unavailable": (409, "These terms are no longer on offer", "Contact your account manager for details."),
    "enrolled": (200, "You are enrolled in net terms", "Your account can buy on its credit line."),
}


def _offer(link: EnrollmentLink) -> dict:
    data = customer_to_dict(customer_loaded(link.customer))
    limit, currency = data["credit_limit"], data["credit_currency"]
    return {
        **data,
        # Worded as on the staff pages: core.money formats both.
        "credit_limit_display": "—" if limit is None else format_human(int(limit), currency),
        "expires_at": link.account.net_terms_enrollment_expires_at,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def enrollment_page(request, token: str):
    link = enrollment_link_resolve(token)
    if link.state != "open":
        return _status_page(request, link)
    form = EnrollmentAcceptForm(request.POST or None, customer=link.customer)
    if request.method == "POST" and form.is_valid():
        try:
            net_terms_enroll(
                customer=link.customer,
                customer_user=form.customer_user,
                actor=customer_user_actor(form.customer_user, request_id=request.request_id),
            )
        except EnrollmentUnavailable:
            return _status_page(request, enrollment_link_resolve(token))
        messages.success(request, "Thank you: the terms are accepted.")
        return redirect(request.path)
    return _no_referrer(render(request, "credit/enrollment/offer.html", {"offer": _offer(link), "form": form}))


def _status_page(request, link: EnrollmentLink):
    status, title, message = STATUS_PAGES[link.state]
    context = {
        "state": link.state,
        "title": title,
        "message": message,
        "offer": _offer(link) if link.customer is not None and link.state == "enrolled" else None,
    }
    return _no_referrer(render(request, "credit/enrollment/status.html", context, status=status))


OPT_OUT_PAGES = {
    "invalid": (404, "This link is not valid", "Check that you copied the whole link."),
    "expired": (410, "This link has expired", "Use the link in a more recent reminder, or ask us to stop them."),
    "unavailable": (409, "Nothing to stop", "This account is closed: no more reminders are sent to it."),
}


# No CSRF token: the signed link is the credential (a forged request can only opt out the link's own user), and
# RFC 8058's one-click unsubscribe (the List-Unsubscribe-Post header) is a POST from the mail provider, without cookies.
# Only a POST changes anything, so a mail scanner that follows the link (GET) opts no one out.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def reminder_opt_out_page(request, token: str):
    link = opt_out_link_resolve(token)
    if link.state != "open":
        return _opt_out_status(request, link.state)
    user = link.customer_user
    if request.method == "POST" and user.payment_reminders:
        try:
            user = customer_user_update(
                user=user,
                actor=customer_user_actor(user, request_id=request.request_id, via="reminder opt-out link"),
                data={"payment_reminders": False},
            )
        except ApplicationError:
            return _opt_out_status(request, "unavailable")
    context = {"email": user.email, "customer_name": str(user.customer), "opted_out": not user.payment_reminders}
    return _no_referrer(render(request, "credit/reminders/opt_out.html", context))


def _opt_out_status(request, state: str):
    status, title, message = OPT_OUT_PAGES[state]
    context = {"title": title, "message": message}
    return _no_referrer(render(request, "credit/enrollment/status.html", context, status=status))


def _no_referrer(response):
    # The token is in the URL: keep it out of Referer headers sent elsewhere, and out of search engines. Not
    # `no-referrer`, with which browsers send `Origin: null` with the page's own form and the CSRF check refuses it.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
