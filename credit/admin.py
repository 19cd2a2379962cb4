from django.contrib import admin

from credit.models import (
    CreditBalance,
    CreditCheck,
    CreditDecision,
    CreditLedgerEntry,
    CreditRepayment,
    CreditTransaction,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money history is changed only through the services; the admin shows it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditCheck)
class CreditCheckAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "status", "amount_requested", "currency_code", "score", "requested_at")
    list_filter = ("status", "currency_code")
    search_fields = ("id", "customer__id", "customer__name")
    list_select_related = ("customer",)


@admin.register(CreditDecision)
class CreditDecisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "decision", "amount", "currency_code", "decided_by_type", "created_at")
    list_filter = ("decision", "decided_by_type", "decline_code", "hold_code")
    search_fields = ("id", "customer__id", "customer__name")
    list_select_related = ("customer",)


class LedgerInline(admin.TabularInline):
    model = CreditLedgerEntry
    extra = 0
    fields = ("id", "entry_type", "amount", "available_after", "reserved_after", "used_after", "created_at")
    readonly_fields = fields
    can_delete = False
    ordering = ("-id",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CreditBalance)
class CreditBalanceAdmin(ReadOnlyAdmin):
    list_display = ("customer", "currency_code", "available", "reserved", "used", "updated_at")
    list_filter = ("currency_code",)
    search_fields = ("customer__id", "customer__name")
    list_select_related = ("customer",)
    inlines = [LedgerInline]


@admin.register(CreditLedgerEntry)
class CreditLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "entry_type", "amount", "currency_code", "available_after", "reserved_after",
                    "used_after", "actor_type", "created_at")  # fmt: skip
    list_filter = ("entry_type", "currency_code", "actor_type")
    search_fields = ("id", "customer__id", "transaction__id")
    list_select_related = ("customer",)
    show_full_result_count = False


@admin.register(CreditTransaction)
class CreditTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "amount", "amount_repaid", "currency_code", "status", "due_at", "created_at")
    list_filter = ("status", "currency_code")
    search_fields = ("id", "customer__id", "reference")
    list_select_related = ("customer",)


@admin.register(CreditRepayment)
class CreditRepaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "amount", "created_at")
    search_fields = ("id", "transaction__id")
