"""Prefixed, lowercase, time-sortable ids (docs/api.md, "Ids").

An id is ``<prefix>_<ulid>`` where the ULID is written in lowercase Crockford base32 (26 chars). ULIDs made in
the same millisecond by one process are monotonic, so ids sort by creation time even inside a burst.
"""

import os
import re
import threading
import time
from datetime import UTC, datetime, timedelta

from django.db import models

ULID_LENGTH = 26
_lock = threading.Lock()
_last = 0
_RANDOM_BITS = 80


def _next_ulid() -> int:
    """A new ULID (as its 128-bit value), after every one this process made before: within the millisecond of the
    last one (or a clock that stepped back) the last one plus one, as the ULID spec's monotonic mode does; otherwise
    fresh randomness."""
    global _last
    with _lock:
        millisecond = time.time_ns() // 1_000_000
        if millisecond <= _last >> _RANDOM_BITS:
            _last += 1
        else:
            _last = millisecond << _RANDOM_BITS | int.from_bytes(os.urandom(_RANDOM_BITS // 8))
        return _last


# Lowercase Crockford base32, two digits (ten bits) at a time: a ULID's 26 digits are 13 lookups. python-ulid spells
# the same digits in upper case, a few times slower (ids are made for every row of a bulk import).
_DIGITS = "0123456789abcdefghjkmnpqrstvwxyz"
_PAIRS = [first + second for first in _DIGITS for second in _DIGITS]
_SHIFTS = range(120, -1, -10)


def _encode(value: int) -> str:
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


def _forget_last_in_child() -> None:
    """A forked process (gunicorn and Celery workers, the import's processes) must not count on from its parent's
    last ULID, as its siblings would make the same ids: it starts from fresh randomness."""
    global _last, _lock
    _last, _lock = 0, threading.Lock()


os.register_at_fork(after_in_child=_forget_last_in_child)


def new_id(prefix: str) -> str:
    return f"{prefix}_{_encode(_next_ulid())}"


def first_id_at(prefix: str, moment: datetime) -> str:
    """The smallest id of `prefix` made at `moment` or later (its millisecond, no randomness): ids sort by creation
    time, so [first_id_at(start), first_id_at(end)) holds exactly the ids made in [start, end)."""
    millisecond = int(moment.timestamp() * 1000)
    return f"{prefix}_{_encode(millisecond << _RANDOM_BITS)}"


# A row's id is made a moment before its creation time is read, from the same clock (the id when the object is made,
# auto_now_add when it is saved, in one statement): rows made in [start, end) have ids made in
# [start - slack, end + slack), whatever a clock that stepped back by up to the slack did meanwhile.
ID_CLOCK_SLACK = timedelta(days=1)


def id_bound(prefix: str, moment: datetime, *, lower: bool) -> str | None:
    """The id bound implied by a bound on a creation time: rows made at `moment` or later have ids >= the lower
    bound; rows made before `moment` have ids < the upper one. Lets PostgreSQL prune a table partitioned by id. None
    for a moment no id can be near (before 1970, or past what datetime counts)."""
    try:
        slackened = moment - ID_CLOCK_SLACK if lower else moment + ID_CLOCK_SLACK
    except OverflowError:
        return None
    return first_id_at(prefix, slackened) if slackened.timestamp() >= 0 else None


def id_time(value: str) -> datetime:
    """When an id was made (the millisecond its ULID carries)."""
    ulid = value.rpartition("_")[2]
    number = 0
    for digit in ulid:
        number = number << 5 | _DIGITS.index(digit)
    return datetime.fromtimestamp((number >> _RANDOM_BITS) / 1000, tz=UTC)


def id_pattern(prefix: str) -> str:
    return rf"^{prefix}_[a-z\d]{{{ULID_LENGTH}}}$"


def is_valid_id(value: str, prefix: str) -> bool:
    return bool(re.fullmatch(id_pattern(prefix), value or ""))


class PrefixedIdField(models.CharField):
    """A primary key holding a prefixed ULID, generated when the row object is made."""

    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", len(prefix) + 1 + ULID_LENGTH)
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        return name, path, args, kwargs

    def has_default(self) -> bool:
        return True

    def get_default(self) -> str:
        return new_id(self.prefix)
