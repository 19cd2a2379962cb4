"""Staff forms for customers, their users, payment methods and imports. Validation is the services' (see
core.staff.forms.ServiceForm); these only shape the fields for people."""

from django import forms

from core.staff.forms import ServiceForm
from customers.filters import CustomerFilterSet
from customers.imports import MAX_IMPORT_BYTES
from customers.models import ADDRESS_FIELDS, Customer, CustomerUser, PaymentMethod, PaymentMethodType


class CustomerForm(ServiceForm):
    model = Customer
    model_fields = (
        "name",
        "legal_name",
        "email",
        "external_id",
        "ein",
        *ADDRESS_FIELDS,
        "locale",
        "default_terms",
        "marketing_consent",
    )
    labels = {
        "name": "Company name",
        "external_id": "External id",
        "sub_premise": "Suite, unit, floor",
        "state": "State / province",
        "marketing_consent": "Agreed to receive marketing email",
    }
    help_texts = {
        "email": "Accounts payable address; unique among active customers.",
        "external_id": "The customer's id in your ERP or storefront.",
        "country": "Two-letter ISO code, such as US or CA.",
        "ein": "US Employer Identification Number, such as 12-3456789.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["country"].widget.attrs.update({"autocomplete": "country", "class": "input--short"})
        self.fields["postal_code"].widget.attrs["autocomplete"] = "postal-code"


class CustomerUserForm(ServiceForm):
    model = CustomerUser
    model_fields = ("email", "first_name", "last_name", "payment_reminders", "role")
    help_texts = {"role": "An admin also invites and removes the company's users in the buyer portal."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Not sent: the service's default (admin when the customer has no active admin yet, else member).
        self.fields["role"].required = False


class PaymentMethodForm(ServiceForm):
    model = PaymentMethod
    model_fields = (
        "type",
        "provider",
        "provider_token",
        "card_brand",
        "last4",
        "exp_month",
        "exp_year",
        "bank_account_type",
        "bank_name",
    )
    labels = {"last4": "Last 4 digits", "exp_month": "Expiry month", "exp_year": "Expiry year"}
    help_texts = {
        "provider_token": "The token your payment provider returned. Never a card or account number.",
        "provider": "Such as stripe or plaid.",
    }
    CARD_FIELDS = ("card_brand", "exp_month", "exp_year")
    BANK_FIELDS = ("bank_account_type", "bank_name")

    make_default = forms.BooleanField(required=False, label="Make this the default payment method")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].widget = forms.RadioSelect(choices=PaymentMethodType.choices)
        self.fields["last4"].widget.attrs.update({"inputmode": "numeric", "class": "input--short"})

    def service_fields(self) -> dict:
        """The cleaned fields for the chosen type only, so a card never carries bank details or the reverse."""
        data = {name: value for name, value in self.cleaned_data.items() if name != "make_default"}
        other = self.BANK_FIELDS if data.get("type") == PaymentMethodType.CARD else self.CARD_FIELDS
        return {name: value for name, value in data.items() if name not in other}


class CustomerImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8 CSV with a header row; email is required. At most {MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        # Checked before the upload is read into memory.
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it.")
        return upload


class CsvCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes for a comma-separated FilterSet parameter: `?status=active&status=archived` and the API's
    `?status=active,archived` both arrive as ["active", "archived"]."""

    def value_from_datadict(self, data, files, name):
        if not hasattr(data, "getlist"):
            return super().value_from_datadict(data, files, name)
        return [item.strip() for value in data.getlist(name) for item in value.split(",") if item.strip()]

    def format_value(self, value):
        if isinstance(value, str):
            value = value.split(",")
        return super().format_value(value)


class StaffCustomerFilterSet(CustomerFilterSet):
    """The API's CustomerFilterSet, unchanged in what it filters; only its form is dressed for people."""

    LABELS = {
        "search": "Search",
        "status": "Customer status",
        "credit_status": "Credit status",
        "net_terms_status": "Net terms",
        "company_name": "Company name contains",
        "external_id": "External id",
        "email": "Email (exact)",
        "id": "Customer ids",
        "created_at_start": "Created on or after",
        "created_at_end": "Created before",
    }

    def get_form_class(self):
        form_class = super().get_form_class()
        for name, field in form_class.base_fields.items():
            field.label = self.LABELS.get(name, field.label)
            if hasattr(field, "choices") and name.endswith("status"):
                # The FilterSet's choice fields lead with an empty "---------" choice a checkbox list does not need.
                field.widget = CsvCheckboxes(choices=[(value, text) for value, text in field.choices if value])
            elif name.startswith("created_at"):
                field.widget = forms.DateInput(attrs={"type": "date"})
            elif name == "search":
                field.widget = forms.TextInput(
                    attrs={
                        "type": "search",
                        "placeholder": "Name, email, id, external id…",
                        "autocomplete": "off",
                        "aria-keyshortcuts": "/",
                    }
                )
            field.help_text = ""
        return form_class
