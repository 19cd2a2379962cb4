"""The portal's pages: sign-in (ask for a link, the link's page, sign-out), and the signed-in pages (overview,
purchases, one purchase, statements and their downloads, net terms and their acceptance, payment methods, users).
Thin adapters: a form, one service or a few selectors, a render. Every signed-in page reads through
`request.portal.customer`, so another customer's ids are simply not found (404)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.actors import Actor
from core.errors import ApplicationError, NotFound
from core.links import request_url
from core.models import ActorType
from core.staff.throttle import client_address
from credit.enrollment import enrollment_refusal
from credit.errors import EnrollmentUnavailable
from credit.selectors import (
    credit_account_get,
    credit_balance_list,
    credit_repayment_list,
    credit_transaction_get,
    customer_past_due,
    open_purchase_list,
)
from credit.services import net_terms_enroll
from credit.statement_documents import FORMATS, statement_document
from credit.statements import statement_get, statement_month_parse, statement_months, statement_years
from customers.selectors import active_customer_users, payment_method_get, payment_method_list
from customers.services import payment_method_delete, payment_method_set_default
from portal.access import clear_session_cookie, portal_page, portal_render, session_token, set_session_cookie
from portal.forms import EnrollmentAcceptForm, InviteForm, SignInForm
from portal.presenters import (
    credit_lines,
    enrollment_offer,
    past_due_rows,
    payment_method_label,
    payment_method_row,
    purchase_row,
    repayment_row,
    standing,
    statement_rows,
    user_row,
)
from portal.selectors import (
    PortalNotAllowed,
    can_manage_users,
    portal_link_by_token,
    portal_link_refusal,
    portal_user_removable,
)
from portal.services import (
    PortalLinkUnusable,
    portal_link_redeem,
    portal_session_revoke,
    portal_sign_in_request,
    portal_user_invite,
    portal_user_remove,
)
from portal.throttle import sign_in_request_allowed

OPEN_PURCHASES_SHOWN = 200
REPAYMENTS_SHOWN = 20


def _no_referrer(response):
    # Link pages carry a token in their URL: keep it out of Referer headers sent elsewhere. Not `no-referrer`, with
    # which browsers send `Origin: null` on the page's own form, and Django's CSRF check refuses the POST.
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def sign_in(request):
    """Ask for a sign-in link. The answer is the same page whether or not the address belongs to anyone."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not sign_in_request_allowed(email, client_address(request)):
            return portal_render(request, "portal/too_many.html", status=429)
        portal_sign_in_request(
            email=email,
            absolute_url=lambda path: request_url(request, path),
            actor=Actor(type=ActorType.SYSTEM, label="portal sign-in request", request_id=request.request_id),
        )
        return redirect("portal:sign_in_sent")
    return portal_render(request, "portal/sign_in.html", {"form": form})


def sign_in_sent(request):
    return portal_render(request, "portal/sign_in_sent.html")


@require_http_methods(["GET", "POST"])
def sign_in_link(request, token: str):
    """A sign-in link. GET shows a button and changes nothing (mail scanners and link previews fetch links, and must
    not use up a single-use one); its POST signs in."""
    if request.method == "POST":
        try:
            new = portal_link_redeem(token=token)
        except PortalLinkUnusable:
            return _no_referrer(portal_render(request, "portal/link_unusable.html", status=410))
        portal_session_revoke(token=session_token(request))  # a browser holds one portal session at a time
        rotate_token(request)  # as Django's login() does: a CSRF token seen before sign-in is not valid after it
        response = redirect("portal:overview")
        set_session_cookie(response, new.token)
        return _no_referrer(response)
    link = portal_link_by_token(token=token)
    if portal_link_refusal(link, now=timezone.now()) is not None:
        return _no_referrer(portal_render(request, "portal/link_unusable.html", status=410))
    return _no_referrer(portal_render(request, "portal/sign_in_link.html", {"link": link}))


@require_POST
def sign_out(request):
    portal_session_revoke(token=session_token(request))
    messages.info(request, "You are signed out of the portal.")
    response = redirect("portal:sign_in")
    clear_session_cookie(response)
    return response


def home(request):
    return redirect("portal:overview")


