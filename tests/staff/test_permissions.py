"""Every staff URL, for every role, GET and POST: found by walking the URLconf, so a new staff page is covered (and
must declare its capability) the moment it is routed."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from oauth2_provider.models import get_application_model

from core.events import event_record
from core.models import ApiKey, Event, EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from core.services import api_key_create
from core.staff.access import Capability, StaffView
from credit.models import CreditCheck, CreditRepayment, CreditTransaction, CustomerNote
from credit.services import credit_check_refer, credit_check_request, credit_transaction_bill
from customers.imports import customer_import_create
from customers.models import Customer, CustomerImport, CustomerUser, PaymentMethod
from tests.credit.builders import API as SEED
from tests.credit.builders import approved_customer
from tests.factories import CustomerFactory, PaymentMethodFactory, WebhookEndpointFactory
from tests.staff.builders import ROLES

pytestmark = pytest.mark.django_db

# What each capability means, written from the roles table of docs/api.md rather than read from the code under test.
ALLOWED_ROLES = {
    Capability.VIEW: {"viewer", "account_manager", "credit_officer", "superuser"},
    Capability.CUSTOMERS_WRITE: {"account_manager", "superuser"},
    # Asking for a check is part of onboarding a customer; deciding it is a credit officer's.
    Capability.CREDIT_REQUEST: {"account_manager", "credit_officer", "superuser"},
    Capability.CREDIT_WRITE: {"credit_officer", "superuser"},
    # Billing, completing, cancelling and repaying move money against a line: the API's credit:write, credit officers'.
    Capability.PURCHASES_WRITE: {"credit_officer", "superuser"},
    # A note records contact with the customer; both roles that speak with customers write them.
    Capability.CUSTOMER_NOTES: {"account_manager", "credit_officer", "superuser"},
    # Who chases a customer for what it owes is assigned by credit: credit officers (README's roles table).
    Capability.COLLECTIONS_ASSIGN: {"credit_officer", "superuser"},
    Capability.API_KEYS: {"account_manager", "credit_officer", "superuser"},
    # As the API keys page decided for the webhooks:manage scope: superusers only.
    Capability.WEBHOOKS_MANAGE: {"superuser"},
}
PUBLIC = {"login", "logout"}


def staff_routes() -> list[URLPattern]:
    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif namespace == "staff":
                yield pattern

    return list(walk(get_resolver().url_patterns, None))


ROUTES = staff_routes()


def view_class(pattern: URLPattern):
    return pattern.callback.view_class


@pytest.fixture
def samples():
    oauth_client = get_application_model().objects.create(
        name="sample", client_type="confidential", authorization_grant_type="client-credentials"
    )
    customer = approved_customer(custom_data={"segment": "retail"})
    purchase = credit_transaction_bill(customer=customer, actor=SEED, amount=10_000, currency_code="USD")
    PaymentMethodFactory(customer=customer, is_default=True)
    method = PaymentMethodFactory(customer=customer)
    customer_import = customer_import_create(file_name="a.csv", content=b"email\na@b.com\n", enqueue=False)
    api_key, _ = api_key_create(name="sample", scopes=["customers:read"])
    check = credit_check_request(
        customer=CustomerFactory(), actor=SEED, amount_requested=100_000, has_purchase_history=True
    )
    credit_check_refer(credit_check=check, actor=SEED, reason="sample for the review queue")
    # A closed port on this machine: a replay allowed by mistake fails at once rather than waiting on the network.
    endpoint = WebhookEndpointFactory(url="http://127.0.0.1:9/hook")
    event = event_record(event_type=EventType.CUSTOMER_UPDATED, data={}, actor=SEED, customer_id=customer.id)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event)
    return {
        "client_id": oauth_client.client_id,
        "customer_id": customer.id,
        "transaction_id": purchase.id,
        "method_id": method.id,
        "import_id": customer_import.id,
        "api_key_id": api_key.id,
        "check_id": check.id,
        "endpoint_id": endpoint.id,
        "delivery_id": delivery.id,
        "document": "custom_data",
        "event_id": event.id,
        "currency_code": "EUR",
    }


def url_for(pattern: URLPattern, samples: dict) -> str:
    names = list(pattern.pattern.converters)
    missing = [name for name in names if name not in samples]
    assert not missing, f"add a sample value for {missing} (route {pattern.name}) to tests/staff/test_permissions.py"
    return reverse(f"staff:{pattern.name}", kwargs={name: samples[name] for name in names})


def state() -> dict:
    return {
        "oauth_clients": list(get_application_model().objects.order_by("id").values_list("client_id", flat=True)),
        "events": Event.objects.count(),
        "customers": list(Customer.objects.order_by("id").values_list("id", "status", "email", "name")),
        "users": CustomerUser.objects.count(),
        "payment_methods": list(PaymentMethod.objects.order_by("id").values_list("id", "is_default")),
        "api_keys": list(ApiKey.objects.order_by("id").values_list("id", "revoked_at")),
        "imports": CustomerImport.objects.count(),
        "credit_checks": list(CreditCheck.objects.order_by("id").values_list("id", "status")),
        "webhooks": list(WebhookEndpoint.objects.order_by("id").values_list("id", "url", "enabled", "secret")),
        "attempts": WebhookAttempt.objects.count(),
        "purchases": list(CreditTransaction.objects.order_by("id").values_list("id", "status", "amount_repaid")),
        "repayments": CreditRepayment.objects.count(),
        "notes": CustomerNote.objects.count(),
    }


def test_the_walk_finds_the_staff_pages():
    names = {pattern.name for pattern in ROUTES}
    assert {"dashboard", "customer_list", "customer_detail", "customer_create", "import_list", "api_keys"} <= names
    assert {"review_queue", "review_approve", "customer_credit_check", "customer_credit_line", "webhooks",
            "webhook_create", "webhook_replay"} <= names  # fmt: skip


@pytest.mark.parametrize("pattern", ROUTES, ids=lambda pattern: pattern.name)
def test_every_staff_view_declares_a_known_capability(pattern):
    if pattern.name in PUBLIC:
        return
    view = view_class(pattern)
    assert issubclass(view, StaffView), f"{pattern.name} must be a StaffView"
    assert view.capability in ALLOWED_ROLES, f"{pattern.name} has no known capability"


@pytest.mark.parametrize("pattern", ROUTES, ids=lambda pattern: pattern.name)
def test_views_that_accept_post_require_more_than_reading(pattern):
    view = view_class(pattern)
    if pattern.name in PUBLIC or not hasattr(view, "post"):
        return
    assert view.capability != Capability.VIEW, f"{pattern.name} accepts POST with only the view capability"


def test_anonymous_visitors_are_sent_to_the_login_page(client, samples):
    for pattern in ROUTES:
        if pattern.name in PUBLIC:
            continue
        url = url_for(pattern, samples)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (pattern.name, method.__name__)
            assert response["Location"].startswith("/staff/login?next="), pattern.name
    assert client.get(reverse("staff:login")).status_code == 200


@pytest.mark.parametrize("role", [*ROLES, "superuser", None], ids=lambda role: role or "no_role")
def test_each_role_reaches_exactly_the_pages_its_capabilities_allow(role, client_as, samples):
    client = client_as(role)
    wrong = []
    for pattern in ROUTES:
        if pattern.name in PUBLIC:
            continue
        allowed = role in ALLOWED_ROLES[view_class(pattern).capability]
        url = url_for(pattern, samples)
        for method in ("get", "post"):
            before = None if allowed else state()
            response = getattr(client, method)(url)
            status = response.status_code
            to_login = status == 302 and response["Location"].startswith("/staff/login")
            if allowed and (status == 403 or status >= 500 or to_login):
                wrong.append(f"{method.upper()} {pattern.name}: {status}, expected access")
            if not allowed and status != 403:
                wrong.append(f"{method.upper()} {pattern.name}: {status}, expected 403")
            if not allowed and state() != before:
                wrong.append(f"{method.upper()} {pattern.name}: a refused request changed data")
    assert not wrong, "\n".join(wrong)
