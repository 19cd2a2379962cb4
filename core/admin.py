"""The Django admin's shared bases (read-only admins and inlines, used by every app's admin) and core's own models in
the admin. Writes that have a service go through it; money history is only shown."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core.actors import Actor
from core.models import (
    ApiKey,
    Event,
    IdempotencyRecord,
    OAuthClientScopes,
    OutboundEmail,
    OutboundEmailAttachment,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from core.services import api_key_revoke
from core.staff.throttle import AdminLoginForm
from core.webhooks.services import (
    WEBHOOK_ENDPOINT_WRITABLE_FIELDS,
    clean_event_types,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
)
from core.webhooks.url_safety import TargetRefused, check_target_url

# The admin's sign-in is throttled like the staff UI's.
admin.site.login_form = AdminLoginForm


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never written through the admin: history (events, the ledger) or rows only their services change."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Actions name the permission they need: without `permissions`, anyone who may merely view the list could run them.
@admin.action(description="Revoke selected API keys", permissions=["change"])
def revoke_api_keys(modeladmin, request, queryset):
    for api_key in queryset.filter(revoked_at__isnull=True):
        api_key_revoke(api_key=api_key)
    modeladmin.message_user(
        request, "Revoked the selected keys; requests using them are now refused.", messages.SUCCESS
    )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created where the raw key can be shown once: the staff UI (/staff/api-keys) or `create_api_key`."""

    list_display = ("id", "name", "key_hint", "scopes", "created_by", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("id", "name", "key_hint")
    readonly_fields = ("id", "name", "key_hint", "scopes", "created_by", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("created_by",)
    actions = [revoke_api_keys]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A revoked key stays listed: it explains past requests in the event log.
        return False


@admin.register(OAuthClientScopes)
class OAuthClientScopesAdmin(admin.ModelAdmin):
    list_display = ("application", "scopes")
    search_fields = ("application__name", "application__client_id")
    list_select_related = ("application",)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "event_type", "customer_id", "actor_type", "actor_label", "occurred_at", "dispatched_at")
    list_filter = ("event_type", "actor_type")
    search_fields = ("id", "customer__id", "request_id")
    show_full_result_count = False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    readonly_fields = ("attempted_at", "response_status", "duration_ms", "response_excerpt", "error")
    can_delete = False


class WebhookEndpointAdminForm(forms.ModelForm):
    def clean_url(self):
        """The URL judged as the webhook services and every delivery judge it (core.webhooks.url_safety)."""
        url = self.cleaned_data["url"]
        try:
            check_target_url(url)
        except TargetRefused as error:
            raise forms.ValidationError(str(error)) from None
        return url

    def clean_event_types(self):
        try:
            return clean_event_types(self.cleaned_data["event_types"])
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["event_types"]) from None


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Writes go through core.webhooks.services, as the API's and the staff UI's do: each change records its event
    and refreshes the subscription snapshot (a direct save did neither)."""

    form = WebhookEndpointAdminForm
    list_display = ("id", "url", "enabled", "created_at")
    list_filter = ("enabled",)
    search_fields = ("id", "url", "description")

    def save_model(self, request, obj, form, change):
        fields = {name: value for name, value in form.cleaned_data.items() if name in WEBHOOK_ENDPOINT_WRITABLE_FIELDS}
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            webhook_endpoint_update(endpoint=obj, actor=Actor.staff_request(request), data=changed)
        else:
            obj.pk = webhook_endpoint_create(actor=Actor.staff_request(request), **fields).pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        webhook_endpoint_delete(endpoint=obj, actor=Actor.staff_request(request))

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            webhook_endpoint_delete(endpoint=endpoint, actor=Actor.staff_request(request))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Shown only: a delivery changes through its attempts and the replay (staff UI, API), never by hand."""

    list_display = ("id", "endpoint", "event", "status", "attempt_count", "next_attempt_at", "delivered_at")
    list_filter = ("status",)
    search_fields = ("id", "event__id", "endpoint__id")
    list_select_related = ("endpoint", "event")
    inlines = [WebhookAttemptInline]
    readonly_fields = ("endpoint", "event")


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("client_id", "key", "method", "path", "response_status", "created_at")
    search_fields = ("client_id", "key")


class OutboundEmailAttachmentInline(admin.TabularInline):
    """The files sent with an email: names, types and sizes (the bytes stay in the database)."""

    model = OutboundEmailAttachment
    fields = ("file_name", "content_type", "size")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="bytes")
    def size(self, attachment) -> int:
        return len(attachment.content)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """What was sent (or is still to be sent) to whom, read-only: emails are queued by the application's services."""

    inlines = [OutboundEmailAttachmentInline]

    list_display = ("id", "key", "status", "subject", "customer_id", "attempt_count", "created_at", "sent_at")
    list_filter = ("status", "template")
    search_fields = ("id", "key", "customer_id")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
