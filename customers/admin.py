"""Django admin for customers. Writes go through customers.services (so every change records its event and is
refused for exactly what the API and the staff UI refuse it for); users and payment methods are shown here but managed
in the staff UI or the API. Credit adds its own parts to the customer's admin (credit/admin.py)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from core.actors import Actor
from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.errors import ApplicationError
from customers.models import (
    ADDRESS_FIELDS,
    Customer,
    CustomerImport,
    CustomerImportRowError,
    CustomerUser,
    PaymentMethod,
)
from customers.services import (
    CUSTOMER_WRITABLE_FIELDS,
    customer_archive,
    customer_check,
    customer_create,
    customer_restore,
    customer_update,
)


class CustomerUserInline(ReadOnlyInline):
    model = CustomerUser
    fields = ("id", "email", "first_name", "last_name", "status", "created_at")
    readonly_fields = fields


class PaymentMethodInline(ReadOnlyInline):
    model = PaymentMethod
    fields = ("id", "type", "card_brand", "bank_account_type", "last4", "is_default", "created_at")
    readonly_fields = fields


# Actions name the permission they need: without `permissions`, anyone who may merely view the list could run them.
@admin.action(description="Archive selected customers", permissions=["change"])
def archive_customers(modeladmin, request, queryset):
    for customer in queryset.filter(status="active"):
        customer_archive(customer=customer, actor=Actor.staff_request(request))
    modeladmin.message_user(request, "Archived the selected active customers.", messages.SUCCESS)


@admin.action(description="Restore selected customers", permissions=["change"])
def restore_customers(modeladmin, request, queryset):
    restored, refused = 0, []
    for customer in queryset.filter(status="archived"):
        try:
            customer_restore(customer=customer, actor=Actor.staff_request(request))
            restored += 1
        except (ValidationError, ApplicationError) as error:
            refused.append(f"{customer}: {getattr(error, 'detail', None) or ' '.join(error.messages)}")
    modeladmin.message_user(request, f"Restored {restored} customer(s).", messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.ERROR)


class CustomerAdminForm(forms.ModelForm):
    """Shows what the services would refuse next to the fields, before save_model calls them."""

    def clean(self):
        data = super().clean()
        changed = {name: data.get(name) for name in self.changed_data if name in CUSTOMER_WRITABLE_FIELDS}
        try:
            customer_check(fields=changed, customer=self.instance if self.instance.pk else None)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for path, messages_ in error.message_dict.items():
                    field = path.split(".")[0]  # custom_data.note: the custom_data field
                    self.add_error(field if field in self.fields else None, messages_)
            else:
                self.add_error(None, error)
        except ApplicationError as error:
            self.add_error(error.field if error.field in self.fields else None, error.detail)
        return data


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = ("name", "email", "id", "country", "status", "default_terms", "created_at")
    list_filter = ("status", "default_terms", "country", "marketing_consent")
    search_fields = ("id", "name", "legal_name", "email", "external_id")
    readonly_fields = ("id", "staff_page", "status", "archived_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("id", "staff_page", "name", "legal_name", "email", "external_id", "ein", "locale")}),
        ("Address", {"fields": ADDRESS_FIELDS}),
        ("Account", {"fields": ("default_terms", "marketing_consent", "custom_data", "import_meta")}),
        ("Status (changed through its actions)", {"fields": ("status", "archived_at", "created_at", "updated_at")}),
    )
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50
    actions = [archive_customers, restore_customers]
    inlines = [CustomerUserInline, PaymentMethodInline]

    @admin.display(description="Staff page")
    def staff_page(self, obj):
        if not obj.pk or obj._state.adding:
            return "—"
        return format_html(
            '<a href="{}">Open in the staff UI (history, actions)</a>', reverse("staff:customer_detail", args=[obj.pk])
        )

    def has_delete_permission(self, request, obj=None):
        # Customers are archived, never deleted: credit history points at them.
        return False

    def get_readonly_fields(self, request, obj=None):
        # An archived customer cannot be changed (the services refuse it): restore it first.
        if obj is not None and obj.is_archived:
            return [name for _, options in self.fieldsets for name in options["fields"]]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        """Through the services, so the change records its event like any other (audit trail, webhooks)."""
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in CUSTOMER_WRITABLE_FIELDS}
        if change:
            customer_update(customer=obj, actor=Actor.staff_request(request), data=data)
        else:
            created = customer_create(actor=Actor.staff_request(request), **data)
            obj.pk = created.pk
        obj.refresh_from_db()


@admin.register(CustomerUser)
class CustomerUserAdmin(ReadOnlyAdmin):
    list_display = ("email", "first_name", "last_name", "customer", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("id", "email", "first_name", "last_name", "customer__id", "customer__name")
    list_select_related = ("customer",)


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "type", "card_brand", "bank_account_type", "last4", "is_default", "created_at")
    list_filter = ("type", "bank_account_type", "is_default", "card_brand")
    search_fields = ("id", "customer__id", "customer__name", "last4")
    list_select_related = ("customer",)
    exclude = ("provider_token",)


class CustomerImportRowErrorInline(ReadOnlyInline):
    model = CustomerImportRowError
    fields = ("line", "field", "message")
    readonly_fields = fields
    show_change_link = False


@admin.register(CustomerImport)
class CustomerImportAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "status", "total_rows", "created_count", "error_count", "created_by", "created_at")
    list_filter = ("status",)
    search_fields = ("id", "file_name")
    list_select_related = ("created_by",)
    exclude = ("content",)
    inlines = [CustomerImportRowErrorInline]
