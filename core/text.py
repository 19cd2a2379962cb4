"""Text a request may send where the server reads it as a value (a query parameter, a cursor, an id): no NUL
character and no unpaired UTF-16 surrogate, which PostgreSQL cannot take in a query (psycopg refuses the NUL,
UTF-8 has no encoding for the surrogate), and no more than MAX_QUERY_VALUE_CHARS characters. Checked once, up front,
so that such text is the client's error (400 `invalid_field`) and never reaches a query as a 500.

Also `code_label`: a code as the staff pages word it ("no_us_address" → "No US address").

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


# Words a code spells in lower case that people write in capitals.
_ACRONYMS = {
    "api": "API",
    "csv": "CSV",
    "ein": "EIN",
    "id": "ID",
    "ids": "IDs",
    "oauth": "OAuth",
    "url": "URL",
    "us": "US",
}


def code_label(value: object) -> str:
    """A code as words, sentence case, acronyms in capitals: "pending_enrollment" → "Pending enrollment",
    "no_us_address" → "No US address", "customer.updated" → "Customer updated", "ein" → "EIN"; empty → "—"."""
    if value in (None, ""):
        return "—"
    words = str(value).replace("_", " ").replace(".", " ").split()
    words = [_ACRONYMS.get(word.lower(), word.lower()) for word in words]
    if words and words[0] == words[0].lower():
        words[0] = words[0].capitalize()
    return " ".join(words)


def storable_text(value: str) -> str:
    """`value` with each NUL character and unpaired surrogate replaced by U+FFFD (�): for a message that quotes what
    a client sent (a key, a path), so that recording or showing the message cannot fail on it."""
    return _UNREADABLE.sub("\ufffd", value)
