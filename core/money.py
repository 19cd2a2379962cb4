"""Money in one place: which currencies exist, and amounts parsed, validated and formatted one way for the API, the
services, the staff forms and every page.

Amounts are integers in minor units (cents, yen, fils) everywhere inside the application. The wire carries them as
strings of digits (`"125000"`); people read and type major units with the currency's exponent (`"1,250.00 USD"`,
`"1,250 JPY"`, `"1,250.000 BHD"`).

The currency table is ISO 4217 as its maintenance agency publishes it, shipped by the pinned `iso4217` package
(whose version carries the list's publication date). A currency is usable only when the standard defines its minor
unit: gold, silver, the SDR, the testing and "no currency" codes (XAU, XDR, XTS, XXX…) have none, so an amount in
their minor units means nothing. Real X-currencies (XAF, XOF, XCD…) have one and are usable. A code is exactly the
three capitals in the table: `usd`, `" USD"` and `ZZZ` are not codes.

One function per job:

- table: `currency_exponent`, `CURRENCY_CODES`
- validate typed values (services, model fields): `validate_currency_code`, `validate_amount`
- parse text: `parse_wire_amount` (the API's digit strings), `parse_major_units` (what people type)
- format: `format_wire` (`"125000"`), `format_human` (`"1,250.00 USD"`), `format_compact` (`"12.3k"`, chart labels),
  `format_input` (`"1250.00"`, a money field's initial value)

Every refusal is a Django ValidationError with one message per rule, so the API, the services and the forms say the
same thing. Layer: core; imports only the standard library, Django and iso4217."""

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

import iso4217
from django.core.exceptions import ValidationError

# Far below BIGINT's limit, so that sums of many amounts cannot overflow either. A power of ten, so that the wire
# pattern below can spell it.
MAX_AMOUNT = 10**15

CURRENCY_MESSAGE = "Enter an ISO 4217 currency code, such as USD."
WIRE_AMOUNT_MESSAGE = 'Must be a string of digits in minor units, such as "125000".'
LEADING_ZERO_MESSAGE = "Must not start with 0."
NOT_AN_INTEGER_MESSAGE = "Must be an integer in minor units."
MAJOR_UNITS_MESSAGE = "Enter an amount such as 25,000.00."

# ISO 4217 code -> minor-unit digits, for the codes whose minor unit the standard defines.
_EXPONENTS: Mapping[str, int] = MappingProxyType(
    {currency.code: currency.exponent for currency in iso4217.Currency if currency.exponent is not None}
)
CURRENCY_CODES: frozenset[str] = frozenset(_EXPONENTS)

# The shape of a code and of a wire amount, for OpenAPI patterns (the table decides which codes exist).
CURRENCY_CODE_PATTERN = "[A-Z]{3}"
_MAX_DIGITS = len(str(MAX_AMOUNT))
if MAX_AMOUNT != 10 ** (_MAX_DIGITS - 1):
    raise RuntimeError("WIRE_AMOUNT_PATTERN spells MAX_AMOUNT as a power of ten")
# 1 to MAX_AMOUNT, no sign, no leading zero: exactly what parse_wire_amount accepts with its default minimum.
WIRE_AMOUNT_PATTERN = rf"^([1-9][0-9]{{0,{_MAX_DIGITS - 2}}}|{MAX_AMOUNT})$"

_WIRE_DIGITS = re.compile(r"[0-9]+")
# Major units as people type them: ASCII digits, thousands grouped by exactly three with ",", " " or "_" (so that
# "1.250,00" or "25,5", written with a decimal comma, is refused rather than read 100 times too large), an optional
# decimal point. No sign, no exponent: "1e999999" is not an amount anyone means.
_MAJOR_UNITS = re.compile(r"(?P<whole>[0-9]{1,3}(?:[, _][0-9]{3})+|[0-9]+)?(?:\.(?P<fraction>[0-9]*))?")
_MAJOR_SEPARATORS = re.compile(r"[, _]")
# Longer than anything in range ("1,000,000,000,000,000.000" is 25), short enough that int() is instant.
_MAJOR_MAX_CHARS = 40


def validate_currency_code(value: object) -> str:
    """`value` if it is exactly a usable ISO 4217 code (`"USD"`), else a ValidationError. Also a model field
    validator."""
    if not isinstance(value, str) or value not in _EXPONENTS:
        raise ValidationError(CURRENCY_MESSAGE, code="invalid_currency")
    return value


def currency_exponent(code: str) -> int:
    """The number of minor-unit digits of a usable ISO 4217 currency: 2 for USD, 0 for JPY, 3 for BHD."""
    return _EXPONENTS[validate_currency_code(code)]


