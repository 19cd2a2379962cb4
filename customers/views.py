"""Staff pages for customers: list, export, detail, forms and actions. Thin adapters over the selectors and
services the API uses; each view names its capability (core.staff.access)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError, NotFound
from core.models import Event
from core.pagination import keyset_paginate, parse_ordering, parse_per_page
from core.staff.access import Capability, StaffView
from core.staff.charts import credit_segments
from credit.models import CreditBalance
from credit.staff_display import customer_credit_context
from customers.exports import customer_csv_lines
from customers.forms import CustomerForm, CustomerUserForm, PaymentMethodForm, StaffCustomerFilterSet
from customers.models import Customer, PaymentMethod
from customers.selectors import customer_get, customer_queryset, payment_method_get
from customers.services import (
    customer_archive,
    customer_create,
    customer_restore,
    customer_update,
    customer_user_create,
    payment_method_add,
    payment_method_delete,
    payment_method_set_default,
)

ORDER_FIELDS = ("id", "created_at", "updated_at", "name")
DEFAULT_ORDER = "created_at[DESC]"
SORT_CHOICES = (
    ("created_at[DESC]", "Newest first"),
    ("created_at[ASC]", "Oldest first"),
    ("name[ASC]", "Name A to Z"),
    ("name[DESC]", "Name Z to A"),
    ("updated_at[DESC]", "Recently updated"),
)
PER_PAGE_CHOICES = (25, 50, 100, 200)
DETAIL_EVENTS = 10


def customer_or_404(customer_id: str) -> Customer:
    try:
        return customer_get(customer_id=customer_id)
    except NotFound:
        raise Http404(f"No customer with id {customer_id}.") from None


def _filterset(request) -> StaffCustomerFilterSet:
    data = request.GET.copy()
    # Show the FilterSet's own default (active customers) as a ticked box rather than as an invisible rule.
    if not data.get("status"):
        data.setlist("status", ["active"])
    return StaffCustomerFilterSet(data=data, queryset=customer_queryset())


def _active_filters(filterset) -> list[tuple[str, str]]:
    """(label, value) of each filter in use, beyond the default of active customers, to show as chips."""
    if not filterset.is_valid():
        return []
    chips = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", []) or (name == "status" and value == ["active"]):
            continue
        field = filterset.form.fields[name]
        if isinstance(value, list):
            labels = dict(field.widget.choices) if hasattr(field.widget, "choices") else {}
            value = ", ".join(str(labels.get(item, item)) for item in value)
        elif hasattr(value, "date"):
            value = value.date().isoformat()
        chips.append((str(field.label), str(value)))
    return chips


def _ordering(request):
    try:
        return parse_ordering(request.GET.get("order_by"), allowed=ORDER_FIELDS, default=DEFAULT_ORDER)
    except ValidationError:
        return parse_ordering(DEFAULT_ORDER, allowed=ORDER_FIELDS)


class CustomerListView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        filterset = _filterset(request)
        ordering = _ordering(request)
        page, problems = None, []
        if filterset.is_valid():
            try:
                page = keyset_paginate(
                    filterset.qs,
                    ordering=ordering,
                    per_page=parse_per_page(request.GET.get("per_page") or 50),
                    after=request.GET.get("after") or None,
                    before=request.GET.get("before") or None,
                )
            except ValidationError as error:
                problems = [message for messages_ in error.message_dict.values() for message in messages_]
        return render(
            request,
            "customers/list.html",
            {
                "filterset": filterset,
                "form": filterset.form,
                "active_filters": _active_filters(filterset),
                "page": page,
                "problems": problems,
                "ordering": str(ordering),
                # Column headers sort by themselves; a second click reverses.
                "sort_links": {
                    "name": "name[DESC]" if str(ordering) == "name[ASC]" else "name[ASC]",
                    "created_at": "created_at[ASC]" if str(ordering) == "created_at[DESC]" else "created_at[DESC]",
                },
                "sort_choices": SORT_CHOICES,
                "per_page_choices": PER_PAGE_CHOICES,
                "per_page": page.per_page if page else 50,
            },
        )


class CustomerExportView(StaffView):
    """Every customer matching the list's filters, in the list's order, as CSV (not just the page shown)."""

    capability = Capability.VIEW

    def get(self, request):
        filterset = _filterset(request)
        if not filterset.is_valid():
            return HttpResponseBadRequest("Invalid filters: " + filterset.errors.as_text(), content_type="text/plain")
        lines = customer_csv_lines(filterset.qs, ordering=_ordering(request))
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.csv"'
        return response


class CustomerDetailView(StaffView):
    capability = Capability.VIEW

    def get(self, request, customer_id: str):
        customer = customer_or_404(customer_id)
        balances = list(CreditBalance.objects.filter(customer=customer).order_by("currency_code"))
        for balance in balances:
            balance.segments = credit_segments(
                used=balance.used, reserved=balance.reserved, available=balance.available
            )
            balance.utilization = (
                (balance.used + balance.reserved) / balance.credit_limit if balance.credit_limit else 0
            )
        return render(
            request,
            "customers/detail.html",
            {
                "customer": customer,
                "balances": balances,
                "users": list(customer.users.order_by("id")),
                "payment_methods": list(customer.payment_methods.order_by("-is_default", "id")),
                "events": list(Event.objects.filter(customer_id=customer.id).order_by("-id")[:DETAIL_EVENTS]),
                "events_limit": DETAIL_EVENTS,
                **customer_credit_context(customer),
            },
        )


class CustomerEventsView(StaffView):
    """The customer's whole audit trail, newest first, keyset-paginated."""

    capability = Capability.VIEW

    def get(self, request, customer_id: str):
        customer = customer_or_404(customer_id)
        ordering = parse_ordering("id[DESC]", allowed=("id",))
        try:
            page = keyset_paginate(
                Event.objects.filter(customer_id=customer.id),
                ordering=ordering,
                per_page=50,
                after=request.GET.get("after") or None,
                before=request.GET.get("before") or None,
            )
        except ValidationError:
            raise Http404("No such page of events.") from None
        return render(request, "customers/events.html", {"customer": customer, "page": page})


