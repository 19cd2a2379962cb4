"""Staff pages for webhook endpoints and their deliveries. Everyone with a staff role reads them; managing them
(create, edit, delete, rotate the secret, replay a delivery) is for superusers, who alone may grant the
webhooks:manage scope. Thin adapters over core.webhooks' selectors and services."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from core.errors import ApplicationError
from core.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from core.pagination import keyset_paginate, parse_ordering
from core.staff.access import Capability, StaffView
from core.staff.forms import WebhookEndpointForm
from core.webhooks.selectors import (
    webhook_delivery_get,
    webhook_delivery_list,
    webhook_endpoint_get,
    webhook_endpoint_list,
    webhook_unsettled_delivery_counts,
)
from core.webhooks.services import (
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

DELIVERIES_PAGE = 25
NEWEST_FIRST = parse_ordering("id[DESC]", allowed=("id",))
STATUS_FILTERS = [("", "All"), *DeliveryStatus.choices]


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery with its attempts, oldest first (prefetched by the selector)."""

    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


@dataclass(frozen=True)
class EndpointRow:
    """An endpoint as the list shows it, with its deliveries still pending and those that failed."""

    endpoint: WebhookEndpoint
    pending: int
    failed: int


class WebhookListView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        counts = webhook_unsettled_delivery_counts()
        rows = [
            EndpointRow(
                endpoint,
                pending=counts.get(endpoint.id, {}).get(DeliveryStatus.PENDING, 0),
                failed=counts.get(endpoint.id, {}).get(DeliveryStatus.FAILED, 0),
            )
            for endpoint in webhook_endpoint_list().order_by("id")
        ]
        return render(request, "staff/webhooks/list.html", {"endpoints": rows})


def _form_page(request, form, *, endpoint=None, status=200):
    return render(request, "staff/webhooks/form.html", {"form": form, "endpoint": endpoint}, status=status)


def _secret_page(request, endpoint: WebhookEndpoint, *, rotated: bool):
    """The secret, shown in this response only: never stored elsewhere, logged or put in a URL or session."""
    return render(request, "staff/webhooks/secret.html", {"endpoint": endpoint, "rotated": rotated})


@method_decorator(never_cache, name="dispatch")
class WebhookCreateView(StaffView):
    capability = Capability.WEBHOOKS_MANAGE

    def get(self, request):
        return _form_page(request, WebhookEndpointForm(initial={"enabled": True}))

    def post(self, request):
        form = WebhookEndpointForm(request.POST, initial={"enabled": True})
        if form.is_valid():
            try:
                endpoint = webhook_endpoint_create(actor=self.actor, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return _secret_page(request, endpoint, rotated=False)
        return _form_page(request, form)


class WebhookEditView(StaffView):
    capability = Capability.WEBHOOKS_MANAGE

    def form(self, endpoint, data=None):
        initial = {name: getattr(endpoint, name) for name in ("url", "description", "event_types", "enabled")}
        return WebhookEndpointForm(data, initial=initial)

    def get(self, request, endpoint_id: str):
        endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
        return _form_page(request, self.form(endpoint), endpoint=endpoint)

    def post(self, request, endpoint_id: str):
        endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
        form = self.form(endpoint, request.POST)
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                webhook_endpoint_update(endpoint=endpoint, actor=self.actor, data=changed)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, "Changes saved." if changed else "Nothing changed.")
                return redirect("staff:webhook_detail", endpoint.id)
        return _form_page(request, form, endpoint=endpoint)


class WebhookDeleteView(StaffView):
    capability = Capability.WEBHOOKS_MANAGE
    http_method_names = ["post"]

    def post(self, request, endpoint_id: str):
        endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
        webhook_endpoint_delete(endpoint=endpoint, actor=self.actor)
        messages.success(request, f"Webhook endpoint {endpoint.url} deleted with its deliveries.")
        return redirect("staff:webhooks")


@method_decorator(never_cache, name="dispatch")
class WebhookRotateSecretView(StaffView):
    capability = Capability.WEBHOOKS_MANAGE
    http_method_names = ["post"]

    def post(self, request, endpoint_id: str):
        endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
        endpoint = webhook_endpoint_rotate_secret(endpoint=endpoint, actor=self.actor)
        return _secret_page(request, endpoint, rotated=True)


class WebhookDetailView(StaffView):
    """An endpoint and its deliveries, newest first, each with its attempts; filterable by status."""

    capability = Capability.VIEW

    def get(self, request, endpoint_id: str):
        endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
        status = request.GET.get("status") or ""
        try:
            page = keyset_paginate(
                webhook_delivery_list(endpoint=endpoint, filters={"status": status} if status else None),
                ordering=NEWEST_FIRST,
                per_page=DELIVERIES_PAGE,
                after=request.GET.get("after") or None,
                before=request.GET.get("before") or None,
            )
        except ValidationError:
            raise Http404("No such page of deliveries.") from None
        rows = [DeliveryRow(delivery, list(delivery.attempts.all())) for delivery in page.items]
        context = {
            "endpoint": endpoint,
            "page": page,
            "rows": rows,
            "status": status,
            "status_filters": STATUS_FILTERS,
        }
        return render(request, "staff/webhooks/detail.html", context)


class WebhookReplayView(StaffView):
    """One attempt now, whatever the delivery's state (the service's replay), then back to the deliveries."""

    capability = Capability.WEBHOOKS_MANAGE
    http_method_names = ["post"]

    def post(self, request, endpoint_id: str, delivery_id: str):
        endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
        delivery = webhook_delivery_get(endpoint=endpoint, delivery_id=delivery_id)
        try:
            replayed = webhook_delivery_replay(delivery=delivery, actor=self.actor)
        except ApplicationError as error:
            messages.error(request, error.detail)
        else:
            attempt = list(replayed.attempts.all())[-1]
            answer = f"HTTP {attempt.response_status}" if attempt.response_status else attempt.error
            summary = f"Replayed {replayed.id}: {answer}, in {attempt.duration_ms} ms."
            succeeded = attempt.response_status is not None and 200 <= attempt.response_status < 300
            (messages.success if succeeded else messages.error)(request, summary)
        return redirect(reverse("staff:webhook_detail", args=[endpoint.id]) + f"#{delivery.id}")
