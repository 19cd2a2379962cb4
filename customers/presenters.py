"""Plain-dict representations of customers, users and payment methods: the API's wire shape and event payloads.

Written once here so the API, webhook payloads and exports cannot drift apart. A customer's shape includes what the
registered extensions add (credit's fields: customers.extensions). Presenters run no query: they read what the
selectors loaded. Imports: core and the customers domain modules below it (models, extensions)."""

from core.formatting import rfc3339
from customers import extensions
from customers.models import Customer, CustomerUser, PaymentMethod, PaymentMethodType


def customer_to_dict(customer: Customer, *, new: bool = False) -> dict:
    """The customer's wire shape. `customer` comes from customers.selectors (`customer_queryset`, `customer_get`,
    `customer_loaded`: they select everything read here in the same query), or is `new`: just created, so it has no
    payment method and nothing of any extension yet."""
    return {
        "id": customer.id,
        "email": customer.email,
        "name": customer.name or None,
        "legal_name": customer.legal_name or None,
        "locale": customer.locale,
        "external_id": customer.external_id,
        "ein": customer.ein or None,
        "street_address": customer.street_address or None,
        "sub_premise": customer.sub_premise or None,
        "city": customer.city or None,
        "state": customer.state or None,
        "postal_code": customer.postal_code or None,
        "country": customer.country or None,
        "status": customer.status,
        "archived_at": rfc3339(customer.archived_at),
        **(extensions.empty_fields() if new else extensions.fields(customer)),
        "default_terms": customer.default_terms,
        "default_payment_method_id": None if new else customer.default_payment_method_id,
        "marketing_consent": customer.marketing_consent,
        "custom_data": customer.custom_data,
        "import_meta": customer.import_meta,
        "created_at": rfc3339(customer.created_at),
        "updated_at": rfc3339(customer.updated_at),
    }


def customer_user_to_dict(user: CustomerUser) -> dict:
    return {
        "id": user.id,
        "customer_id": user.customer_id,
        "email": user.email,
        "first_name": user.first_name or None,
        "last_name": user.last_name or None,
        "status": user.status,
        "payment_reminders": user.payment_reminders,
        "role": user.role,
        "created_at": rfc3339(user.created_at),
        "updated_at": rfc3339(user.updated_at),
    }


def payment_method_to_dict(method: PaymentMethod) -> dict:
    data = {
        "id": method.id,
        "customer_id": method.customer_id,
        "type": method.type,
        "provider": method.provider or None,
        "is_default": method.is_default,
        "created_at": rfc3339(method.created_at),
    }
    if method.type == PaymentMethodType.CARD:
        data["card"] = {
            "brand": method.card_brand or None,
            "last4": method.last4,
            "exp_month": method.exp_month,
            "exp_year": method.exp_year,
        }
    else:
        data["bank_account"] = {
            "type": method.bank_account_type,
            "last4": method.last4,
            "bank_name": method.bank_name or None,
        }
    return data