def _conflicting_customer(error, form) -> Customer | None:
    """The active customer a customer_already_exists error is about, to link to it from the form."""
    if getattr(error, "code", None) != "customer_already_exists":
        return None
    return Customer.objects.filter(email__iexact=form.cleaned_data.get("email", ""), status="active").first()


class CustomerFormView(StaffView):
    """GET shows the form; POST hands the cleaned data to a service and maps its errors back onto the form.
    Subclasses name the form, the service call and where to go next (the credit pages use it too)."""

    capability = Capability.CUSTOMERS_WRITE
    template_name = "customers/form.html"
    form_class = None
    title = ""
    submit_label = "Save"

    def setup_object(self, **kwargs) -> Customer | None:
        return None

    def initial(self) -> dict:
        return {}

    def make_form(self, data=None):
        return self.form_class(data, initial=self.initial())

    def extra_context(self) -> dict:
        return {}

    def call_service(self, form):
        raise NotImplementedError

    def success_url(self, result) -> str:
        raise NotImplementedError

    def get(self, request, **kwargs):
        self.object = self.setup_object(**kwargs)
        return self.render_form(self.make_form())

    def post(self, request, **kwargs):
        self.object = self.setup_object(**kwargs)
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                result = self.call_service(form)
            except (ValidationError, ApplicationError) as error:
                # Before the error is attached: attaching it drops the field from cleaned_data.
                self.conflict = _conflicting_customer(error, form)
                form.add_service_error(error)
            else:
                return redirect(self.success_url(result))
        # Django's convention: the form comes back (200) with its errors next to the fields.
        return self.render_form(form)

    def render_form(self, form):
        context = {
            "form": form,
            "title": self.title,
            "submit_label": self.submit_label,
            "customer": self.object,
            "conflict": getattr(self, "conflict", None),
            **self.extra_context(),
        }
        return render(self.request, self.template_name, context)


