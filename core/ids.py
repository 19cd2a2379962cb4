"""Prefixed, lowercase, time-sortable ids (SPEC §3 "IDs").

An id is ``<prefix>_<ulid>`` where the ULID is written in lowercase Crockford base32 (26 chars). ULIDs made in
the same millisecond by one process are monotonic, so ids sort by creation time even inside a burst.
"""

import re
import threading

from django.db import models
from ulid import ULID

ULID_LENGTH = 26
_lock = threading.Lock()
_last = 0


def _next_ulid() -> ULID:
    global _last
    with _lock:
        candidate = ULID()
        value = int(candidate)
        if value <= _last and (value >> 80) <= (_last >> 80):
            # Same (or a clock that stepped back) millisecond: keep strict order by incrementing the last one.
            value = _last + 1
            candidate = ULID.from_int(value)
        _last = value
        return candidate


def new_id(prefix: str) -> str:
    return f"{prefix}_{str(_next_ulid()).lower()}"


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
