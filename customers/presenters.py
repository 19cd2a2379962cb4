"""Plain-dict representations of customers, users and payment methods: the API's wire shape and event payloads.

Written once here so the API, webhook payloads and exports cannot drift apart."""

from core.formatting import rfc3339
from core.money import format_wire
from customers.models import Customer, CustomerUser, PaymentMethod, PaymentMethodType


def _credit_amounts(customer: Customer) -> tuple[int, int, int] | None:
    """(available, reserved, used) in the credit currency; selectors annotate it, otherwise one query."""
    if not customer.credit_currency:
        return None
    if hasattr(customer, "credit_available"):
        if customer.credit_available is None:
            return None
        return customer.credit_available, customer.credit_reserved, customer.credit_used
    balance = customer.credit_balances.filter(currency_code=customer.credit_currency).first()
    return None if balance is None else (balance.available, balance.reserved, balance.used)


def _default_payment_method_id(customer: Customer) -> str | None:
    if hasattr(customer, "default_payment_method_id"):
        return customer.default_payment_method_id
    return customer.payment_methods.filter(is_default=True).values_list("id", flat=True).first()


def customer_to_dict(customer: Customer) -> dict:
    from credit.enrollment import enrollment_url

    amounts = _credit_amounts(customer)
    available, reserved, used = amounts if amounts else (None, None, None)
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
        "credit_status": customer.credit_status,
        "credit_check_requested_at": rfc3339(customer.credit_check_requested_at),
        "credit_limit": format_wire(available + reserved + used) if amounts else None,
        "credit_currency": customer.credit_currency,
        "amount_available": format_wire(available),
        "amount_reserved": format_wire(reserved),
        "amount_used": format_wire(used),
        "decline_code": customer.decline_code,
        "hold_code": customer.hold_code,
        "default_terms": customer.default_terms,
        "net_terms_status": customer.net_terms_status,
        "net_terms_enrollment_url": enrollment_url(customer),
        "net_terms_enrollment_expires_at": rfc3339(customer.net_terms_enrollment_expires_at),
        "default_payment_method_id": _default_payment_method_id(customer),
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
