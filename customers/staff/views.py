"""Staff pages for customers: list, export, detail, forms and actions. Thin adapters over the selectors and
services the API uses; each view names its capability (core.staff.access). What other apps show on the customer page
(credit) comes through customers.staff.pages. Imports: core and customers."""

from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.jsondoc import json_pretty
from core.pagination import keyset_paginate, parse_ordering, parse_per_page
from core.selectors import get_by_id
from core.staff.access import Capability, StaffView
from core.staff.history import history_entries
from core.staff.views import ServiceActionView, ServiceFormView
from core.webhooks.selectors import event_list
from customers import extensions
from customers.exports import customer_csv_lines
from customers.models import Customer
from customers.selectors import customer_get, customer_queryset, customer_user_default_role, payment_method_get
from customers.services import (
    CustomerAlreadyExists,
    customer_archive,
    customer_create,
    customer_restore,
    customer_update,
    customer_user_create,
    payment_method_add,
    payment_method_delete,
    payment_method_set_default,
)
from customers.staff.forms import CustomerForm, CustomerUserForm, PaymentMethodForm, StaffCustomerFilterSet
from customers.staff.pages import page_parts

ORDER_FIELDS = ("id", "created_at", "updated_at", "name")
DEFAULT_ORDER = "created_at[DESC]"
SORT_CHOICES = (
    ("created_at[DESC]", "Newest first"),
    ("created_at[ASC]", "Oldest first"),
    ("name[ASC]", "Name A to Z"),
    ("name[DESC]", "Name Z to A"),
    ("updated_at[DESC]", "Recently updated"),
)
# A header's first click for the page's own sortable columns (the extensions' say theirs).
FIRST_DIRECTION = {"name": "ASC", "created_at": "DESC"}
PER_PAGE_CHOICES = (25, 50, 100, 200)
DETAIL_EVENTS = 10
NEWEST_FIRST = parse_ordering("id[DESC]", allowed=("id",))


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
    allowed = ORDER_FIELDS + tuple(extensions.orderings())
    try:
        return parse_ordering(request.GET.get("order_by"), allowed=allowed, default=DEFAULT_ORDER)
    except ValidationError:
        return parse_ordering(DEFAULT_ORDER, allowed=allowed)


def _sort_choices() -> tuple:
    return SORT_CHOICES + tuple(choice for added in extensions.orderings().values() for choice in added.choices)


def _sort_links(ordering) -> dict[str, str]:
    """Each sortable column's link: its first direction, or the other one when the list is sorted by it already."""
    links = {}
    firsts = {**FIRST_DIRECTION, **{name: added.first for name, added in extensions.orderings().items()}}
    for field, first in firsts.items():
        other = "DESC" if first == "ASC" else "ASC"
        links[field] = f"{field}[{other if str(ordering) == f'{field}[{first}]' else first}]"
    return links