@portal_page
def overview(request):
    customer = request.portal.customer
    account = credit_account_get(customer=customer)
    now = timezone.now()
    context = {
        "standing": standing(account, terms=customer.default_terms),
        "lines": credit_lines(credit_balance_list(customer=customer), account),
        "past_due": past_due_rows(customer_past_due(customer=customer, now=now)),
        # The terms wait for someone to accept them: the overview says so, with the way to the page that does.
        "enrollment_open": account is not None and enrollment_refusal(customer, account, now=now) is None,
    }
    return portal_render(request, "portal/overview.html", context, nav="overview")


@portal_page
def purchases(request):
    customer = request.portal.customer
    now = timezone.now()
    open_purchases = list(open_purchase_list(customer=customer, now=now)[: OPEN_PURCHASES_SHOWN + 1])
    context = {
        "purchases": [purchase_row(purchase, now=now) for purchase in open_purchases[:OPEN_PURCHASES_SHOWN]],
        "more_purchases": len(open_purchases) > OPEN_PURCHASES_SHOWN,
        "repayments": [repayment_row(r) for r in credit_repayment_list(customer=customer)[:REPAYMENTS_SHOWN]],
    }
    return portal_render(request, "portal/purchases.html", context, nav="purchases")


@portal_page
def purchase_detail(request, purchase_id: str):
    customer = request.portal.customer
    try:
        purchase = credit_transaction_get(customer=customer, transaction_id=purchase_id)
    except NotFound:
        return portal_render(request, "portal/not_found.html", nav="purchases", status=404)
    context = {
        "purchase": purchase_row(purchase, now=timezone.now()),
        "repayments": [repayment_row(r) for r in credit_repayment_list(customer=customer, credit_transaction=purchase)],
        "back": reverse("portal:purchases"),
    }
    return portal_render(request, "portal/purchase_detail.html", context, nav="purchases")


@portal_page
def statements(request):
    """The company's monthly statements of one year (this one, or ?year=), the most recent month first: those with
    movements or a balance owed at the month's end, per currency, each a PDF and a CSV."""
    customer = request.portal.customer
    years = statement_years(customer=customer)
    year = years[0] if years else None
    if "year" in request.GET:
        asked = request.GET["year"]
        if not asked.isdigit() or int(asked) not in years:
            return _not_found(request, nav="statements")
        year = int(asked)
    context = {
        "year": year,
        "years": years,
        "rows": statement_rows(statement_months(customer=customer, year=year)) if year else [],
    }
    return portal_render(request, "portal/statements.html", context, nav="statements")


@portal_page
def statement_download(request, month: str, currency: str, file_format: str):
    """One statement as a file, the staff download's: credit.statements.statement_get of the session's customer,
    rendered by credit.statement_documents. A month, currency or format it does not have is not found."""
    if file_format not in FORMATS:
        return _not_found(request, nav="statements")
    try:
        statement = statement_get(
            customer=request.portal.customer, currency_code=currency, month=statement_month_parse(month)
        )
    except ValidationError:
        return _not_found(request, nav="statements")
    document = statement_document(statement, file_format)
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.file_name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _enrollment_page(request, *, form: EnrollmentAcceptForm | None = None, status: int = 200):
    customer = request.portal.customer
    account = credit_account_get(customer=customer)
    refusal = enrollment_refusal(customer, account, now=timezone.now())
    offer = enrollment_offer(
        customer, account, credit_balance_list(customer=customer), refusal_code=refusal.code if refusal else None
    )
    context = {"offer": offer, "form": form or EnrollmentAcceptForm(), "seller": settings.SELLER_NAME}
    return portal_render(request, "portal/enrollment.html", context, nav="enrollment", status=status)


@portal_page
def enrollment(request):
    """The company's net terms: on offer (with the Accept button), accepted, expired or not offered."""
    return _enrollment_page(request)


def _confirm_removal(request, *, what: str, consequence: str, back: str, nav: str):
    context = {"what": what, "consequence": consequence, "back": reverse(back)}
    return portal_render(request, "portal/confirm_remove.html", context, nav=nav)


def _actor(request) -> Actor:
    return Actor.customer_user(request.portal.user, request_id=request.request_id)


def _not_found(request, nav: str):
    return portal_render(request, "portal/not_found.html", nav=nav, status=404)


@portal_page(require_user=True)
def payment_methods(request):
    methods = payment_method_list(customer=request.portal.customer).order_by("-is_default", "created_at", "id")
    rows = [payment_method_row(method) for method in methods]
    return portal_render(request, "portal/payment_methods.html", {"methods": rows}, nav="payment_methods")


