"""core.money: the one ISO 4217 table, and amounts parsed, validated and formatted the same way everywhere."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.money import (
    CURRENCY_CODES,
    MAX_AMOUNT,
    WIRE_AMOUNT_PATTERN,
    currency_exponent,
    format_compact,
    format_human,
    format_input,
    format_wire,
    parse_major_units,
    parse_wire_amount,
    validate_amount,
    validate_currency_code,
)

CURRENCY = "Enter an ISO 4217 currency code, such as USD."
USABLE = sorted(CURRENCY_CODES)
amounts = st.integers(min_value=0, max_value=MAX_AMOUNT)
# From the standard's list; the 0s and 3s include those the two old tables disagreed on (XAF, XPF, IQD).
STANDARD_EXPONENTS = {
    "USD": 2,
    "EUR": 2,
    "HUF": 2,
    "XCD": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "KWD": 3,
    "IQD": 3,
    "TND": 3,
    "CLF": 4,
}


def refusal(call) -> tuple[list[str], str]:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.messages, error.value.code


# The table


@pytest.mark.parametrize(
    ("code", "exponent"),
    list(STANDARD_EXPONENTS.items()),
)
def test_exponents_are_the_standards_minor_units(code, exponent):
    assert currency_exponent(code) == exponent


@pytest.mark.parametrize("code", ["XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XBA", "XSU", "XUA"])
def test_codes_without_a_minor_unit_are_not_usable_for_credit(code):
    assert code not in CURRENCY_CODES
    assert refusal(lambda: validate_currency_code(code)) == ([CURRENCY], "invalid_currency")


@pytest.mark.parametrize(
    "value", ["ZZZ", "XYZ", "usd", "Usd", " USD", "USD ", "USD\n", "US", "USDX", "", None, 840, ["USD"]]
)
def test_anything_but_a_code_of_the_table_is_refused_with_one_message(value):
    assert refusal(lambda: validate_currency_code(value)) == ([CURRENCY], "invalid_currency")
    assert refusal(lambda: currency_exponent(value)) == ([CURRENCY], "invalid_currency")


def test_every_usable_code_is_three_capitals_with_a_small_exponent():
    assert len(USABLE) > 150
    for code in USABLE:
        assert validate_currency_code(code) == code
        assert len(code) == 3 and code.isascii() and code.isupper()
        assert currency_exponent(code) in (0, 2, 3, 4)


# Validating typed values


@pytest.mark.parametrize(
    ("value", "minimum", "message", "code"),
    [
        (0, 1, "Must be at least 1.", "min_value"),
        (-1, 0, "Must be at least 0.", "min_value"),
        (MAX_AMOUNT + 1, 0, f"Must be at most {MAX_AMOUNT}.", "max_value"),
        (True, 0, "Must be an integer in minor units.", "invalid"),
        (12.0, 0, "Must be an integer in minor units.", "invalid"),
        ("12", 0, "Must be an integer in minor units.", "invalid"),
    ],
)
def test_validate_amount_refuses_what_is_not_an_int_in_range(value, minimum, message, code):
    assert refusal(lambda: validate_amount(value, minimum=minimum)) == ([message], code)


@pytest.mark.parametrize(
    ("value", "minimum", "currency", "message"),
    [
        (0, 1, "USD", "Must be at least 0.01 USD."),
        (0, 1, "JPY", "Must be at least 1 JPY."),
        (0, 1, "BHD", "Must be at least 0.001 BHD."),
        (MAX_AMOUNT + 1, 0, "USD", "Must be at most 10,000,000,000,000.00 USD."),
        (MAX_AMOUNT + 1, 0, "JPY", "Must be at most 1,000,000,000,000,000 JPY."),
    ],
)
def test_validate_amount_names_its_bounds_in_major_units_of_a_currency(value, minimum, currency, message):
    # People and the services read the bound in major units; the bound itself stays in the error, in minor units.
    with pytest.raises(ValidationError) as error:
        validate_amount(value, minimum=minimum, currency=currency)
    assert error.value.messages == [message]
    assert error.value.params == {"amount": minimum if value < minimum else MAX_AMOUNT, "currency_code": currency}


def test_validate_amount_takes_its_bounds():
    assert validate_amount(0, minimum=0) == 0
    assert validate_amount(1) == 1
    assert validate_amount(MAX_AMOUNT) == MAX_AMOUNT


# The wire


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'Must be a string of digits in minor units, such as "125000".'),
        (" -0012 ", 'Must be a string of digits in minor units, such as "125000".'),
        ("-5", 'Must be a string of digits in minor units, such as "125000".'),
        ("1e5", 'Must be a string of digits in minor units, such as "125000".'),
        ("12.50", 'Must be a string of digits in minor units, such as "125000".'),
        ("\u0665", 'Must be a string of digits in minor units, such as "125000".'),
        ("5\n", 'Must be a string of digits in minor units, such as "125000".'),
        (125000, 'Must be a string of digits in minor units, such as "125000".'),
        ("0125", "Must not start with 0."),
        ("0", "Must be at least 1."),
        ("1000000000000001", f"Must be at most {MAX_AMOUNT}."),
        ("9" * 5000, f"Must be at most {MAX_AMOUNT}."),
    ],
)
def test_wire_amounts_are_digits_without_sign_or_leading_zero_in_range(text, message):
    assert refusal(lambda: parse_wire_amount(text))[0] == [message]


def test_a_wire_amount_of_zero_is_allowed_where_the_minimum_is_zero():
    assert parse_wire_amount("0", minimum=0) == 0
    assert parse_wire_amount("1000000000000000") == MAX_AMOUNT


@given(st.integers(min_value=1, max_value=MAX_AMOUNT))
def test_wire_amounts_round_trip(amount):
    text = format_wire(amount)
    assert parse_wire_amount(text) == amount
    assert re.fullmatch(WIRE_AMOUNT_PATTERN, text)


def test_format_wire_keeps_none():
    assert (format_wire(None), format_wire(0), format_wire(125000)) == (None, "0", "125000")


# What people type, in major units


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [
        ("25,000.00", "USD", 2_500_000),
        ("25000", "USD", 2_500_000),
        (" 25 000.5 ", "USD", 2_500_050),
        ("12.340", "USD", 1234),  # trailing zeros are not extra precision
        (".5", "USD", 50),
        ("1,250", "JPY", 1250),
        ("1250.00", "JPY", 1250),
        ("1,250.000", "BHD", 1_250_000),
        ("0.001", "BHD", 1),
        ("0", "USD", 0),
        ("10,000,000,000,000.00", "USD", MAX_AMOUNT),
    ],
)
def test_major_units_become_minor_units_with_the_currencys_exponent(text, currency, amount):
    assert parse_major_units(text, currency) == amount


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.345", "USD", "USD amounts have 2 decimal places."),
        ("1.5", "JPY", "JPY amounts have no decimal places."),
        ("1.0001", "BHD", "BHD amounts have 3 decimal places."),
        ("1e999999", "USD", "Enter an amount such as 25,000.00."),
        ("1E3", "USD", "Enter an amount such as 25,000.00."),
        ("Infinity", "USD", "Enter an amount such as 25,000.00."),
        ("NaN", "USD", "Enter an amount such as 25,000.00."),
        ("-5", "USD", "Enter an amount such as 25,000.00."),
        ("+5", "USD", "Enter an amount such as 25,000.00."),
        ("lots", "USD", "Enter an amount such as 25,000.00."),
        ("1.250,00", "USD", "Enter an amount such as 25,000.00."),  # a decimal comma is not read 100 times too large
        ("25,5", "USD", "Enter an amount such as 25,000.00."),
        ("1,2345", "USD", "Enter an amount such as 25,000.00."),
        ("\u0665", "USD", "Enter an amount such as 25,000.00."),
        (".", "USD", "Enter an amount such as 25,000.00."),
        ("", "USD", "Enter an amount such as 25,000.00."),
        (None, "USD", "Enter an amount such as 25,000.00."),
        ("1" * 41, "USD", "Enter an amount such as 25,000.00."),
        ("10,000,000,000,000.01", "USD", "Must be at most 10,000,000,000,000.00 USD."),
        ("5", "ZZZ", CURRENCY),
        ("5", "usd", CURRENCY),
    ],
)
def test_major_units_people_cannot_mean_are_refused(text, currency, message):
    assert refusal(lambda: parse_major_units(text, currency))[0] == [message]


@settings(max_examples=300)
@given(amount=amounts, currency=st.sampled_from(USABLE))
@example(amount=0, currency="JPY")
@example(amount=MAX_AMOUNT, currency="BHD")
@example(amount=1, currency="CLF")
def test_parse_reads_back_every_format_for_every_usable_currency(amount, currency):
    assert parse_major_units(format_input(amount, currency), currency) == amount
    assert parse_major_units(format_human(amount, currency, with_code=False), currency) == amount
    assert format_human(amount, currency) == f"{format_human(amount, currency, with_code=False)} {currency}"


@settings(max_examples=500)
@given(text=st.text(), currency=st.one_of(st.sampled_from(USABLE), st.text(max_size=4)))
@example(text="1e999999", currency="USD")
@example(text="9" * 5000, currency="USD")
@example(text="0" * 39 + "1", currency="USD")
def test_any_text_is_an_amount_or_a_validation_error(text, currency):
    for call in (
        lambda: parse_major_units(text, currency),
        lambda: parse_wire_amount(text),
        lambda: validate_currency_code(text),
        lambda: currency_exponent(text),
    ):
        try:
            result = call()
        except ValidationError:
            continue
        assert isinstance(result, (int, str))


@given(st.from_regex(r"[0-9]{1,3}(,[0-9]{3}){0,4}(\.[0-9]{0,6})?", fullmatch=True), st.sampled_from(USABLE))
def test_a_parsed_amount_is_what_the_digits_say(text, currency):
    try:
        amount = parse_major_units(text, currency)
    except ValidationError as error:
        assert error.code in ("precision", "max_value")
        return
    assert amount == Decimal(text.replace(",", "")).scaleb(currency_exponent(currency))


# Formats for people


@pytest.mark.parametrize(
    ("amount", "currency", "human", "figure", "for_input"),
    [
        (125000, "USD", "1,250.00 USD", "1,250.00", "1250.00"),
        (1250, "JPY", "1,250 JPY", "1,250", "1250"),
        (1_250_000, "BHD", "1,250.000 BHD", "1,250.000", "1250.000"),
        (5, "USD", "0.05 USD", "0.05", "0.05"),
        (0, "XAF", "0 XAF", "0", "0"),
        (-125000, "USD", "-1,250.00 USD", "-1,250.00", "-1250.00"),
        (12_345, "CLF", "1.2345 CLF", "1.2345", "1.2345"),
        (MAX_AMOUNT, "USD", "10,000,000,000,000.00 USD", "10,000,000,000,000.00", "10000000000000.00"),
    ],
)
def test_people_read_major_units_with_the_currencys_exponent(amount, currency, human, figure, for_input):
    assert format_human(amount, currency) == human
    assert format_human(amount, currency, with_code=False) == figure
    assert format_input(amount, currency) == for_input


def test_a_code_outside_the_table_is_shown_as_stored_rather_than_guessed():
    # Rows written before codes were checked against the table (ZZZ was accepted) still render.
    assert format_human(125000, "ZZZ") == "125,000 ZZZ (minor units)"
    assert format_human(125000, "ZZZ", with_code=False) == "125,000 (minor units)"
    assert format_human(125000, "") == "125,000 (minor units)"
    assert format_compact(125000, "ZZZ") == "125.0k"


@pytest.mark.parametrize(
    ("amount", "currency", "label"),
    [
        (1_234_567, "USD", "12.3k"),
        (99_900, "USD", "999"),
        (99_950, "USD", "1.0k"),  # not "1000"
        (99_994_999, "USD", "999.9k"),
        (99_995_000, "USD", "1.0M"),  # not "1000.0k"
        (4_500_000, "JPY", "4.5M"),
        (1_234_567_890_000, "BHD", "1.2B"),
        (MAX_AMOUNT, "USD", "10000.0B"),
        (-40, "USD", "0"),
        (-250_000, "USD", "-2.5k"),
        (0, "USD", "0"),
    ],
)
def test_chart_labels_are_compact_major_units(amount, currency, label):
    assert format_compact(amount, currency) == label