class CustomerListView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        filterset = _filterset(request)
        ordering = _ordering(request)
        page, problems = None, []
        if filterset.is_valid():
            try:
                page = keyset_paginate(
                    extensions.with_ordering(filterset.qs, ordering.field),
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
                "sort_links": _sort_links(ordering),
                "sort_choices": _sort_choices(),
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
        ordering = _ordering(request)
        lines = customer_csv_lines(extensions.with_ordering(filterset.qs, ordering.field), ordering=ordering)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.csv"'
        return response


class CustomerDetailView(StaffView):
    capability = Capability.VIEW

    def get(self, request, customer_id: str):
        customer = customer_get(customer_id=customer_id)
        events = _readable(
            keyset_paginate(
                event_list(filters={"customer_id": customer.id}), ordering=NEWEST_FIRST, per_page=DETAIL_EVENTS
            )
        )
        context = {
            "customer": customer,
            "users": list(customer.users.order_by("id")),
            "payment_methods": list(customer.payment_methods.order_by("-is_default", "id")),
            "events": events,
            **page_parts(request, customer),
        }
        return render(request, "customers/detail.html", context)


class CustomerEventsView(StaffView):
    """The customer's whole audit trail, newest first, keyset-paginated."""

    capability = Capability.VIEW

    def get(self, request, customer_id: str):
        customer = customer_get(customer_id=customer_id)
        try:
            page = keyset_paginate(
                event_list(filters={"customer_id": customer.id}),
                ordering=NEWEST_FIRST,
                per_page=50,
                after=request.GET.get("after") or None,
                before=request.GET.get("before") or None,
            )
        except ValidationError:
            raise Http404("No such page of events.") from None
        return render(request, "customers/events.html", {"customer": customer, "page": _readable(page)})


def _readable(page):
    """A page of events as people read them (core.staff.history), its cursors unchanged."""
    return replace(page, items=history_entries(page.items))


def _whole_json(document, filename: str) -> HttpResponse:
    """A JSON document a page shows cut short (core.jsondoc.json_preview), whole, for the browser to display."""
    response = HttpResponse(json_pretty(document), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class CustomerDocumentView(StaffView):
    """A customer's custom data or import metadata, whole: the page shows its beginning."""

    capability = Capability.VIEW
    DOCUMENTS = ("custom_data", "import_meta")

    def get(self, request, customer_id: str, document: str):
        customer = customer_get(customer_id=customer_id)
        value = getattr(customer, document) if document in self.DOCUMENTS else None
        if value is None:
            raise Http404("No such document.")
        return _whole_json(value, f"{customer.id}-{document}.json")


class CustomerEventPayloadView(StaffView):
    """One event of the customer's history, its payload whole: the history shows its beginning."""

    capability = Capability.VIEW

    def get(self, request, customer_id: str, event_id: str):
        customer = customer_get(customer_id=customer_id)
        event = get_by_id(event_list(filters={"customer_id": customer.id}), event_id, noun="event")
        return _whole_json(event.data, f"{event.id}.json")


class CustomerFormView(ServiceFormView):
    """A form about one customer (or a new one), going back to the customer's page. Credit's forms use it too."""

    capability = Capability.CUSTOMERS_WRITE
    template_name = "customers/form.html"
    anchor = ""

    def setup_object(self, customer_id: str | None = None):
        return customer_get(customer_id=customer_id) if customer_id else None

    def service_failed(self, error, form) -> None:
        # A conflicting email: link to the customer that has it.
        if isinstance(error, CustomerAlreadyExists):
            self.conflict = Customer.objects.filter(
                email__iexact=form.cleaned_data.get("email", ""), status="active"
            ).first()

    def extra_context(self) -> dict:
        return {"customer": self.object, "conflict": getattr(self, "conflict", None)}

    def message(self, result) -> str:
        raise NotImplementedError

    def success_url(self, result) -> str:
        messages.success(self.request, self.message(result))
        customer_id = self.object.id if self.object else result.id
        return reverse("staff:customer_detail", args=[customer_id]) + self.anchor


class CustomerCreateView(CustomerFormView):
    form_class = CustomerForm
    template_name = "customers/customer_form.html"
    title = "New customer"
    submit_label = "Create customer"

    def initial(self):
        return {"locale": "en"}

    def call_service(self, form):
        return customer_create(actor=self.actor, **form.cleaned_data)

    def message(self, customer):
        return f"Customer {customer} created."


class CustomerEditView(CustomerFormView):
    form_class = CustomerForm
    template_name = "customers/customer_form.html"
    submit_label = "Save changes"

    def setup_object(self, customer_id: str | None = None):
        customer = super().setup_object(customer_id)
        self.title = f"Edit {customer}"
        return customer

    def initial(self):
        return {name: getattr(self.object, name) for name in CustomerForm.model_fields}

    def call_service(self, form):
        # Only what the person changed: the event then describes a real change, and nothing else is rewritten.
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        return customer_update(customer=self.object, actor=self.actor, data=changed)

    def message(self, customer):
        return "Changes saved."


class CustomerUserCreateView(CustomerFormView):
    form_class = CustomerUserForm
    submit_label = "Add user"
    anchor = "#users"

    def setup_object(self, customer_id: str | None = None):
        customer = super().setup_object(customer_id)
        self.title = f"Add a user to {customer}"
        return customer

    def initial(self):
        return {"role": customer_user_default_role(customer=self.object)}

    def call_service(self, form):
        fields = {**form.cleaned_data, "role": form.cleaned_data["role"] or None}
        return customer_user_create(customer=self.object, actor=self.actor, **fields)

    def message(self, user):
        return f"User {user.email} added."


class PaymentMethodCreateView(CustomerFormView):
    form_class = PaymentMethodForm
    template_name = "customers/payment_method_form.html"
    submit_label = "Add payment method"
    anchor = "#payment-methods"

    def setup_object(self, customer_id: str | None = None):
        customer = super().setup_object(customer_id)
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

    def message(self, method):
        return f"Payment method {method} added."


class CustomerActionView(ServiceActionView):
    """A button on the customer page: one service about the customer, then back to its page."""

    capability = Capability.CUSTOMERS_WRITE
    anchor = ""

    def next_url(self, customer_id: str, **kwargs) -> str:
        return reverse("staff:customer_detail", args=[customer_id]) + self.anchor


class CustomerArchiveView(CustomerActionView):
    def act(self, customer_id):
        customer = customer_archive(customer=customer_get(customer_id=customer_id), actor=self.actor)
        return f"{customer} archived. It no longer appears among active customers and cannot buy on credit."


class CustomerRestoreView(CustomerActionView):
    def act(self, customer_id):
        customer = customer_restore(customer=customer_get(customer_id=customer_id), actor=self.actor)
        return f"{customer} restored."


class PaymentMethodDefaultView(CustomerActionView):
    anchor = "#payment-methods"

    def act(self, customer_id, method_id):
        method = payment_method_get(customer=customer_get(customer_id=customer_id), payment_method_id=method_id)
        method = payment_method_set_default(method=method, actor=self.actor)
        return f"{method} is now the default payment method."


class PaymentMethodDeleteView(CustomerActionView):
    anchor = "#payment-methods"

    def act(self, customer_id, method_id):
        method = payment_method_get(customer=customer_get(customer_id=customer_id), payment_method_id=method_id)
        payment_method_delete(method=method, actor=self.actor)
        return f"{method} deleted."
