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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DecisionInline(ReadOnlyInline):
    model = CreditDecision
    fields = ("id", "decision", "amount", "currency_code", "default_terms", "decline_code", "hold_code", "score",
              "decided_by_type", "decided_by_id", "created_at")  # fmt: skip
    readonly_fields = fields


@admin.register(CreditCheck)
class CreditCheckAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "status", "amount_requested", "currency_code", "score", "requested_at",
                    "decided_at")  # fmt: skip
    list_filter = ("status", "currency_code", "has_purchase_history")
    search_fields = ("id", "customer__id", "customer__name")
    list_select_related = ("customer",)
    date_hierarchy = "requested_at"
    inlines = [DecisionInline]


@admin.register(CreditDecision)
class CreditDecisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "decision", "amount", "currency_code", "default_terms", "decided_by_type",
                    "created_at")  # fmt: skip
    list_filter = ("decision", "decided_by_type", "decline_code", "hold_code", "default_terms")
    search_fields = ("id", "customer__id", "customer__name", "credit_check__id")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"


class LedgerInline(ReadOnlyInline):
    model = CreditLedgerEntry
    fields = ("id", "entry_type", "amount", "available_after", "reserved_after", "used_after", "actor_type", "reason",
              "created_at")  # fmt: skip
    readonly_fields = fields
    ordering = ("-id",)


class RepaymentInline(ReadOnlyInline):
    model = CreditRepayment
    fields = ("id", "amount", "created_at")
    readonly_fields = fields


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
    search_fields = ("id", "customer__id", "transaction__id", "decision__id")
    date_hierarchy = "created_at"
    list_select_related = ("customer",)
    show_full_result_count = False


@admin.register(CreditTransaction)
class CreditTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "amount", "amount_repaid", "currency_code", "status", "terms", "due_at",
                    "created_at")  # fmt: skip
    list_filter = ("status", "currency_code", "terms")
    search_fields = ("id", "customer__id", "customer__name", "reference")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"
    inlines = [RepaymentInline, LedgerInline]


@admin.register(CreditRepayment)
class CreditRepaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "amount", "created_at")
    search_fields = ("id", "transaction__id")