class CustomerCreateView(CustomerFormView):
    form_class = CustomerForm
    template_name = "customers/customer_form.html"
    title = "New customer"
    submit_label = "Create customer"

    def initial(self):
        return {"locale": "en"}

    def call_service(self, form):
        return customer_create(actor=self.actor, **form.cleaned_data)

    def success_url(self, customer):
        messages.success(self.request, f"Customer {customer} created.")
        return reverse("staff:customer_detail", args=[customer.id])


class CustomerEditView(CustomerFormView):
    form_class = CustomerForm
    template_name = "customers/customer_form.html"
    submit_label = "Save changes"

    def setup_object(self, customer_id):
        customer = customer_or_404(customer_id)
        self.title = f"Edit {customer}"
        return customer

    def initial(self):
        return {name: getattr(self.object, name) for name in CustomerForm.model_fields}

    def call_service(self, form):
        # Only what the person changed: the event then describes a real change, and nothing else is rewritten.
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        return customer_update(customer=self.object, actor=self.actor, data=changed)

    def success_url(self, customer):
        messages.success(self.request, "Changes saved.")
        return reverse("staff:customer_detail", args=[customer.id])


class CustomerUserCreateView(CustomerFormView):
    form_class = CustomerUserForm
    submit_label = "Add user"

    def setup_object(self, customer_id):
        customer = customer_or_404(customer_id)
        self.title = f"Add a user to {customer}"
        return customer

    def call_service(self, form):
        return customer_user_create(customer=self.object, actor=self.actor, **form.cleaned_data)

    def success_url(self, user):
        messages.success(self.request, f"User {user.email} added.")
        return reverse("staff:customer_detail", args=[self.object.id]) + "#users"


class PaymentMethodCreateView(CustomerFormView):
    form_class = PaymentMethodForm
    template_name = "customers/payment_method_form.html"
    submit_label = "Add payment method"

    def setup_object(self, customer_id):
        customer = customer_or_404(customer_id)
        self.title = f"Add a payment method to {customer}"
        return customer

    def initial(self):
        return {"type": "card"}

    def call_service(self, form):
        return payment_method_add(
            customer=self.object,
            actor=self.actor,
            make_default=form.cleaned_data["make_default"],
            **form.service_fields(),
        )

    def success_url(self, method):
        messages.success(self.request, f"Payment method {method} added.")
        return reverse("staff:customer_detail", args=[self.object.id]) + "#payment-methods"


class _ActionView(StaffView):
    """A POST-only button: run one service, report the outcome as a message, go back to the customer."""

    capability = Capability.CUSTOMERS_WRITE
    http_method_names = ["post"]
    anchor = ""

    def act(self, customer: Customer, **kwargs) -> str:
        raise NotImplementedError

    def post(self, request, customer_id: str, **kwargs):
        customer = customer_or_404(customer_id)
        try:
            messages.success(request, self.act(customer, **kwargs))
        except (ValidationError, ApplicationError) as error:
            detail = error.detail if isinstance(error, ApplicationError) else " ".join(error.messages)
            messages.error(request, detail)
        return redirect(reverse("staff:customer_detail", args=[customer.id]) + self.anchor)


class CustomerArchiveView(_ActionView):
    def act(self, customer):
        customer_archive(customer=customer, actor=self.actor)
        return f"{customer} archived. It no longer appears among active customers and cannot buy on credit."


class CustomerRestoreView(_ActionView):
    def act(self, customer):
        customer_restore(customer=customer, actor=self.actor)
        return f"{customer} restored."


def _payment_method(customer: Customer, method_id: str) -> PaymentMethod:
    try:
        return payment_method_get(customer=customer, payment_method_id=method_id)
    except NotFound:
        raise Http404(f"No payment method with id {method_id}.") from None


class PaymentMethodDefaultView(_ActionView):
    anchor = "#payment-methods"

    def act(self, customer, method_id):
        method = payment_method_set_default(method=_payment_method(customer, method_id), actor=self.actor)
        return f"{method} is now the default payment method."


class PaymentMethodDeleteView(_ActionView):
    anchor = "#payment-methods"

    def act(self, customer, method_id):
        method = _payment_method(customer, method_id)
        payment_method_delete(method=method, actor=self.actor)
        return f"{method} deleted."
