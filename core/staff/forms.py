"""Forms of the staff UI that validate exactly as the API does.

A `ServiceForm` takes its fields (labels, lengths, choices, widgets) from the model and does no business validation of
its own: the view calls the same service the API calls, and `add_service_error` puts the service's ValidationError or
ApplicationError next to the field it names."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import fields_for_model

from core.errors import ApplicationError


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