def _payment_method_action(request, method_id: str, act) -> object:
    try:
        method = payment_method_get(customer=request.portal.customer, payment_method_id=method_id)
    except NotFound:
        return _not_found(request, "payment_methods")
    try:
        messages.success(request, act(method))
    except ApplicationError as error:
        messages.error(request, error.detail)
    return redirect("portal:payment_methods")


@require_POST
@portal_page(require_user=True)
def enrollment_accept(request):
    """A person accepts the terms on offer, through the service the emailed enrollment link uses (net_terms_enroll);
    terms no longer on offer (accepted meanwhile, expired, withdrawn) change nothing and say why."""
    form = EnrollmentAcceptForm(request.POST)
    if not form.is_valid():
        return _enrollment_page(request, form=form, status=400)
    user = request.portal.user
    try:
        net_terms_enroll(
            customer=request.portal.customer,
            customer_user=user,
            actor=_actor(request),
        )
    except EnrollmentUnavailable:
        return _enrollment_page(request, status=409)
    messages.success(request, "Thank you: your company has accepted the net terms and can buy on them.")
    return redirect("portal:enrollment")


@require_POST
@portal_page(require_user=True)
def payment_method_default(request, method_id: str):
    def act(method):
        method = payment_method_set_default(method=method, actor=_actor(request))
        return f"{payment_method_label(method)} is now your default payment method."

    return _payment_method_action(request, method_id, act)


@require_http_methods(["GET", "POST"])
@portal_page(require_user=True)
def payment_method_remove(request, method_id: str):
    """GET asks "Remove …?" and changes nothing (a page, so it works without JavaScript); its POST removes."""
    if request.method == "GET":
        try:
            method = payment_method_get(customer=request.portal.customer, payment_method_id=method_id)
        except NotFound:
            return _not_found(request, "payment_methods")
        return _confirm_removal(
            request,
            what=payment_method_label(method),
            consequence="Your company will no longer be able to pay with it; your account manager can add it again.",
            back="portal:payment_methods",
            nav="payment_methods",
        )

    def act(method):
        payment_method_delete(method=method, actor=_actor(request))
        return f"{payment_method_label(method)} removed."

    return _payment_method_action(request, method_id, act)


def _users_page(request, form: InviteForm, *, status: int = 200):
    you = request.portal.user
    context = {
        "users": [user_row(user, you=you) for user in active_customer_users(customer=request.portal.customer)],
        "can_manage": can_manage_users(you),
        "form": form,
    }
    return portal_render(request, "portal/users.html", context, nav="users", status=status)


def _forbidden(request, error: PortalNotAllowed):
    return portal_render(request, "portal/not_allowed.html", {"reason": error.detail}, nav="users", status=403)


@portal_page(require_user=True)
def users(request):
    return _users_page(request, InviteForm())


@require_POST
@portal_page(require_user=True)
def user_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _users_page(request, form, status=400)
    try:
        user = portal_user_invite(
            inviter=request.portal.user,
            **form.cleaned_data,
            absolute_url=lambda path: request_url(request, path),
            actor=_actor(request),
        )
    except PortalNotAllowed as error:
        return _forbidden(request, error)
    except ApplicationError as error:
        if error.code == "conflict":  # the email is taken: said as the company sees it
            form.add_error("email", "Someone at your company already has this email address.")
        else:
            form.add_service_error(error)
        return _users_page(request, form, status=400)
    except ValidationError as error:
        form.add_service_error(error)
        return _users_page(request, form, status=400)
    messages.success(request, f"Invitation sent to {user.email}.")
    return redirect("portal:users")


@require_http_methods(["GET", "POST"])
@portal_page(require_user=True)
def user_remove(request, user_id: str):
    """GET asks "Remove …?" and changes nothing; its POST removes."""
    if request.method == "GET":
        try:
            user = portal_user_removable(remover=request.portal.user, user_id=user_id)
        except PortalNotAllowed as error:
            return _forbidden(request, error)
        except NotFound:
            return _not_found(request, "users")
        return _confirm_removal(
            request,
            what=user_row(user, you=request.portal.user).name or user.email,
            consequence=f"{user.email} will no longer be able to sign in to the portal or buy for your company.",
            back="portal:users",
            nav="users",
        )
    try:
        user = portal_user_remove(remover=request.portal.user, user_id=user_id, actor=_actor(request))
    except PortalNotAllowed as error:
        return _forbidden(request, error)
    except NotFound:
        return _not_found(request, "users")
    messages.success(request, f"{user.email} removed: they can no longer sign in to the portal.")
    return redirect("portal:users")
