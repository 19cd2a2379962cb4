"""The PCI rule: a full card (or account) number is never stored, whatever the entry point. A value holding 13-19
digits that pass the Luhn check, anywhere in a text or a JSON document, is refused with one message. The services
call `refuse_card_numbers` on what they are asked to store, so the API, the staff forms, the admin and the CSV
import refuse the same things."""

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError

CARD_NUMBER_MESSAGE = "Full card or account numbers are never accepted; send the payment provider's token."

# 13-19 digits, optionally grouped by single spaces or dashes, not glued to other digits.
_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def contains_card_number(text: str) -> bool:
    for match in _CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


def find_card_numbers(value, path: str = "") -> list[str]:
    """Paths (dotted) of every string inside a JSON-like value that holds a full card number."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += find_card_numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += find_card_numbers(item, f"{path}.{index}" if path else str(index))
    elif isinstance(value, str | int) and not isinstance(value, bool) and contains_card_number(str(value)):
        found.append(path or "body")
    return found


def refuse_card_numbers(fields: Mapping[str, object]) -> None:
    """ValidationError naming every field (dotted path inside JSON) that holds a full card number."""
    found = find_card_numbers(dict(fields))
    if found:
        raise ValidationError({path: CARD_NUMBER_MESSAGE for path in found})
