"""The collections worklist: every purchase past due across customers, with the customer's last contact, promise
and next follow-up (credit.selectors.collections_worklist), and the follow-ups due today. Read-only pages."""

from dataclasses import dataclass
from datetime import date, datetime

from django.shortcuts import render
from django.utils import timezone

from core.pagination import parse_ordering
from core.staff.access import Capability, StaffView
from credit.models import CreditTransaction, CustomerNote
from credit.selectors import collections_worklist, follow_ups_due, with_promise_status
from credit.staff.display import requested_page
from credit.staff.forms import WORKLIST_ORDERS, CollectionsFilterForm
from credit.staff.notes import NoteRow, note_rows

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


class CollectionsView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        form = CollectionsFilterForm(request.GET)
        page, rows, problems = None, [], []
        if form.is_valid():
            data = form.cleaned_data
            now, today = timezone.now(), timezone.localdate()
            ordering = parse_ordering(data.get("order_by") or DEFAULT_ORDER, allowed=ORDER_FIELDS)
            queryset = collections_worklist(
                now=now,
                bucket=data.get("bucket") or None,
                currency_codes=data["currency_code"].split(",") if data.get("currency_code") else None,
            )
            page, problems = requested_page(request, queryset, ordering=ordering, per_page=PER_PAGE)
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
