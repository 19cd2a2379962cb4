"""Text a request may send where the server reads it as a value (a query parameter, a cursor, an id): no NUL
character and no unpaired UTF-16 surrogate, which PostgreSQL cannot take in a query (psycopg refuses the NUL,
UTF-8 has no encoding for the surrogate), and no more than MAX_QUERY_VALUE_CHARS characters. Checked once, up front,
so that such text is the client's error (400 `invalid_field`) and never reaches a query as a 500.

Layer: core, with ids and errors at the bottom; imports only the standard library."""

import re

# Longer than any value the API hands out or documents (an opaque cursor is at most about 1,400 characters, an id 33)
# and than a comma-separated list of 60 ids; short enough that no search term or filter is unreasonable work.
MAX_QUERY_VALUE_CHARS = 2048

_UNREADABLE = re.compile("[\x00\ud800-\udfff]")


def unreadable_text_problem(value: str) -> str | None:
    """Why `value` cannot be a value the server looks up (a NUL, an unpaired surrogate), or None."""
    if match := _UNREADABLE.search(value):
        return "Must not contain NUL characters." if match[0] == "\x00" else "Must not contain unpaired surrogates."
    return None


def query_value_problem(value: str) -> str | None:
    """Why a query parameter's value is refused, or None: unreadable text, or longer than MAX_QUERY_VALUE_CHARS."""
    if len(value) > MAX_QUERY_VALUE_CHARS:
        return f"Ensure this value has at most {MAX_QUERY_VALUE_CHARS} characters (it has {len(value)})."
    return unreadable_text_problem(value)


def storable_text(value: str) -> str:
    """`value` with each NUL character and unpaired surrogate replaced by U+FFFD (�): for a message that quotes what
    a client sent (a key, a path), so that recording or showing the message cannot fail on it."""
    return _UNREADABLE.sub("\ufffd", value)
