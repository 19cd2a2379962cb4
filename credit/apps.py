"""credit's AppConfig: registers what credit adds to customers (their wire fields and filters, their admin and staff
page parts, their OpenAPI description), so that customers never imports credit; and credit's system check."""

from django.apps import AppConfig
from django.core import checks


class CreditConfig(AppConfig):
    name = "credit"

    def ready(self) -> None:
        # Credit adds its fields and filters to every customer (customers.extensions) and its parts to the staff
        # customer page (customers.staff.pages): customers never imports credit. Imported here, once the app registry
        # is ready, as Django's own apps register their signals. And its system check (a bad CREDIT_REMINDER_DAYS).
        from credit.api.outputs import CUSTOMER_CREDIT_FIELDS
        from credit.customer_fields import CreditCustomerFields
        from credit.reminders import check_reminder_schedule
        from credit.staff.parts import register_parts
        from customers import extensions
        from customers.api.outputs import extend_customer_out

        extensions.register(CreditCustomerFields())
        extend_customer_out(CUSTOMER_CREDIT_FIELDS)
        register_parts()
        checks.register(check_reminder_schedule)
