"""The portal's forms."""

from django import forms


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
