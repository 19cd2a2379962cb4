from django import forms

from customers.models import Customer, CustomerUser, CustomerUserStatus


class EnrollmentAcceptForm(forms.Form):
    """A customer user accepting net terms on the public enrollment page: who they are, and that they accept."""

    email = forms.EmailField(label="Your email address", help_text="The address you use with this account.")
    accept = forms.BooleanField(label="I accept these net terms on behalf of the business.")

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.customer_user: CustomerUser | None = None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        self.customer_user = self.customer.users.filter(email__iexact=email, status=CustomerUserStatus.ACTIVE).first()
        if self.customer_user is None:
            raise forms.ValidationError(
                "This address is not an active user of this account. Ask your account manager to add you."
            )
        return email
