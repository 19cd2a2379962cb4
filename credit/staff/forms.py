"""Forms of the staff credit pages. They validate nothing of their own beyond reading what people type
(core.staff.forms.ServiceForm): the credit services decide."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from core.filters import FilterSet
from core.money import parse_major_units
from core.staff.forms import CurrencyCodeField, MoneyField, ServiceForm
from credit.filters import CreditTransactionFilterSet, CurrencyCodesFilter
from credit.models import CreditCheck, CreditTransaction
from credit.selectors import AGING_BUCKETS, aging_bucket_condition, collections_owner_candidates
from credit.statements import statement_month_parse
from credit.vocabulary import DeclineCode, HoldCode
from customers.models import Terms
from customers.staff.forms import CsvCheckboxes


class _CreditForm(ServiceForm):
    """A staff credit form. Its one money field is typed in major units and handed to the service in minor units
    of `currency` (fixed) or of the currency the form's `currency_code` field names; while that currency is not
    known (its field says why), the amount is not read."""

    money_field = ""
    currency = ""
    currency_field = "currency_code"

    def clean(self):
        data = super().clean()
        text = data.get(self.money_field)
        currency = self.currency or data.get(self.currency_field)
        if text is not None and currency:
            try:
                data[self.money_field] = parse_major_units(text, currency)
            except ValidationError as error:
                self.add_error(self.money_field, error)
        return data


def _note_field(label: str = "Note", *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        help_text=help_text or "Kept with the decision in the customer's credit history.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


YES_NO = [("true", "Yes"), ("false", "No")]


def _as_bool(value: str) -> bool:
    return value == "true"


class CreditCheckRequestForm(_CreditForm):
    """What credit_check_request takes. The check is in the currency the model defaults to (USD)."""

    model = CreditCheck
    model_fields = ("business_description",)
    field_order = ("amount_requested", "has_purchase_history", "has_purchase_terms_history", "business_description")
    labels = {"business_description": "What the business does"}
    help_texts = {"business_description": "At most 500 characters. It helps the credit officer who reviews it."}
    money_field = "amount_requested"
    currency = CreditCheck._meta.get_field("currency_code").default

    amount_requested = MoneyField(label=f"Amount requested ({currency})", help_text="The credit line asked for.")
    has_purchase_history = forms.TypedChoiceField(
        label="Has bought from us before", choices=YES_NO, coerce=_as_bool, widget=forms.RadioSelect
    )
    has_purchase_terms_history = forms.TypedChoiceField(
        label="Has bought on terms before",
        choices=[*YES_NO, ("", "Not known")],
        coerce=_as_bool,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_description"].widget = forms.Textarea(attrs={"rows": 3, "maxlength": 500})


class CreditApproveForm(_CreditForm):
    """Approve a check from the review queue, or a direct application: amount, currency and terms."""

    money_field = "amount"

    amount = MoneyField(label="Credit line")
    currency_code = CurrencyCodeField(label="Currency", initial="USD")
    default_terms = forms.ChoiceField(label="Terms", choices=Terms.choices, initial=Terms.NET30)
    note = _note_field()


class CreditDeclineForm(_CreditForm):
    decline_code = forms.ChoiceField(label="Reason code", choices=[("", "Choose a reason…"), *DeclineCode.choices])
    note = _note_field()


class CreditLineForm(_CreditForm):
    """credit_line_update: the new line in one of the customer's currencies, with the reason kept on the ledger."""

    money_field = "credit_limit"

    credit_limit = MoneyField(label="New credit line", help_text="The whole line: available + reserved + used.")
    currency_code = forms.ChoiceField(label="Currency")
    reason = _note_field("Reason", required=True, help_text="Kept with the adjustment on the ledger.")

    def __init__(self, *args, currencies: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency_code"].choices = [(code, code) for code in currencies]


class CreditLineGrantForm(_CreditForm):
    """credit_line_grant: a line in another currency than the credit currency."""

    money_field = "credit_limit"
    field_order = ("currency_code", "credit_limit", "reason")

    currency_code = CurrencyCodeField(label="Currency", help_text="Not the credit currency, which has its line.")
    credit_limit = MoneyField(label="Credit line", help_text="In that currency.")
    reason = _note_field("Reason", required=True, help_text="Kept with the grant on the ledger.")


class CreditLineCloseForm(_CreditForm):
    """credit_line_close: the reason is kept on the ledger."""

    reason = _note_field("Reason", required=True, help_text="Kept with the closing entry on the ledger.")


class CreditHoldForm(_CreditForm):
    hold_code = forms.ChoiceField(label="Hold code", choices=[("", "Choose a code…"), *HoldCode.choices])
    note = _note_field()


class CreditNoteForm(_CreditForm):
    """Deactivate or reinstate: nothing to choose, a note to explain."""

    note = _note_field()


class ConfirmForm(_CreditForm):
    """Nothing to choose: the button confirms (a new enrollment link)."""


class PurchaseBillForm(_CreditForm):
    """credit_transaction_bill: the amount in major units of the currency chosen, what the purchase is."""

    model = CreditTransaction
    model_fields = ("reference", "description")
    field_order = ("amount", "currency_code", "customer_user_id", "reference", "description")
    help_texts = {
        "reference": "The order or invoice number, such as “PO-1042”. Never a card number.",
        "description": "What was bought. Never a card number.",
    }
    money_field = "amount"

    amount = MoneyField(label="Amount", help_text="Reserved from the available credit until completed or canceled.")
    currency_code = CurrencyCodeField(label="Currency")
    # Offered: the customer's active users. Whatever id comes back goes to the service, which alone decides who may
    # buy (customer_user_not_allowed); an empty choice is nobody.
    customer_user_id = forms.CharField(
        label="Bought by",
        required=False,
        max_length=64,
        empty_value=None,
        help_text="The customer's user who placed the order, if one did. Only active users are offered.",
    )

    def __init__(self, *args, buyers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget = forms.Textarea(attrs={"rows": 2, "maxlength": 1000})
        self.fields["customer_user_id"].widget = forms.Select(
            choices=[("", "Nobody in particular"), *((user.id, str(user)) for user in buyers)]
        )


class PurchaseRepayForm(_CreditForm):
    """credit_transaction_repay: an amount in major units of the purchase's currency, up to what it owes."""

    money_field = "amount"

    amount = MoneyField(label="Amount repaid")

    def __init__(self, *args, currency: str, outstanding: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].label = f"Amount repaid ({currency})"
        self.fields["amount"].help_text = f"{outstanding} outstanding: the whole of it, or a part."


class StaffPurchaseFilterSet(CreditTransactionFilterSet):
    """The API's CreditTransactionFilterSet, unchanged in what it filters; only its form is dressed for people."""

    def get_form_class(self):
        form_class = super().get_form_class()
        status = form_class.base_fields["status"]
        status.label = "Status"
        status.widget = CsvCheckboxes(choices=[(value, text) for value, text in status.choices if value])
        currency = form_class.base_fields["currency_code"]
        currency.label = "Currencies"
        currency.widget = forms.TextInput(attrs={"placeholder": "USD,EUR", "autocomplete": "off"})
        for field in form_class.base_fields.values():
            field.help_text = ""
        return form_class


class CustomerNoteForm(_CreditForm):
    """customer_note_add: what was said, an optional promise to pay (amount in major units, currency, date) and an
    optional date to follow up."""

    money_field = "promised_amount"
    currency_field = "promised_currency"

    text = forms.CharField(
        label="Note",
        max_length=2000,
        help_text="What was said or done, such as “Called AP, cheque goes out Friday”. At most 2,000 characters.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )
    promised_amount = MoneyField(label="Promised amount", required=False, help_text="Leave empty for no promise.")
    promised_currency = CurrencyCodeField(label="Currency of the promise", required=False)
    promised_on = forms.DateField(
        label="Promised by", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    follow_up_on = forms.DateField(
        label="Next follow-up", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        data = super().clean()
        # An amount cannot be read without its currency (the currency's own field says so when it was mistyped).
        needs_currency = data.get("promised_amount") is not None and not data.get("promised_currency")
        if needs_currency and "promised_currency" not in self.errors:
            self.add_error("promised_currency", "Say which currency the promised amount is in.")
        return data


WORKLIST_ORDERS = (
    ("due_at[ASC]", "Most days past due"),
    ("due_at[DESC]", "Fewest days past due"),
    ("outstanding[DESC]", "Largest outstanding"),
    ("outstanding[ASC]", "Smallest outstanding"),
)


class _WorklistForm(forms.Form):
    """The worklist's form: its filters (CollectionsFilterSet) and the order, which is not a filter."""

    order_by = forms.ChoiceField(label="Sort by", required=False, choices=WORKLIST_ORDERS)


REPAYMENT_STATES = (("unpaid", "Nothing repaid"), ("partly_repaid", "Partly repaid"))
OWNER_ME, OWNER_NONE = "me", "unassigned"


class CollectionsFilterSet(FilterSet):
    """The collections worklist's filters, on credit.selectors.collections_worklist (every purchase past due): an
    aging bucket (as the dashboard counts them), currencies, the purchase's status (nothing or part of it repaid: a
    purchase past due is always completed) and the customer's collections owner (the signed-in user, no one, or a
    named member of staff). They combine; the page keeps them in its URL."""

    bucket = django_filters.ChoiceFilter(
        label="Days past due",
        choices=[(b, b) for b, _, _ in AGING_BUCKETS],
        empty_label="Any past due",
        method="filter_bucket",
    )
    currency_code = CurrencyCodesFilter(field_name="currency_code", label="Currencies")
    status = django_filters.ChoiceFilter(
        label="Purchase status", choices=REPAYMENT_STATES, empty_label="Any", method="filter_status"
    )
    owner = django_filters.ChoiceFilter(label="Owner", choices=(), empty_label="Anyone", method="filter_owner")

    class Meta:
        model = CreditTransaction
        fields: list[str] = []
        form = _WorklistForm

    def __init__(self, *args, now, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.now, self.user = now, user
        named = collections_owner_candidates().values_list("username", flat=True)
        self.form.fields["owner"].choices = [
            ("", "Anyone"),
            (OWNER_ME, "Me"),
            (OWNER_NONE, "No one"),
            *((name, name) for name in named),
        ]
        currencies = self.form.fields["currency_code"]
        currencies.widget = forms.TextInput(attrs={"placeholder": "USD,EUR", "autocomplete": "off"})
        currencies.help_text = ""

    def filter_queryset(self, queryset):
        # The form's order is not a filter: the view sorts.
        for name, value in self.form.cleaned_data.items():
            if name in self.filters:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_bucket(self, queryset, name, value):
        return queryset.filter(aging_bucket_condition(self.now, value))

    def filter_status(self, queryset, name, value):
        return queryset.filter(amount_repaid=0) if value == "unpaid" else queryset.filter(amount_repaid__gt=0)

    def filter_owner(self, queryset, name, value):
        field = "customer__credit_account__collections_owner"
        if value == OWNER_NONE:
            return queryset.filter(**{f"{field}__isnull": True})
        if value == OWNER_ME:
            return queryset.filter(**{field: self.user.pk})
        return queryset.filter(**{f"{field}__username": value})


class CollectionsOwnerForm(ServiceForm):
    """credit.services.collections_owner_set: the staff user who chases the customer, by username (empty: no one).
    The list offers those the service accepts; the service decides."""

    owner = forms.CharField(
        label="Collections owner", required=False, help_text="Who chases this customer for what it owes."
    )

    def __init__(self, *args, candidates: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "No one"), *((name, name) for name in candidates)]
        self.fields["owner"].widget = forms.Select(choices=choices)


class StatementForm(forms.Form):
    """Which statement to download: a month (an HTML month input, YYYY-MM, up to the current one), one of the
    customer's currencies and a file format. Read from the query string: a download changes nothing."""

    month = forms.CharField(
        label="Month",
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text="A UTC calendar month; the current month runs to now.",
    )
    currency = forms.ChoiceField(label="Currency", choices=())
    format = forms.ChoiceField(label="File", choices=[("pdf", "PDF"), ("csv", "CSV")], initial="pdf")

    def __init__(self, *args, currencies: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in currencies]

    def clean_month(self):
        return statement_month_parse(self.cleaned_data["month"])
