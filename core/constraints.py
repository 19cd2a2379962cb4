"""Database constraints shared by every app's models."""

from django.db import models
from django.db.models import Q


def choices_check(field: str, choices: type[models.TextChoices], *, nullable: bool) -> models.CheckConstraint:
    """A CHECK constraint holding an enumerated column to its choices (and NULL, when `nullable`)."""
    condition = Q(**{f"{field}__in": choices.values})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"%(app_label)s_%(class)s_{field}_valid")
