"""Writes for customers, customer users and payment methods (HackSoft services): keyword-only, atomic, each takes an
actor and records its event in the same transaction as the change. Re-exported here for the adapters."""

from customers.services.customers import (
    CUSTOMER_WRITABLE_FIELDS,
    JSON_DOCUMENT_FIELDS,
    CustomerAlreadyExists,
    CustomerFields,
    CustomerUpdate,
    active_customer_ids_by_email,
    customer_archive,
    customer_build,
    customer_check,
    customer_create,
    customer_restore,
    customer_update,
    customers_create_many,
)
from customers.services.payment_methods import (
    PaymentMethodFields,
    payment_method_add,
    payment_method_delete,
    payment_method_set_default,
)
from customers.services.users import (
    CUSTOMER_USER_WRITABLE_FIELDS,
    CustomerUserFields,
    customer_user_archive,
    customer_user_create,
    customer_user_update,
)

__all__ = [
    "CUSTOMER_USER_WRITABLE_FIELDS",
    "CUSTOMER_WRITABLE_FIELDS",
    "JSON_DOCUMENT_FIELDS",
    "CustomerAlreadyExists",
    "CustomerFields",
    "CustomerUpdate",
    "CustomerUserFields",
    "PaymentMethodFields",
    "active_customer_ids_by_email",
    "customer_archive",
    "customer_build",
    "customer_check",
    "customer_create",
    "customer_restore",
    "customer_update",
    "customer_user_archive",
    "customer_user_create",
    "customer_user_update",
    "customers_create_many",
    "payment_method_add",
    "payment_method_delete",
    "payment_method_set_default",
]
