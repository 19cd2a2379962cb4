"""Forms of the staff UI that validate exactly as the API does.

A `ServiceForm` takes its fields (labels, lengths, choices, widgets) from the model and does no business validation of
its own: the view calls the same service the API calls, and `add_service_error` puts the service's ValidationError or
ApplicationError next to the field it names."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import fields_for_model

from core.errors import ApplicationError
from core.models import EventType
from core.money import validate_currency_code


class ServiceForm(forms.Form):
    model = None
    model_fields: tuple[str, ...] = ()
    # Friendlier labels than the model's verbose names, where they differ.
    labels: dict[str, str] = {}
    help_texts: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.model is not None:
            generated = fields_for_model(self.model, fields=self.model_fields, labels=self.labels)
            self.fields = {**generated, **self.fields}
            # The generated fields came first; a form's field_order still decides.
            self.order_fields(self.field_order)
        for name, text in self.help_texts.items():
            self.fields[name].help_text = text

    def add_service_error(self, error: ValidationError | ApplicationError) -> None:
        """Attach a service's error to the fields it names; anything else becomes a form-wide error."""
        if isinstance(error, ApplicationError):
            self._add(error.field, [error.detail])
        elif hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self._add(field, messages)
        else:
            self._add(None, error.messages)

    def _add(self, field: str | None, messages: list[str]) -> None:
        if field in self.fields:
            for message in messages:
                self.add_error(field, message)
            return
        prefix = "" if field in (None, NON_FIELD_ERRORS) else f"{field.replace('_', ' ').capitalize()}: "
        for message in messages:
            self.add_error(None, prefix + message)


class ApiKeyForm(ServiceForm):
    name = forms.CharField(max_length=100, help_text="Who or what uses the key, such as “ERP sync”.")
    scopes = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, choices=())

    def __init__(self, *args, grantable_scopes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(scope, scope) for scope in grantable_scopes]
        self.fields["scopes"].help_text = "Only the scopes your role may grant are offered."


class MoneyField(forms.Field):
    """An amount as people type it, in major units ("25,000.00", "25000"). It cleans to the text as typed: the
    form reads it with core.money.parse_major_units once it knows the currency."""

    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "inputmode": "decimal",
            "autocomplete": "off",
            "maxlength": "32",
            "class": "input--money",
        }

    def to_python(self, value) -> str | None:
        text = str(value or "").strip()
        return text or None


class CurrencyCodeField(forms.CharField):
    """An ISO 4217 code as people type it: surrounding spaces and lower case are forgiven here (`" cad"` → `"CAD"`),
    then the code must be one of core.money's table, as the services require."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        super().__init__(validators=[validate_currency_code], **kwargs)
        self.widget.attrs.update({"class": "input--currency", "autocomplete": "off"})

    def to_python(self, value) -> str:
        return super().to_python(value).upper()


class WebhookEndpointForm(ServiceForm):
    """Create or edit an endpoint. The URL's safety and the event types are checked by the webhook services."""

    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text="Where deliveries are POSTed, such as https://erp.example.com/hooks/creditdesk.",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(max_length=255, required=False, help_text="Who receives it, such as “ERP sync”.")
    event_types = forms.MultipleChoiceField(
        choices=[(value, value) for value in EventType.values],
        widget=forms.CheckboxSelectMultiple,
        # Not required here: the service's own message explains an empty choice.
        required=False,
        help_text="Only these events are sent to the endpoint.",
    )
    enabled = forms.BooleanField(
        required=False, initial=True, help_text="While disabled, deliveries wait; enabling it sends them."
    )
