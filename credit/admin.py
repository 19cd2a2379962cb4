"""Django admin for credit: money history and decisions are shown, never changed here (only the credit services move
money and decide). It also adds the credit account and balances to the customer's admin page."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from credit.models import (
    ACCOUNT_FIELDS,
    CreditAccount,
    CreditBalance,
    CreditCheck,
    CreditDecision,
    CreditLedgerEntry,
    CreditRepayment,
    CreditTransaction,
)
from customers.admin import CustomerAdmin
from customers.models import Customer


class DecisionInline(ReadOnlyInline):
    model = CreditDecision
    fields = (
        "id",
        "decision",
        "amount",
        "currency_code",
        "default_terms",
        "decline_code",
        "hold_code",
        "score",
        "decided_by_type",
        "decided_by_id",
        "created_at",
    )
    readonly_fields = fields


@admin.register(CreditCheck)
class CreditCheckAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "customer",
        "status",
        "amount_requested",
        "currency_code",
        "score",
        "requested_at",
        "decided_at",
    )
    list_filter = ("status", "currency_code", "has_purchase_history")
    search_fields = ("id", "customer__id", "customer__name")
    list_select_related = ("customer",)
    date_hierarchy = "requested_at"
    inlines = [DecisionInline]


@admin.register(CreditDecision)
class CreditDecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "customer",
        "decision",
        "amount",
        "currency_code",
        "default_terms",
        "decided_by_type",
        "created_at",
    )
    list_filter = ("decision", "decided_by_type", "decline_code", "hold_code", "default_terms")
    search_fields = ("id", "customer__id", "customer__name", "credit_check__id")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"


class LedgerInline(ReadOnlyInline):
    model = CreditLedgerEntry
    fields = (
        "id",
        "entry_type",
        "amount",
        "available_after",
        "reserved_after",
        "used_after",
        "actor_type",
        "reason",
        "created_at",
    )
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
    list_display = (
        "id",
        "customer",
        "entry_type",
        "amount",
        "currency_code",
        "available_after",
        "reserved_after",
        "used_after",
        "actor_type",
        "created_at",
    )
    list_filter = ("entry_type", "currency_code", "actor_type")
    search_fields = ("id", "customer__id", "transaction__id", "decision__id")
    date_hierarchy = "created_at"
    list_select_related = ("customer",)
    show_full_result_count = False


@admin.register(CreditTransaction)
class CreditTransactionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "customer",
        "amount",
        "amount_repaid",
        "currency_code",
        "status",
        "terms",
        "due_at",
        "created_at",
    )
    list_filter = ("status", "currency_code", "terms")
    search_fields = ("id", "customer__id", "customer__name", "reference")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"
    inlines = [RepaymentInline, LedgerInline]


@admin.register(CreditRepayment)
class CreditRepaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "amount", "created_at")
    search_fields = ("id", "transaction__id")


class CreditAccountInline(ReadOnlyInline):
    model = CreditAccount
    fields = ACCOUNT_FIELDS
    readonly_fields = fields
    show_change_link = False


class CreditBalanceInline(ReadOnlyInline):
    model = CreditBalance
    fields = ("currency_code", "available", "reserved", "used", "updated_at")
    readonly_fields = fields


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdmin):
    list_display = ("customer", "credit_status", "credit_currency", "hold_code", "net_terms_status", "updated_at")
    list_filter = ("credit_status", "net_terms_status", "hold_code", "decline_code", "credit_currency")
    search_fields = ("customer__id", "customer__name", "customer__email")
    list_select_related = ("customer",)


class CustomerWithCreditAdmin(CustomerAdmin):
    """The customers app's customer admin, with its credit account and balances: composed here, where both are
    visible (customers never imports credit)."""

    list_display = (*CustomerAdmin.list_display[:5], "credit_account__credit_status", *CustomerAdmin.list_display[5:])
    list_filter = (*CustomerAdmin.list_filter[:1], "credit_account__credit_status", *CustomerAdmin.list_filter[1:])
    list_select_related = ("credit_account",)
    inlines = [CreditAccountInline, CreditBalanceInline, *CustomerAdmin.inlines]


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerWithCreditAdmin)
