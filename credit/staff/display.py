"""What the staff credit pages add to credit rows before showing them: who acted (by name), how overdue a purchase
is, and a credit check's scorecard read as points, its due time in the review queue and its score on a scale."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.models import ActorType
from core.pagination import KeysetPage, keyset_paginate, parse_ordering
from credit.dashboard import review_due_at
from credit.engine import ScorecardProvider
from credit.enrollment import account_enrollment_url
from credit.models import (
    CreditAccount,
    CreditCheck,
    CreditDecision,
    CreditLedgerEntry,
    CreditTransaction,
    LedgerEntryType,
)
from credit.selectors import (
    credit_decision_list,
    credit_transaction_list,
    ledger_entry_list,
    with_past_due,
)
from credit.services.checks import UNDECIDED
from customers.models import Customer

_POINTS_RE = re.compile(r"^\+(\d+) (.+)$")
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


def _staff_names(ids: set[str]) -> dict[str, str]:
    """Usernames of staff actors, in one query (none when no staff acted)."""
    ids = {actor_id for actor_id in ids if actor_id.isdigit()}
    if not ids:
        return {}
    user_model = get_user_model()
    rows = user_model.objects.filter(pk__in=ids).values_list("pk", user_model.USERNAME_FIELD)
    return {str(pk): name for pk, name in rows}


def _actor_label(actor_type: str, actor_id: str, names: dict[str, str], *, system: str = "System") -> str:
    if actor_type == ActorType.STAFF:
        return names.get(actor_id, f"staff user #{actor_id} (deleted)")
    if actor_type == ActorType.API_CLIENT:
        return f"API client {actor_id}"
    return system


def label_actors(
    *,
    decisions: list[CreditDecision] = (),
    entries: list[CreditLedgerEntry] = (),
    checks: list[CreditCheck] = (),
) -> None:
    """Sets `actor_display` on each row: a staff member's username, an API client, the decision engine or the
    system; and on ledger entries their `movement` in words."""
    names = _staff_names(
        {d.decided_by_id for d in decisions if d.decided_by_type == ActorType.STAFF}
        | {e.actor_id for e in entries if e.actor_type == ActorType.STAFF}
        | {c.requested_by_id for c in checks if c.requested_by_type == ActorType.STAFF}
    )
    for decision in decisions:
        provider = (decision.inputs or {}).get("provider")
        engine = f"Decision engine ({provider})" if provider else "System"
        decision.actor_display = _actor_label(decision.decided_by_type, decision.decided_by_id, names, system=engine)
    for entry in entries:
        entry.actor_display = _actor_label(entry.actor_type, entry.actor_id, names)
        entry.movement = LEDGER_MOVES.get(entry.entry_type, "")
    for check in checks:
        check.actor_display = _actor_label(check.requested_by_type, check.requested_by_id, names)


def mark_overdue(purchases: list[CreditTransaction], *, now: datetime) -> None:
    """Sets `days_overdue` (whole days, None unless something is outstanding after the due date) on each purchase
    loaded through credit.selectors.with_past_due, whose `past_due_for_hold` says whether the automatic hold counts
    it (the page shows the rule's answer; it has no threshold of its own)."""
    for purchase in purchases:
        late = bool(purchase.amount_outstanding) and purchase.due_at is not None and purchase.due_at < now
        purchase.days_overdue = (now - purchase.due_at).days if late else None


@dataclass(frozen=True)
class ScorecardLine:
    text: str
    points: int | None  # None: a conclusion ("referred: …"), not a scored rule

    @property
    def kind(self) -> str:
        return "note" if self.points is None else ("plus" if self.points else "zero")


@dataclass(frozen=True)
class ScoreScale:
    """A score on the scorecard's 0-100 scale with its decline and approve thresholds, for a meter."""

    score: int
    decline_below: int
    approve_at: int
    maximum: int = 100

    @property
    def middle_width(self) -> int:
        return self.approve_at - self.decline_below

    @property
    def high_width(self) -> int:
        return self.maximum - self.approve_at

    @property
    def marker_x(self) -> float:
        """Where the score's marker starts on a 0-100 meter, kept inside it at either end."""
        return min(max(100 * self.score / self.maximum - 0.7, 0), 98.6)

    @property
    def zone(self) -> str:
        if self.score < self.decline_below:
            return "low"
        return "high" if self.score >= self.approve_at else "middle"


def scorecard_lines(reasons: list[str]) -> list[ScorecardLine]:
    """ "+20 EIN present and well formed" → 20 points for that rule; anything else is the engine's conclusion."""
    lines = []
    for reason in reasons or []:
        match = _POINTS_RE.match(str(reason))
        lines.append(ScorecardLine(match[2], int(match[1])) if match else ScorecardLine(str(reason), None))
    return lines


def check_display(check: CreditCheck, *, now: datetime) -> CreditCheck:
    """Adds what the pages show about a check: its scorecard lines, its score on the scale (for the built-in
    scorecard, whose thresholds are known), how long it has waited and, while undecided, when it is due."""
    check.scorecard = scorecard_lines(check.reasons)
    provider = (check.inputs or {}).get("provider")
    check.scale = (
        ScoreScale(check.score, ScorecardProvider.DECLINE_BELOW, ScorecardProvider.APPROVE_AT)
        if check.score is not None and provider == ScorecardProvider.name
        else None
    )
    check.undecided = check.status in UNDECIDED
    check.waited = (check.decided_at or now) - check.requested_at
    check.due_at = review_due_at(check.requested_at) if check.undecided else None
    check.overdue = check.due_at is not None and now > check.due_at
    return check


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
    label_actors(decisions=decisions.items, entries=ledger.items, checks=[check] if check else [])
    mark_overdue(purchases.items, now=now)
    return {
        "credit_check": check_display(check, now=now) if check else None,
        "decisions": decisions,
        "credit_transactions": purchases,
        "ledger": ledger,
        "enrollment_url": account_enrollment_url(account) if account else None,
    }
