"""The credit review queue: checks the engine referred to a person, oldest first, each with its scorecard and, for
credit officers, approve and decline forms right there. Decisions go through credit_check_approve/decline."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core.errors import ApplicationError
from core.money import format_human, format_input
from core.pagination import keyset_paginate, parse_ordering
from core.staff.access import Capability, StaffView, user_can
from credit.dashboard import review_queue_summary
from credit.models import CreditCheck
from credit.selectors import credit_check_get, credit_review_queue
from credit.services import credit_check_approve, credit_check_decline
from credit.services.checks import UNDECIDED
from credit.staff.display import CheckView, check_view, requester_label, staff_names
from credit.staff.forms import CreditApproveForm, CreditDeclineForm
from customers.models import Terms

QUEUE_PAGE = 20
# Ids are time-ordered: the oldest request first.
OLDEST_FIRST = parse_ordering("id[ASC]", allowed=("id",))


def approve_form(check: CreditCheck, data=None) -> CreditApproveForm:
    """Prefilled with what was asked for, so approving the request as it stands is one click."""
    initial = {
        "amount": format_input(check.amount_requested, check.currency_code),
        "currency_code": check.currency_code,
        "default_terms": check.customer.default_terms or Terms.NET30,
    }
    return CreditApproveForm(data, initial=initial, prefix=f"approve-{check.id}")


def decline_form(check: CreditCheck, data=None) -> CreditDeclineForm:
    return CreditDeclineForm(data, prefix=f"decline-{check.id}")


def _with_forms(view: CheckView, request, *, approve=None, decline=None) -> CheckView:
    """Credit officers get the approve and decline forms on a check that is still undecided."""
    if not view.undecided or not user_can(request.user, Capability.CREDIT_WRITE):
        return view
    return view.with_forms(approve=approve or approve_form(view.check), decline=decline or decline_form(view.check))


class ReviewQueueView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        now = timezone.now()
        try:
            page = keyset_paginate(
                credit_review_queue(),
                ordering=OLDEST_FIRST,
                per_page=QUEUE_PAGE,
                after=request.GET.get("after") or None,
                before=request.GET.get("before") or None,
            )
        except ValidationError:
            raise Http404("No such page of the review queue.") from None
        items = [_with_forms(check_view(check, now=now), request) for check in page.items]
        context = {"page": page, "items": items, "summary": review_queue_summary(now=now)}
        return render(request, "credit/staff/review_queue.html", context)


def _render_check(request, check: CreditCheck, *, status: int = 200, **forms):
    view = check_view(check, now=timezone.now(), requested_by=requester_label(check, staff_names(checks=[check])))
    context = {"item": _with_forms(view, request, **forms)}
    return render(request, "credit/staff/review_check.html", context, status=status)


class ReviewCheckView(StaffView):
    """One check on its own page: linked from the customer page, and where a refused decision shows its errors."""

    capability = Capability.VIEW

    def get(self, request, check_id: str):
        return _render_check(request, credit_check_get(check_id=check_id))


class _DecideView(StaffView):
    capability = Capability.CREDIT_WRITE
    http_method_names = ["post"]
    form_kind = ""

    def make_form(self, check, data):
        raise NotImplementedError

    def decide(self, check, form):
        raise NotImplementedError

    def message(self, check, decision) -> str:
        raise NotImplementedError

    def post(self, request, check_id: str):
        check = credit_check_get(check_id=check_id)
        form = self.make_form(check, request.POST)
        if form.is_valid():
            try:
                decision = self.decide(check, form)
            except (ValidationError, ApplicationError) as error:
                form.add_service_error(error)
            else:
                messages.success(request, self.message(check, decision))
                return redirect("staff:review_queue")
        check.refresh_from_db()
        if check.status not in UNDECIDED:
            # Someone else decided it meanwhile: show its state, and why this decision was refused.
            for error in form.non_field_errors():
                messages.error(request, error)
            return redirect("staff:review_check", check.id)
        return _render_check(request, check, **{self.form_kind: form})


class ReviewApproveView(_DecideView):
    form_kind = "approve"

    def make_form(self, check, data):
        return approve_form(check, data)

    def decide(self, check, form):
        return credit_check_approve(credit_check=check, actor=self.actor, **form.cleaned_data)

    def message(self, check, decision):
        return (
            f"{check.customer} approved: {format_human(decision.amount, decision.currency_code)} on "
            f"{decision.default_terms.upper()}. Their net-terms enrollment link is on the customer page."
        )


class ReviewDeclineView(_DecideView):
    form_kind = "decline"

    def make_form(self, check, data):
        return decline_form(check, data)

    def decide(self, check, form):
        return credit_check_decline(credit_check=check, actor=self.actor, **form.cleaned_data)

    def message(self, check, decision):
        return f"{check.customer} declined ({decision.decline_code.replace('_', ' ')})."
