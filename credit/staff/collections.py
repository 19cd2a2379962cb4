"""The collections worklist: every purchase past due across customers, with the customer's last contact, promise
and next follow-up (credit.selectors.collections_worklist), and the follow-ups due today. Read-only pages."""

from dataclasses import dataclass
from datetime import date, datetime

from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone

from core.pagination import parse_ordering
from core.staff.access import Capability, StaffView, user_can
from credit.models import CreditTransaction, CustomerNote
from credit.selectors import collections_owner_candidates, collections_worklist, follow_ups_due, with_promise_status
from credit.services import collections_owner_set
from credit.staff.display import requested_page
from credit.staff.forms import WORKLIST_ORDERS, CollectionsFilterSet, CollectionsOwnerForm
from credit.staff.notes import NoteRow, note_rows
from credit.staff.views import _CreditActionView
from customers.models import Customer

PER_PAGE = 50
ORDER_FIELDS = ("due_at", "outstanding")
DEFAULT_ORDER = WORKLIST_ORDERS[0][0]
FOLLOW_UP_ORDER = parse_ordering("id[ASC]", allowed=("id",))


@dataclass(frozen=True)
class WorklistRow:
    """A purchase past due as the worklist shows it: whole days past due, and the customer's newest promise to pay
    (with where it stands) when it made one."""

    purchase: CreditTransaction
    days_past_due: int
    promise: NoteRow | None


def worklist_rows(purchases: list[CreditTransaction], *, now: datetime, today: date) -> list[WorklistRow]:
    """Purchases loaded through collections_worklist; their promises in one query."""
    ids = {purchase.promise_note_id for purchase in purchases if purchase.promise_note_id}
    notes = with_promise_status(CustomerNote.objects.filter(id__in=ids), today=today) if ids else []
    promises = {row.note.id: row for row in note_rows(list(notes))}
    return [
        WorklistRow(purchase, max((now - purchase.due_at).days, 0), promises.get(purchase.promise_note_id))
        for purchase in purchases
    ]


def owner_context(request: HttpRequest, customer: Customer) -> dict:
    """The customer's collections owner and, for those who may change it, the usernames it may be given (one
    query each; the credit card's context already holds the account)."""
    can_assign = user_can(request.user, Capability.COLLECTIONS_ASSIGN)
    return {
        "collections_candidates": list(collections_owner_candidates().values_list("username", flat=True))
        if can_assign
        else [],
        "collections_can_assign": can_assign,
    }


class CollectionsOwnerView(_CreditActionView):
    """Give the customer to a member of staff to chase (or to no one)."""

    capability = Capability.COLLECTIONS_ASSIGN
    form_class = CollectionsOwnerForm
    title_format = "Collections owner of {customer}"
    intro = (
        "The member of staff who chases this customer for what it owes: an active account manager or credit "
        "officer. The collections worklist filters by owner."
    )
    submit_label = "Save owner"
    anchor = "#collections-owner"

    def make_form(self, data=None):
        candidates = list(collections_owner_candidates().values_list("username", flat=True))
        return self.form_class(data, initial=self.initial(), candidates=candidates)

    def initial(self):
        owner = self.account.collections_owner if self.account else None
        return {"owner": owner.get_username() if owner else ""}

    def call_service(self, form):
        return collections_owner_set(customer=self.object, actor=self.actor, owner=form.cleaned_data["owner"])

    def message(self, account):
        owner = account.collections_owner
        return f"{owner.get_username()} now chases {self.object}." if owner else f"No one chases {self.object} now."


class CollectionsView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        now, today = timezone.now(), timezone.localdate()
        filterset = CollectionsFilterSet(
            request.GET, queryset=collections_worklist(now=now), now=now, user=request.user
        )
        form = filterset.form
        page, rows, problems = None, [], []
        if filterset.is_valid():
            ordering = parse_ordering(form.cleaned_data.get("order_by") or DEFAULT_ORDER, allowed=ORDER_FIELDS)
            page, problems = requested_page(request, filterset.qs, ordering=ordering, per_page=PER_PAGE)
            rows = worklist_rows(page.items, now=now, today=today) if page else []
        context = {"form": form, "page": page, "rows": rows, "problems": problems}
        return render(request, "credit/staff/collections.html", context)


class FollowUpsView(StaffView):
    """Customers whose current follow-up is due today or overdue, oldest note first."""

    capability = Capability.VIEW

    def get(self, request):
        today = timezone.localdate()
        page, problems = requested_page(
            request, follow_ups_due(today=today), ordering=FOLLOW_UP_ORDER, per_page=PER_PAGE
        )
        context = {"page": page, "rows": note_rows(page.items) if page else [], "problems": problems, "today": today}
        return render(request, "credit/staff/follow_ups.html", context)
