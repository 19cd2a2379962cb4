from django.contrib import admin

from customers.models import Customer, CustomerUser, PaymentMethod


class CustomerUserInline(admin.TabularInline):
    model = CustomerUser
    extra = 0
    fields = ("id", "email", "first_name", "last_name", "status", "created_at")
    readonly_fields = ("id", "created_at")
    show_change_link = True


class PaymentMethodInline(admin.TabularInline):
    model = PaymentMethod
    extra = 0
    fields = ("id", "type", "card_brand", "bank_account_type", "last4", "is_default", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "email", "country", "status", "credit_status", "net_terms_status", "created_at")
    list_filter = ("status", "credit_status", "net_terms_status", "country", "default_terms")
    search_fields = ("id", "name", "legal_name", "email", "external_id")
    readonly_fields = (
        "id", "status", "archived_at", "credit_status", "credit_check_requested_at", "credit_currency",
        "decline_code", "hold_code", "net_terms_status", "net_terms_enrollment_expires_at", "net_terms_enrolled_at",
        "created_at", "updated_at",
    )  # fmt: skip
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [CustomerUserInline, PaymentMethodInline]


@admin.register(CustomerUser)
class CustomerUserAdmin(admin.ModelAdmin):
    list_display = ("id", "email", "first_name", "last_name", "customer", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("id", "email", "first_name", "last_name", "customer__id", "customer__name")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    readonly_fields = ("id", "created_at", "updated_at")


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "type", "card_brand", "bank_account_type", "last4", "is_default", "created_at")
    list_filter = ("type", "bank_account_type", "is_default")
    search_fields = ("id", "customer__id", "customer__name", "last4")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    exclude = ("provider_token",)
    readonly_fields = ("id", "created_at", "updated_at")
