"""Reading rows back in tests as the application reads them."""

from credit.enrollment import enrollment_token_customer_id
from customers.models import Customer
from customers.presenters import customer_to_dict
from customers.selectors import customer_loaded


def reloaded(instance):
    """The instance as the database has it now. A customer comes back through customers.selectors, so it carries
    what its wire shape shows (its credit account's status and codes, its balance in the credit currency)."""
    if isinstance(instance, Customer):
        return customer_loaded(instance)
    instance.refresh_from_db()
    return instance


def enrollment_url_of(customer: Customer) -> str | None:
    return customer_to_dict(customer_loaded(customer))["net_terms_enrollment_url"]


def enrollment_token_of(customer: Customer) -> str:
    token = enrollment_url_of(customer).rpartition("/")[2]
    enrollment_token_customer_id(token)  # a genuine token, or BadSignature
    return token
