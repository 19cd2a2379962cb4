"""What the staff credit pages add to credit rows before showing them: who acted (by name), how overdue a purchase
is, and a credit check as the pages show it (`CheckView`): its stored scorecard as lines of points, its score on the
provider's own scale, its due time in the review queue."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import ActorType
from core.pagination import KeysetPage, Ordering, keyset_paginate, parse_ordering
from core.selectors import actor_names
from credit.dashboard import review_due_at
from credit.engine import Scorecard, ScoreScale
from credit.enrollment import account_enrollment_url
from credit.models import (
    CreditAccount,
    CreditCheck,
    CreditDecision,
    CreditLedgerEntry,
    CreditTransaction,
    LedgerEntryType,
)
from credit.selectors import credit_decision_list, credit_transaction_list, ledger_entry_list, with_past_due
from credit.services.checks import UNDECIDED
from credit.vocabulary import days_past_due, purchase_actions
from customers.models import Customer

DETAIL_ROWS = 10
NEWEST_FIRST = parse_ordering("id[DESC]", allowed=("id",))
# What each kind of ledger entry does to the balance's buckets.
LEDGER_MOVES = {
    LedgerEntryType.GRANT: "+ available",
    LedgerEntryType.LINE_ADJUSTMENT: "± available",
    LedgerEntryType.RESERVE: "available → reserved",
    LedgerEntryType.RELEASE: "reserved → available",
    LedgerEntryType.USE: "reserved → used",
    LedgerEntryType.REPAYMENT: "used → available",
}


def staff_names(
    *,
    decisions: list[CreditDecision] = (),
    entries: list[CreditLedgerEntry] = (),
    checks: list[CreditCheck] = (),
) -> dict[tuple[str, str], str]:
    """Names of the staff and API clients who decided, moved money or asked for a check, in one query
    (core.selectors.actor_names; none when only the system acted)."""
    return actor_names(
        [(d.decided_by_type, d.decided_by_id) for d in decisions]
        + [(e.actor_type, e.actor_id) for e in entries]
        + [(c.requested_by_type, c.requested_by_id) for c in checks]
    )


def _actor_label(actor_type: str, actor_id: str, names: dict[tuple[str, str], str], *, system: str = "System") -> str:
    name = names.get((actor_type, actor_id))
    if actor_type == ActorType.STAFF:
        return name or f"staff user #{actor_id} (deleted)"
    if actor_type == ActorType.API_CLIENT:
        return f"{name} (API client)" if name else f"API client {actor_id}"
    return system


def requester_label(check: CreditCheck, names: dict[str, str]) -> str:
    """Who asked for a check: a staff member's username (from `staff_names`), an API client or the system."""
    return _actor_label(check.requested_by_type, check.requested_by_id, names)


@dataclass(frozen=True)
class DecisionRow:
    """A credit decision as the pages show it, with who made it in words."""

    decision: CreditDecision
    actor: str


@dataclass(frozen=True)
class LedgerRow:
    """A ledger entry as the pages show it: who moved the money, and what the movement does to the buckets."""

    entry: CreditLedgerEntry
    actor: str
    movement: str


@dataclass(frozen=True)
class PurchaseRow:
    """A purchase on credit as the pages show it: whole days past due (None unless something is outstanding after the
    due date) and whether the automatic hold counts it (credit.selectors.with_past_due's answer: the page has no
    threshold of its own), and what may be done to it now (credit.vocabulary.purchase_actions)."""

    purchase: CreditTransaction
    days_overdue: int | None
    past_due_for_hold: bool
    actions: tuple[str, ...] = ()


def decision_rows(decisions: list[CreditDecision], names: dict[str, str]) -> list[DecisionRow]:
    """`names` from `staff_names`: a staff member's username, an API client, the decision engine or the system."""
    rows = []
    for decision in decisions:
        provider = (decision.inputs or {}).get("provider")
        engine = f"Decision engine ({provider})" if provider else "System"
        rows.append(
            DecisionRow(decision, _actor_label(decision.decided_by_type, decision.decided_by_id, names, system=engine))
        )
    return rows


def ledger_rows(entries: list[CreditLedgerEntry], names: dict[str, str]) -> list[LedgerRow]:
    return [
        LedgerRow(entry, _actor_label(entry.actor_type, entry.actor_id, names), LEDGER_MOVES.get(entry.entry_type, ""))
        for entry in entries
    ]


def purchase_rows(purchases: list[CreditTransaction], *, now: datetime) -> list[PurchaseRow]:
    """Purchases loaded through credit.selectors.with_past_due."""
    rows = []
    for purchase in purchases:
        rows.append(
            PurchaseRow(
                purchase,
                days_past_due(amount_outstanding=purchase.amount_outstanding, due_at=purchase.due_at, now=now),
                purchase.past_due_for_hold,
                tuple(purchase_actions(purchase.status, purchase.amount_outstanding)),
            )
        )
    return rows


@dataclass(frozen=True)
class ScorecardLine:
    """One line of a check's scorecard on a page: a rule with its points, or the conclusion or a note (no points)."""

    text: str
    points: int | None = None
    max_points: int | None = None
    passed: bool | None = None

    @property
    def kind(self) -> str:
        if self.points is None:
            return "note"
        return "plus" if self.passed else "zero"

    @property
    def points_text(self) -> str:
        return f"{self.points:+d}" if self.points is not None else ""


