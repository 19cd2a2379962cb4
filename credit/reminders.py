"""Payment reminders: the schedule (CREDIT_REMINDER_DAYS, checked at start-up), which step of it a purchase is at on
a given day, and the signed, expiring opt-out link a reminder carries. Imports: core, customers, and the credit domain
modules below it.

The schedule is a list of days relative to a purchase's due date (its UTC date): `-3` is three days before, `0` the
due date, `7` a week after. A purchase reaches step `d` on the day `due date + d`. The daily task sends each purchase
the step it is at: the most recent step reached, if it was reached at most REMINDER_CATCH_UP_DAYS days ago and the
next step is not reached yet. A run that is a day late still sends yesterday's step (once: the outbox key
`reminder:<purchase>:<step>:<user>` is used once, ever); a run after days without one sends only the latest step due,
never a burst of every step missed; a step older than the catch-up window is not sent any more (a reminder that
comes a week late says something the next one will say better)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import checks, signing

from core.links import public_url
from customers.models import CustomerUser

# The portal's sign-in page, where a customer user sees and pays what is due.
PORTAL_PATH = "/portal/"
# The public page that serves this path is routed in credit/urls.py.
OPT_OUT_PATH = "/reminders/opt-out/"
OPT_OUT_SALT = "credit.reminders.opt_out"
# How long an opt-out link in a reminder works: long enough to act on an old email, short enough that a leaked link
# does not work for ever. It only ever stops reminders.
OPT_OUT_MAX_AGE = timedelta(days=90)
# How many days after a step's day a late run may still send it (see above).
REMINDER_CATCH_UP_DAYS = 3
# Steps outside this range make no sense as reminders (and a typo like 700 should stop the start-up).
EARLIEST_STEP, LATEST_STEP = -60, 365


class ScheduleError(ValueError):
    pass


def parse_schedule(value: str | Sequence[int]) -> tuple[int, ...]:
    """CREDIT_REMINDER_DAYS (`"-3,0,1,7,14"`, or a list of ints) as sorted steps; ScheduleError saying what is wrong.
    An empty value means no reminders."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",") if part.strip()]
        steps = []
        for part in parts:
            try:
                steps.append(int(part))
            except ValueError:
                raise ScheduleError(f"{part!r} is not a whole number of days.") from None
    else:
        steps = list(value)
        if not all(isinstance(step, int) and not isinstance(step, bool) for step in steps):
            raise ScheduleError("Every step is a whole number of days.")
    if len(set(steps)) != len(steps):
        raise ScheduleError("A day appears twice.")
    if any(not EARLIEST_STEP <= step <= LATEST_STEP for step in steps):
        raise ScheduleError(f"Every day is between {EARLIEST_STEP} and {LATEST_STEP} (days from the due date).")
    return tuple(sorted(steps))


def reminder_schedule() -> tuple[int, ...]:
    return parse_schedule(settings.CREDIT_REMINDER_DAYS)


def check_reminder_schedule(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A system check (registered by credit's AppConfig): a malformed CREDIT_REMINDER_DAYS stops the start-up."""
    try:
        reminder_schedule()
    except ScheduleError as error:
        return [
            checks.Error(
                f"CREDIT_REMINDER_DAYS is not valid: {error}",
                hint="Days relative to the due date, comma-separated, e.g. -3,0,1,7,14 (empty: no reminders).",
                id="credit.E001",
            )
        ]
    return []


@dataclass(frozen=True)
class StepWindow:
    """The purchases at step `step` today are those due on a UTC date from `first_due` to `last_due` (inclusive)."""

    step: int
    first_due: date
    last_due: date


def step_windows(*, today: date, schedule: Sequence[int]) -> list[StepWindow]:
    """For each step, which due dates put a purchase at that step today (the module docstring's rule): reached
    (due + step <= today), at most REMINDER_CATCH_UP_DAYS ago, and the next step not reached (due + next > today)."""
    windows = []
    for index, step in enumerate(schedule):
        last_due = today - timedelta(days=step)
        first_due = last_due - timedelta(days=REMINDER_CATCH_UP_DAYS)
        if index + 1 < len(schedule):
            first_due = max(first_due, today - timedelta(days=schedule[index + 1]) + timedelta(days=1))
        windows.append(StepWindow(step=step, first_due=first_due, last_due=last_due))
    return windows


def reminder_key(*, purchase_id: str, step: int, customer_user_id: str) -> str:
    return f"reminder:{purchase_id}:{step}:{customer_user_id}"


def opt_out_token(customer_user_id: str) -> str:
    return signing.TimestampSigner(salt=OPT_OUT_SALT).sign(customer_user_id)


def opt_out_token_user_id(token: str) -> str:
    """The customer user id of a genuine, unexpired token; raises signing.BadSignature (SignatureExpired) otherwise."""
    return signing.TimestampSigner(salt=OPT_OUT_SALT).unsign(token, max_age=OPT_OUT_MAX_AGE)


@dataclass(frozen=True)
class OptOutLink:
    """What an opt-out link points at: `state` is open (the user is known) or expired or invalid (forged, mangled,
    or its user is gone)."""

    state: str
    customer_user: CustomerUser | None = None


def opt_out_link_resolve(token: str) -> OptOutLink:
    try:
        user_id = opt_out_token_user_id(token)
    except signing.SignatureExpired:
        return OptOutLink("expired")
    except signing.BadSignature:
        return OptOutLink("invalid")
    user = CustomerUser.objects.select_related("customer").filter(pk=user_id).first()
    return OptOutLink("open", user) if user is not None else OptOutLink("invalid")


def opt_out_url(customer_user_id: str) -> str:
    return public_url(f"{OPT_OUT_PATH}{opt_out_token(customer_user_id)}")


def portal_url() -> str:
    return public_url(PORTAL_PATH)
