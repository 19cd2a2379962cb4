"""core.validation.ModelValidator checks exactly what full_clean checks, remembered outcomes included."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from core.validation import ModelValidator
from customers.models import Customer

SAMPLES = [
    {"email": "a@b.example"},
    {"email": ""},
    {},
    {"email": "not-an-email"},
    {"email": "a@b.example", "country": "usa"},
    {"email": "a@b.example", "country": "US", "locale": "xx-invalid-locale"},
    {"email": "a@b.example", "default_terms": "net99"},
    {"email": "a@b.example", "ein": "1" * 300, "name": "n" * 300},
    {"email": "a@b.example", "marketing_consent": True, "custom_data": {"k": "v"}},
    {"email": "a@b.example", "custom_data": "not json object"},
]


def outcome(check, fields):
    customer = Customer(**fields)
    try:
        check(customer, fields)
    except ValidationError as error:
        return {name: sorted(str(message) for message in messages) for name, messages in error.message_dict.items()}
    return {name: getattr(customer, name) for name in fields}


def full_clean(customer, fields):
    customer.full_clean(validate_unique=False, validate_constraints=False)


@pytest.mark.parametrize("fields", SAMPLES)
def test_same_outcome_as_full_clean(fields):
    validator = ModelValidator(Customer)
    expected = outcome(full_clean, fields)
    # Twice: the second time from remembered outcomes.
    assert outcome(lambda customer, given: validator.validate(customer, given.keys()), fields) == expected
    assert outcome(lambda customer, given: validator.validate(customer, given.keys()), fields) == expected


def test_values_are_remembered_only_for_fields_whose_values_repeat():
    from core import validation

    validator = ModelValidator(Customer)
    for index in range(validation._TRIAL + 1):
        fields = {"email": f"row{index}@example.com", "name": f"Co {index}", "country": "US", "state": "IL"}
        assert outcome(lambda customer, given: validator.validate(customer, given.keys()), fields) == fields
    assert "email" not in validator.memos and "name" not in validator.memos  # one value per row: checked directly
    assert validator.memos["country"].outcomes.keys() == {"US"}
    # Checked directly, a bad value is still refused.
    bad = {"email": "not-an-email", "name": "n" * 300}
    assert outcome(lambda customer, given: validator.validate(customer, given.keys()), bad) == outcome(full_clean, bad)


SHARED = ModelValidator(Customer)
_TEXT = st.sampled_from(["", " ", "US", "us", "x" * 3, "x" * 300, "a@b.example", "net30", "en", "fr-CA", "??"])


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            name: _TEXT
            for name in ("email", "name", "country", "locale", "default_terms", "state", "postal_code", "ein")
        },
    )
)
def test_same_outcome_as_full_clean_for_any_mix(fields):
    validator = SHARED  # one validator for every example: outcomes remembered from other rows must not leak
    expected = outcome(full_clean, fields)
    for _ in range(2):
        assert outcome(lambda customer, given: validator.validate(customer, given.keys()), fields) == expected


_EMAIL_PARTS = st.text(alphabet='ab.-_+@[]:1"ü ', max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_EMAIL_PARTS, st.builds("{}@{}.{}".format, _EMAIL_PARTS, _EMAIL_PARTS, _EMAIL_PARTS)))
def test_the_compiled_email_validator_agrees_with_django(value):
    from django.core.validators import validate_email

    from core.validation import EmailValidator

    def verdict(check):
        try:
            check(value)
        except ValidationError as error:
            return error.code, error.messages
        return "valid"

    assert verdict(EmailValidator()) == verdict(validate_email)


@pytest.mark.parametrize("value", ["a@b.example", "a@[127.0.0.1]", "a@localhost", '"q"@x.org', "a@xn--bcher-kva.ch"])
def test_the_compiled_email_validator_accepts_what_django_accepts(value):
    from core.validation import EmailValidator

    EmailValidator()(value)
