"""Serializer bases: strict input validation, and the documentation-only shapes of envelopes and errors.

Output is never produced by serializers (presenters build plain dicts, which is several times faster); the
`OutputSerializer` classes only describe those dicts in the OpenAPI schema, with `additionalProperties: false`
so a presenter that drifts from its description fails the schemathesis run and the shape tests."""

import copy

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.jsondoc import LIMITS_DESCRIPTION, MAX_KEYS

# JSON types a field accepts as is. DRF would coerce ("12" → 12, 0 → False, 7 → "7"); the API says what a field
# is in its schema and holds clients to it. Order matters: a bool is also an int.
_JSON_TYPES = (
    (serializers.BooleanField, (bool,), "boolean"),
    (serializers.IntegerField, (int,), "integer"),
    (serializers.FloatField, (int, float), "number"),
    (serializers.CharField, (str,), "string"),
)


def _type_error(field, value) -> str | None:
    for field_class, types, name in _JSON_TYPES:
        if isinstance(field, field_class):
            wrong_bool = isinstance(value, bool) and bool not in types
            return f"Must be a JSON {name}." if wrong_bool or not isinstance(value, types) else None
    return None


class StrictInputSerializer(serializers.Serializer):
    """Refuses keys it does not know (a typo is a 400, not a silently ignored field) and values of the wrong
    JSON type."""

    def get_fields(self):
        # A ModelSerializer rebuilds every field from the model for each request; build them once per class.
        cls = type(self)
        template = cls.__dict__.get("_field_template")
        if template is None:
            template = super().get_fields()
            cls._field_template = template
        return copy.deepcopy(template)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for key, value in data.items():
                field = self.fields.get(key)
                if field is None or field.read_only:
                    errors[str(key)] = ["Unknown field."]
                elif value is not None and (message := _type_error(field, value)):
                    errors[key] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


@extend_schema_field({"type": "object", "additionalProperties": {}, "maxProperties": MAX_KEYS})
class JsonDocumentField(serializers.DictField):
    """A JSON document the client stores as written (`custom_data`): an object, within core.jsondoc's limits, which
    the schema states after the field's own description. The model field's validator enforces them (so the API, the
    admin and the import refuse the same documents, with the same message)."""

    def __init__(self, *, help_text: str, **kwargs):
        super().__init__(help_text=f"{help_text} {LIMITS_DESCRIPTION}", **kwargs)


class OutputSerializer(serializers.Serializer):
    """Describes a presenter's output in the schema; never used to serialize."""


class MetaOut(OutputSerializer):
    request_id = serializers.CharField(help_text="Also in the X-Request-ID header. Quote it when reporting a problem.")


class PaginationOut(OutputSerializer):
    per_page = serializers.IntegerField()
    next = serializers.URLField(
        allow_null=True,
        help_text=(
            "The next page, every filter kept. As Paddle, present even when has_more is false (come back later for"
            " items created since); null only on an empty page asked without a cursor."
        ),
    )
    previous = serializers.URLField(allow_null=True, help_text="The previous page; null on the first.")
    has_more = serializers.BooleanField()
    has_previous = serializers.BooleanField()
    estimated_total = serializers.IntegerField(
        help_text="Exact for small results; the database's estimate for large ones (never a full count)."
    )
    start_cursor = serializers.CharField(allow_null=True)
    end_cursor = serializers.CharField(allow_null=True)


class ListMetaOut(OutputSerializer):
    request_id = serializers.CharField()
    pagination = PaginationOut()


class ErrorItemOut(OutputSerializer):
    field = serializers.CharField(allow_null=True, help_text="Dotted path of the field; null for the whole body.")
    message = serializers.CharField()


class ErrorOut(OutputSerializer):
    type = serializers.ChoiceField(choices=["request_error", "api_error"])
    code = serializers.CharField()
    detail = serializers.CharField()
    documentation_url = serializers.URLField()
    errors = ErrorItemOut(many=True, required=False)


class ErrorResponse(OutputSerializer):
    error = ErrorOut()
    meta = MetaOut()


_envelopes: dict[tuple[type, bool, bool], type] = {}


def envelope(
    serializer_class: type[serializers.Serializer], *, many: bool = False, paginated: bool | None = None
) -> type[OutputSerializer]:
    """The `{data, meta}` envelope around a resource, or around a list of them when `many`: a page with
    `meta.pagination` unless `paginated=False` (a short list returned whole, such as a customer's balances)."""
    paginated = many if paginated is None else paginated
    key = (serializer_class, many, paginated)
    if key not in _envelopes:
        name = serializer_class.__name__.removesuffix("Out")
        suffix = "List" if paginated else "Collection" if many else ""
        _envelopes[key] = type(
            f"{name}{suffix}Response",
            (OutputSerializer,),
            {
                "__module__": serializer_class.__module__,
                "data": serializer_class(many=many),
                "meta": ListMetaOut() if paginated else MetaOut(),
            },
        )
    return _envelopes[key]
