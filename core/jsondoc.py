"""JSON documents a client stores as it wrote them (a customer's `custom_data` and `import_meta`): one validator,
the model fields', so the API, the admin, the CSV import and any service refuse the same documents; and a bounded
preview for pages, which show a large document cut short with a link to the whole.

A document is a JSON object, nested at most MAX_DEPTH levels, with at most MAX_KEYS keys in all, at most MAX_BYTES
bytes as compact UTF-8 JSON, finite numbers only (Python reads `NaN`, `Infinity` and `1e309` as floats PostgreSQL's
jsonb cannot hold) and text (keys included) without NUL characters or unpaired surrogates (PostgreSQL cannot store
them). Without these limits a 1 MB document nested 30 deep was stored, and every page showing it, with every event
carrying it, grew by tens of megabytes.

Layer: core, with the plumbing below the API; imports only the standard library, Django and core.text."""

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from core.text import storable_text, unreadable_text_problem

MAX_DEPTH = 8  # the object itself is level 1
MAX_KEYS = 256  # keys of every object in the document, counted together
MAX_BYTES = 16 * 1024  # as compact JSON (no spaces), UTF-8 encoded
LIMITS_DESCRIPTION = (
    f"A JSON object of at most {MAX_BYTES:,} bytes as compact UTF-8 JSON, nested at most {MAX_DEPTH} levels, with "
    f"at most {MAX_KEYS} keys in all; numbers finite, text without NUL characters or unpaired surrogates."
)

# What a page shows of a document before "show all" (a pretty-printed document of MAX_BYTES can be ten times longer).
PREVIEW_CHARS = 2_000
# What a history line shows of a document before and after a change.
INLINE_CHARS = 200


_PATH_SHOWN = 80  # characters of a value's path a message quotes (a key may be as long as the document)


def _at(path: str) -> str:
    if not path:
        return ""
    shown = storable_text(path if len(path) <= _PATH_SHOWN else path[: _PATH_SHOWN - 1] + "…")
    return f" (at {shown})"


def json_document_problem(value) -> str | None:
    """Why `value` is not a storable JSON document, or None. Walks the document without recursion, so a deep one
    cannot exhaust the stack; stops at the first problem."""
    if not isinstance(value, dict):
        return "Must be a JSON object."
    keys = 0
    stack: list[tuple[object, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return f"Must not be nested more than {MAX_DEPTH} levels deep{_at(path)}."
            if isinstance(item, dict):
                keys += len(item)
                if keys > MAX_KEYS:
                    return f"Must not have more than {MAX_KEYS} keys in all."
                for key, child in item.items():
                    if not isinstance(key, str):
                        return f"Keys must be text{_at(path)}."
                    child_path = f"{path}.{key}" if path else key
                    if problem := unreadable_text_problem(key):
                        return f"{problem.removesuffix('.')} in keys{_at(child_path)}."
                    stack.append((child, depth + 1, child_path))
            else:
                stack.extend(
                    (child, depth + 1, f"{path}.{index}" if path else str(index)) for index, child in enumerate(item)
                )
        elif isinstance(item, str):
            if problem := unreadable_text_problem(item):
                return f"{problem.removesuffix('.')}{_at(path)}."
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"Numbers must be finite: not NaN, Infinity or beyond ±1.8e308{_at(path)}."
        elif not (item is None or isinstance(item, bool | int)):
            return f"Must hold JSON values only{_at(path)}."
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_BYTES:
        return f"Must not be larger than {MAX_BYTES:,} bytes as compact JSON (it is {size:,})."
    return None


def validate_json_document(value) -> None:
    """The model fields' validator (None, for a nullable field, never reaches it)."""
    if (problem := json_document_problem(value)) is not None:
        raise ValidationError(problem, code="invalid_json_document")


def validate_json_documents(fields: Mapping[str, object], names: Iterable[str]) -> None:
    """The validator over several fields of a service's input at once (None is no document): a ValidationError by
    field name. For services that walk the documents before the model is cleaned (the card-number search does), so
    that they never walk an unbounded one."""
    errors = {
        name: ValidationError(problem, code="invalid_json_document")
        for name in names
        if fields.get(name) is not None and (problem := json_document_problem(fields[name])) is not None
    }
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class JsonPreview:
    """The start of a document, pretty-printed, for a page: `truncated` when there is more than `text`."""

    text: str
    truncated: bool


def json_preview(value, *, max_chars: int = PREVIEW_CHARS) -> JsonPreview:
    """At most `max_chars` characters of the pretty-printed document, encoded only as far as needed: a document
    stored before the limits (or an event's payload) may be megabytes; the page still costs `max_chars`."""
    encoder = json.JSONEncoder(indent=2, sort_keys=True, ensure_ascii=False, default=str, check_circular=False)
    parts, length = [], 0
    for chunk in encoder.iterencode(value):
        parts.append(chunk)
        length += len(chunk)
        if length > max_chars:
            return JsonPreview("".join(parts)[:max_chars], truncated=True)
    return JsonPreview("".join(parts), truncated=False)


def json_inline(value, *, max_chars: int = INLINE_CHARS) -> str:
    """The document on one line for a history's before → after: at most `max_chars` characters (then "…"), encoded
    only as far as needed, so an edit of a large document costs the history no more than any other change."""
    encoder = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str, separators=(", ", ": "))
    parts, length = [], 0
    for chunk in encoder.iterencode(value):
        parts.append(chunk)
        length += len(chunk)
        if length > max_chars:
            return "".join(parts)[:max_chars] + "…"
    return "".join(parts)


def json_pretty(value) -> str:
    """The whole document, pretty-printed (what a page's "show all" serves)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