def validate_amount(value: int, *, minimum: int = 1, currency: str | None = None) -> int:
    """An int amount in minor units between `minimum` (0 for a credit line, 1 for a purchase) and MAX_AMOUNT.

    The refusal names the bound as its reader counts: in minor units for the wire (no `currency`: "Must be at most
    1000000000000000."), in major units of `currency` for people and the services ("Must be at most
    10,000,000,000,000.00 USD."). The bound itself is in the error's params, in minor units, for a caller that
    renders it otherwise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(NOT_AN_INTEGER_MESSAGE, code="invalid")
    if value < minimum:
        raise _bound_error("at least", minimum, currency, code="min_value")
    if value > MAX_AMOUNT:
        raise _bound_error("at most", MAX_AMOUNT, currency, code="max_value")
    return value


def _bound_error(relation: str, bound: int, currency: str | None, *, code: str) -> ValidationError:
    shown = format_human(bound, currency) if currency in _EXPONENTS else str(bound)
    return ValidationError(
        f"Must be {relation} {shown}.", code=code, params={"amount": bound, "currency_code": currency or ""}
    )


def parse_wire_amount(text: object, *, minimum: int = 1) -> int:
    """A wire amount (`"125000"`: ASCII digits in minor units, no sign, no spaces, no leading zero) as an int."""
    if not isinstance(text, str) or not _WIRE_DIGITS.fullmatch(text):
        raise ValidationError(WIRE_AMOUNT_MESSAGE, code="invalid")
    if len(text) > 1 and text.startswith("0"):
        raise ValidationError(LEADING_ZERO_MESSAGE, code="leading_zero")
    if len(text) > _MAX_DIGITS:
        # Out of range whatever its digits; and int() refuses strings of thousands of digits.
        raise ValidationError(f"Must be at most {MAX_AMOUNT}.", code="max_value")
    return validate_amount(int(text), minimum=minimum)


def parse_major_units(text: object, currency: str) -> int:
    """What a person typed in major units of `currency` ("25,000.00", "25000", "1,250") as an int in minor units.
    Refuses text that is not such an amount, more decimals than the currency has (trailing zeros aside), and amounts
    above MAX_AMOUNT; the lower bound is the service's to decide (0 for a credit line, 1 for a purchase)."""
    exponent = currency_exponent(currency)
    candidate = text.strip() if isinstance(text, str) else ""
    match = _MAJOR_UNITS.fullmatch(candidate) if len(candidate) <= _MAJOR_MAX_CHARS else None
    if match is None or not (match["whole"] or match["fraction"]):
        raise ValidationError(MAJOR_UNITS_MESSAGE, code="invalid")
    whole = _MAJOR_SEPARATORS.sub("", match["whole"] or "") or "0"
    fraction = (match["fraction"] or "").rstrip("0")
    if len(fraction) > exponent:
        places = f"{exponent} decimal place{'' if exponent == 1 else 's'}" if exponent else "no decimal places"
        raise ValidationError(f"{currency} amounts have {places}.", code="precision")
    amount = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    return validate_amount(amount, minimum=0, currency=currency)


def format_wire(amount: int | None) -> str | None:
    """An amount as the API, events and exports carry it: `"125000"`; None stays None."""
    return None if amount is None else str(int(amount))


def format_human(amount: int, currency: str, *, with_code: bool = True) -> str:
    """An amount for people, in major units with thousands separators: `"1,250.00 USD"`, `"1,250 JPY"`,
    `"-1,250.000 BHD"`; with_code=False leaves the code out (a figure beside one that has it). In a code outside the
    table (a row stored before codes were checked, or a currency since withdrawn from the list) the amount has no
    known exponent: it is shown as stored and says so, `"125,000 ZZZ (minor units)"`."""
    text = _major(amount, currency, grouped=True)
    if with_code and currency:
        text = f"{text} {currency}"
    return text if currency in _EXPONENTS else f"{text} (minor units)"


def format_compact(amount: int, currency: str) -> str:
    """A chart label in major units: `"999"`, `"12.3k"`, `"4.5M"`, `"1.2B"`. It moves up a unit rather than showing
    `"1000.0k"`."""
    units = Decimal(int(amount)).scaleb(-_display_exponent(currency))
    for threshold, suffix, places in ((1, "", Decimal(1)), (10**3, "k", Decimal("0.1")), (10**6, "M", Decimal("0.1"))):
        rounded = (units / threshold).quantize(places, rounding=ROUND_HALF_UP)
        if abs(rounded) < 1000:
            return f"{abs(rounded) if rounded == 0 else rounded}{suffix}"  # never "-0"
    return f"{(units / 10**9).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}B"


def format_input(amount: int, currency: str) -> str:
    """An amount as a money field shows it for editing: major units, no separators (`"1250.00"`), so that
    parse_major_units reads it back exactly."""
    return _major(amount, currency, grouped=False)


def _display_exponent(currency: str) -> int:
    # A code outside the table has no known exponent: its amounts are shown as stored, in minor units, rather than
    # guessed at or refused on a page.
    return _EXPONENTS.get(currency, 0) if isinstance(currency, str) else 0


def _major(amount: int, currency: str, *, grouped: bool) -> str:
    exponent = _display_exponent(currency)
    amount = int(amount)
    whole, fraction = divmod(abs(amount), 10**exponent)
    sign = "-" if amount < 0 else ""
    digits = f"{whole:,}" if grouped else str(whole)
    return f"{sign}{digits}.{fraction:0{exponent}d}" if exponent else f"{sign}{digits}"
