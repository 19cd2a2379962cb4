"""Model validation for many instances of one model at a time (bulk imports)."""

import re
from collections.abc import Collection

from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, CharField, Model

# Field types whose `clean` depends on the value alone (not on the instance or the database), and the value types
# whose outcomes are remembered for them.
_PURE_FIELDS = (CharField, BooleanField)
_REMEMBERED_TYPES = frozenset({str, bool})
_MAX_REMEMBERED = 10_000  # per field; a full memo starts again
# A field's values are remembered while they repeat: after this many new values, a field with fewer repeats than new
# values (an email, a name: one per row) is checked directly from then on, the bookkeeping costing more than it saves.
_TRIAL = 1_000


class _Memo:
    __slots__ = ("new", "outcomes", "repeats")

    def __init__(self) -> None:
        self.outcomes: dict[object, tuple[bool, object]] = {}
        self.repeats = 0
        self.new = 0


class ModelValidator:
    """`full_clean(validate_unique=False, validate_constraints=False)` for many instances of one model: the same
    field checks (`Field.clean`), then the model's `clean()`, raising the same ValidationError.

    Two differences, neither changing the outcome: a field left at its default is not checked unless it is
    required (a default is valid by construction; a required field left empty is still an error), and the outcome
    of checking a text or boolean value is remembered per field, so a value that repeats on every row (a country,
    a state, a locale) is checked once."""

    def __init__(self, model: type[Model]) -> None:
        self.fields = {field.name: field for field in model._meta.concrete_fields if not field.generated}
        # Left at their default, these would fail: required, and no default to fall back on.
        self.required = [field for field in self.fields.values() if not field.blank and not field.has_default()]
        # Fields that may be left blank, and take an empty text for blank.
        self.blank_text = {name for name, field in self.fields.items() if field.blank and "" in field.empty_values}
        # By field name, for the fields whose outcomes are (still) remembered.
        self.memos = {name: _Memo() for name, field in self.fields.items() if isinstance(field, _PURE_FIELDS)}

    def validate(self, instance: Model, given: Collection[str]) -> None:
        errors: dict[str, list] = {}
        checked = [self.fields[name] for name in given if name in self.fields]
        checked += [field for field in self.required if field.name not in given]
        for field in checked:
            raw = getattr(instance, field.attname)
            if type(raw) is str:  # the common case, without comparing a text with each of the field's empty values
                if not raw and field.name in self.blank_text:
                    continue
            elif field.blank and raw in field.empty_values:
                continue
            try:
                setattr(instance, field.attname, self._clean(field, raw, instance))
            except ValidationError as error:
                errors[field.name] = error.error_list
        try:
            instance.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _clean(self, field, raw, instance):
        memo = self.memos.get(field.name)
        if memo is None or type(raw) not in _REMEMBERED_TYPES:
            return field.clean(raw, instance)
        outcome = memo.outcomes.get(raw)
        if outcome is None:
            try:
                outcome = (True, field.clean(raw, instance))
            except ValidationError as error:
                outcome = (False, error)
            if len(memo.outcomes) >= _MAX_REMEMBERED:
                memo.outcomes.clear()
            memo.outcomes[raw] = outcome
            memo.new += 1
            if memo.new == _TRIAL and memo.repeats < memo.new:
                self.memos.pop(field.name, None)  # (a validator may be shared by threads)
        else:
            memo.repeats += 1
        ok, value = outcome
        if not ok:
            raise ValidationError(value.error_list)
        return value


def _compiled(pattern) -> re.Pattern:
    return re.compile(pattern.pattern, pattern.flags)


class EmailValidator(validators.EmailValidator):
    """Django's email validator, with its patterns compiled once, here, instead of reached through a lazy proxy on
    every call (a failed attribute lookup each time: the largest single cost of validating a bulk import's rows).
    The same patterns, so the same outcome."""

    user_regex = _compiled(validators.EmailValidator.user_regex)
    domain_regex = _compiled(validators.EmailValidator.domain_regex)
    literal_regex = _compiled(validators.EmailValidator.literal_regex)


class EmailField(models.EmailField):
    """A model email field checked by the EmailValidator above."""

    default_validators = [EmailValidator()]
