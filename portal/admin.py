"""Django admin for the buyer portal: sign-in links and sessions are shown (never their tokens, which are not
stored), never edited; a session can be ended, through the service."""

from django.contrib import admin, messages

from core.admin import ReadOnlyAdmin
from portal.models import PortalLink, PortalSession
from portal.services import portal_sessions_revoke


@admin.register(PortalLink)
class PortalLinkAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "customer_user", "source", "created_at", "expires_at", "used_at")
    list_filter = ("source",)
    search_fields = ("id", "customer__id", "customer__name", "customer_user__email")
    list_select_related = ("customer", "customer_user")
    exclude = ("token_hash",)
    show_full_result_count = False


@admin.action(description="End selected portal sessions", permissions=["change"])
def revoke_portal_sessions(modeladmin, request, queryset):
    ended = portal_sessions_revoke(session_ids=list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(
        request, f"Ended {ended} portal session(s); their browsers are signed out.", messages.SUCCESS
    )


@admin.register(PortalSession)
class PortalSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "customer_user", "created_at", "last_seen_at", "expires_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("id", "customer__id", "customer__name", "customer_user__email")
    list_select_related = ("customer", "customer_user")
    exclude = ("token_hash",)
    readonly_fields = (
        "id",
        "customer",
        "customer_user",
        "link",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
    )
    actions = [revoke_portal_sessions]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
