"""The portal's forms."""

from django import forms

from core.staff.forms import ServiceForm
from customers.models import CustomerUser


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Your work email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class EnrollmentAcceptForm(forms.Form):
    """A signed-in customer user accepting the net terms on offer, for the company."""

    accept = forms.BooleanField(
        label="I accept these net terms on behalf of my company.",
        error_messages={"required": "Tick the box to accept the terms."},
    )


class InviteForm(ServiceForm):
    """An admin invites a colleague: the customer user's own fields, validated by customers' service."""

    model = CustomerUser
    model_fields = ("email", "first_name", "last_name")
    labels = {"email": "Their work email address", "first_name": "First name", "last_name": "Last name"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
