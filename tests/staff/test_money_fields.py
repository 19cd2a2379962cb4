"""Every money field of every staff form refuses what no one means as an amount with a form error, never a 500:
`1e999999` was a decimal.Overflow. The forms are found by walking the subclasses of ServiceForm, so a form added
later with a MoneyField is covered too (core.money.parse_major_units reads them all)."""

import inspect

import pytest
from django.urls import get_resolver

from core.money import MAJOR_UNITS_MESSAGE
from core.staff.forms import CurrencyCodeField, MoneyField, ServiceForm

ABSURD = ["1e999999", "1E5", "Infinity", "-Infinity", "NaN", "-1", "+1", "0x10", "1_0.5.5", "9" * 41, "١٢٣"]


def _forms() -> list[type]:
    get_resolver().url_patterns  # noqa: B018 - imports every view, and so every form the site shows
    found, pending = [], [ServiceForm]
    while pending:
        form_class = pending.pop()
        pending += form_class.__subclasses__()
        if any(isinstance(field, MoneyField) for field in form_class.base_fields.values()):
            found.append(form_class)
    return found


def _make(form_class, data):
    # A form that offers a customer's currencies takes them as an argument; a repayment its purchase's currency and
    # what it owes.
    parameters = inspect.signature(form_class.__init__).parameters
    given = {"currencies": ["USD"], "currency": "USD", "outstanding": "10.00 USD"}
    return form_class(data, **{name: value for name, value in given.items() if name in parameters})


def test_the_walk_finds_the_money_forms():
    names = {form_class.__name__ for form_class in _forms()}
    assert {"CreditCheckRequestForm", "CreditApproveForm", "CreditLineForm"} <= names


@pytest.mark.parametrize("form_class", _forms(), ids=lambda form_class: form_class.__name__)
@pytest.mark.parametrize("typed", ABSURD)
def test_every_staff_money_field_refuses_an_absurd_amount_with_a_form_error(form_class, typed):
    money = [name for name, field in form_class.base_fields.items() if isinstance(field, MoneyField)]
    currencies = [name for name, field in form_class.base_fields.items() if isinstance(field, CurrencyCodeField)]
    form = _make(form_class, {**dict.fromkeys(money, typed), **dict.fromkeys(currencies or ["currency_code"], "USD")})
    assert not form.is_valid()
    for name in money:
        too_much = ["Must be at most 10,000,000,000,000.00 USD."]
        assert form.errors[name] in ([MAJOR_UNITS_MESSAGE], too_much), (name, typed)
