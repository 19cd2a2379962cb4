"""The FilterSet base and filter types every app's FilterSets use, and `filtered`, which applies one.

One FilterSet per resource serves the API's query parameters (and their OpenAPI description), the staff list pages'
filter forms and the CSV exports, so each filter is parsed and validated once (NetBox's pattern)."""

from collections.abc import Mapping
from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import BaseCSVField

from core.ids import id_bound


class FilterSet(django_filters.FilterSet):
    """Builds its form class once per FilterSet class. django-filter rebuilds the class, every field and label
    included, on each instance, which cost more than the list query itself on the API's hot path. Safe because
    these filters never depend on the request; each form instance still gets its own copies of the fields."""

    _form_classes: dict[type, type] = {}
    # Filters that stay last, whatever is added later (a search narrows what the other filters kept).
    last_filters: tuple[str, ...] = ()

    def get_form_class(self):
        form_class = FilterSet._form_classes.get(type(self))
        if form_class is None:
            form_class = FilterSet._form_classes[type(self)] = super().get_form_class()
        return form_class

    @classmethod
    def extend(cls, filters: Mapping[str, django_filters.Filter]) -> None:
        """Add filters to this FilterSet and every subclass of it, from an app that builds on this one (its
        AppConfig.ready, before any request): the way a higher layer adds its own filters to a lower layer's
        resource without the lower layer importing it. Subclasses made later inherit them."""
        for name, flt in filters.items():
            flt.field_name = flt.field_name or name
        for klass in (cls, *_subclasses(cls)):
            for attribute in ("declared_filters", "base_filters"):
                merged = {**getattr(klass, attribute), **filters}
                last = [name for name in klass.last_filters if name in merged]
                ordered = {name: value for name, value in merged.items() if name not in last}
                ordered.update((name, merged[name]) for name in last)
                setattr(klass, attribute, ordered)
            FilterSet._form_classes.pop(klass, None)


def _subclasses(cls: type) -> list[type]:
    found = []
    for subclass in cls.__subclasses__():
        found += [subclass, *_subclasses(subclass)]
    return found


def filtered(filterset_class: type[FilterSet], filters: Mapping | None, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed by the FilterSet's parameters; django ValidationError (field → messages) when invalid."""
    filterset = filterset_class(data=filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An RFC 3339 / ISO 8601 timestamp with any offset, cleaned to UTC. A valid timestamp can leave the range
    of dates in UTC (`0001-01-01T00:00:00+01:00`): that is a bad value, not a 500."""

    def clean(self, value):
        cleaned = super().clean(value)
        if cleaned is None:
            return cleaned
        try:
            return cleaned.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Out of range once converted to UTC.", code="out_of_range") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """RFC 3339 / ISO 8601 with any offset, queried in UTC: PostgreSQL refuses offsets beyond ±15:59, which
    RFC 3339 allows (up to ±23:59)."""

    field_class = UtcIsoDateTimeField


class CreatedAtFilter(UtcDateTimeFilter):
    """A bound (`gte` or `lt`) on when rows were made, also put on their time-ordered ids (core.ids.id_bound): on a
    table partitioned by id (core.partitions) PostgreSQL then reads only the months the bound can reach."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value in EMPTY_VALUES:
            return qs
        lower = self.lookup_expr == "gte"
        bound = id_bound(qs.model._meta.pk.prefix, value, lower=lower)
        return qs if bound is None else qs.filter(**{"pk__gte" if lower else "pk__lt": bound})


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Comma-separated values: `?id=ctm_a,ctm_b`."""


class NoEmptyMemberCSVField(BaseCSVField):
    """Refuses an empty member (`active,` or `a,,b`), as the OpenAPI pattern of a comma-separated filter does: the
    server accepts exactly what its schema says."""

    def clean(self, value):
        if value and "" in value:
            raise forms.ValidationError("Comma-separated values, none of them empty.", code="empty_member")
        return super().clean(value)


class ChoiceInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """Comma-separated values, each validated against the choices."""

    base_field_class = NoEmptyMemberCSVField