@dataclass(frozen=True)
class ScoreMeter:
    """A score on its provider's scale, for the meter: the zones and the marker as percentages of its width."""

    score: int
    scale: ScoreScale

    def _percent(self, value: int) -> float:
        return 100 * min(max(value, 0), self.scale.maximum) / self.scale.maximum

    @property
    def low_width(self) -> float:
        return self._percent(self.scale.decline_below)

    @property
    def middle_width(self) -> float:
        return self.high_x - self.low_width

    @property
    def high_x(self) -> float:
        return self._percent(self.scale.approve_at)

    @property
    def high_width(self) -> float:
        return 100 - self.high_x

    @property
    def marker_x(self) -> float:
        """Where the score's marker starts on the meter, kept inside it at either end."""
        return min(max(self._percent(self.score) - 0.7, 0), 98.6)

    @property
    def zone(self) -> str:
        if self.score < self.scale.decline_below:
            return "low"
        return "high" if self.score >= self.scale.approve_at else "middle"


@dataclass(frozen=True)
class CheckView:
    """A credit check as the review queue, its own page and the customer page show it."""

    check: CreditCheck
    lines: tuple[ScorecardLine, ...]
    meter: ScoreMeter | None
    undecided: bool
    waited: timedelta
    due_at: datetime | None
    overdue: bool
    requested_by: str = ""
    approve_form: forms.Form | None = None
    decline_form: forms.Form | None = None

    def with_forms(self, *, approve: forms.Form, decline: forms.Form) -> "CheckView":
        return replace(self, approve_form=approve, decline_form=decline)


def scorecard_lines(scorecard: Scorecard | None, reasons: list[str]) -> tuple[ScorecardLine, ...]:
    """The provider's rules with their points and its conclusion; a check without a scorecard (referred because the
    engine never answered) shows its reasons as notes."""
    if scorecard is None:
        return tuple(ScorecardLine(str(reason)) for reason in reasons or ())
    rules = (ScorecardLine(rule.label, rule.points, rule.max_points, rule.passed) for rule in scorecard.rules)
    return (*rules, ScorecardLine(scorecard.conclusion.label))


def check_view(check: CreditCheck, *, now: datetime, requested_by: str = "") -> CheckView:
    """What the pages show about a check: its scorecard lines, its score on the scale the provider stored with it,
    how long it has waited and, while undecided, when it is due."""
    scorecard = Scorecard.from_json(check.scorecard) if check.scorecard else None
    meter = ScoreMeter(scorecard.score, scorecard.scale) if scorecard and scorecard.scale else None
    undecided = check.status in UNDECIDED
    due_at = review_due_at(check.requested_at) if undecided else None
    return CheckView(
        check=check,
        lines=scorecard_lines(scorecard, check.reasons),
        meter=meter,
        undecided=undecided,
        waited=(check.decided_at or now) - check.requested_at,
        due_at=due_at,
        overdue=due_at is not None and now > due_at,
        requested_by=requested_by,
    )


def newest_first(queryset, *, per_page: int, after: str | None = None, before: str | None = None) -> KeysetPage:
    return keyset_paginate(queryset, ordering=NEWEST_FIRST, per_page=per_page, after=after, before=before)


def customer_credit_context(customer: Customer, account: CreditAccount | None) -> dict:
    """What the customer page's credit sections show, in a fixed number of queries whatever the history's length:
    the check, the newest decisions, purchases and ledger entries, and the names of the staff who acted."""
    now = timezone.now()
    check = CreditCheck.objects.filter(customer=customer).first()
    decisions = newest_first(credit_decision_list(customer=customer), per_page=DETAIL_ROWS)
    purchases = newest_first(with_past_due(credit_transaction_list(customer=customer), now=now), per_page=DETAIL_ROWS)
    ledger = newest_first(ledger_entry_list(customer=customer), per_page=DETAIL_ROWS)
    names = staff_names(decisions=decisions.items, entries=ledger.items, checks=[check] if check else [])
    return {
        "credit_check": check_view(check, now=now, requested_by=requester_label(check, names)) if check else None,
        "decisions": decisions,
        "decision_rows": decision_rows(decisions.items, names),
        "credit_transactions": purchases,
        "purchase_rows": purchase_rows(purchases.items, now=now),
        "ledger": ledger,
        "ledger_rows": ledger_rows(ledger.items, names),
        "enrollment_url": account_enrollment_url(account) if account else None,
    }


def requested_page(request, queryset, *, ordering: Ordering, per_page: int) -> tuple[KeysetPage | None, list[str]]:
    """The page of a list the request's `after` / `before` cursor asks for, or no page and what is wrong with the
    cursor (a tampered one is the page's problem to show, not a server error)."""
    try:
        page = keyset_paginate(
            queryset,
            ordering=ordering,
            per_page=per_page,
            after=request.GET.get("after") or None,
            before=request.GET.get("before") or None,
        )
    except ValidationError as error:
        return None, [message for messages in error.message_dict.values() for message in messages]
    return page, []
