"""Arbitrary input into every write of the API, and into cursors: never a 5xx, and whatever is stored renders.

Hypothesis feeds JSON values of any shape (deep, wide, NaN and infinities, numbers past a double's range), unicode
text (NUL, unpaired surrogates, astral characters, control characters) and odd numbers into the customer, customer
user, payment method, credit transaction and webhook endpoint inputs, and into the `after` / `before` cursors of
the lists. Each answer must be below 500; each accepted write must read back through the API and render on the
staff customer page.
"""

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.credit.builders import approved_customer
from tests.factories import CustomerFactory
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

# Every code point, surrogates and NUL included: json.dumps writes them as \u escapes, as a hostile client would.
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
text = st.one_of(
    st.text(any_char, max_size=40),
    st.sampled_from(["", " ", "\x00", "a\x00b", "\ud800", "\udfff x", "🦜" * 100, "x" * 10_000, "null", "1e309"]),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(float),
)
# Tokens json.dumps cannot write: numbers past a double's range (Python reads them as infinities or 0.0).
RAW_NUMBERS = ["1e309", "-1e309", "1e-400", "123456789012345678901234567890", "-0", "0.0e999999"]

json_values = st.recursive(
    st.none() | st.booleans() | numbers | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=25,
)
deep = st.integers(min_value=1, max_value=200).map(lambda depth: json.loads("[" * depth + "]" * depth))
documents = st.one_of(st.dictionaries(text, json_values, max_size=5), json_values, deep)
scalars = st.one_of(text, numbers, st.none(), st.booleans(), st.lists(text, max_size=2))


def encode(body: dict, raw_number: str | None) -> bytes:
    """The body as JSON text, with one field's number written as a literal json.dumps cannot produce."""
    document = json.dumps(body)
    if raw_number is not None:
        document = document.replace("31415926535", raw_number, 1)
    return document.encode()


def send(api, method: str, path: str, body: bytes):
    return api.client.generic(
        method,
        f"/api/v1/{path}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )


@pytest.fixture
def staff():
    from django.test import Client

    client = Client()
    client.force_login(staff_user("superuser"))
    return client


def assert_renders(api, staff, path: str, customer_id: str) -> None:
    """What was stored reads back through the API and on the customer's staff page and history."""
    read = api.get(path)
    assert read.status_code == 200, read.content[:500]
    read.json()
    page = staff.get(f"/staff/customers/{customer_id}")
    assert page.status_code == 200
    history = staff.get(f"/staff/customers/{customer_id}/events")
    assert history.status_code == 200


def raw_number_or_none():
    return st.one_of(st.none(), st.sampled_from(RAW_NUMBERS))


@PROPERTY
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "name": scalars,
            "legal_name": scalars,
            "external_id": scalars,
            "city": scalars,
            "country": scalars,
            "postal_code": scalars,
            "locale": scalars,
            "default_terms": scalars,
            "custom_data": documents,
            "import_meta": documents,
        },
    ),
    email=st.one_of(st.emails(), text),
    raw=raw_number_or_none(),
    patch=st.booleans(),
)
def test_customer_inputs(api, staff, fields, email, raw, patch):
    if raw is not None:
        fields["custom_data"] = {"n": 31415926535}
    if patch:
        customer = CustomerFactory()
        response = send(api, "PATCH", f"customers/{customer.id}", encode(fields, raw))
    else:
        response = send(api, "POST", "customers", encode({"email": email, **fields}, raw))
    assert response.status_code < 500, response.content[:500]
    if response.status_code in (200, 201):
        customer_id = response.json()["data"]["id"]
        assert_renders(api, staff, f"customers/{customer_id}", customer_id)
        assert api.get("customers", search=str(fields.get("name", "x"))[:100]).status_code < 500


@PROPERTY
@given(
    body=st.fixed_dictionaries(
        {"email": st.one_of(st.emails(), text)},
        optional={"first_name": scalars, "last_name": scalars, "status": scalars, "custom_data": documents},
    ),
    raw=raw_number_or_none(),
)
def test_customer_user_inputs(api, staff, body, raw):
    customer = CustomerFactory()
    if raw is not None:
        body["first_name"] = 31415926535
    response = send(api, "POST", f"customers/{customer.id}/users", encode(body, raw))
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 201:
        user_id = response.json()["data"]["id"]
        assert_renders(api, staff, f"customers/{customer.id}/users/{user_id}", customer.id)
        change = send(api, "PATCH", f"customers/{customer.id}/users/{user_id}", encode(body, raw))
        assert change.status_code < 500, change.content[:500]


@PROPERTY
@given(
    kind=st.sampled_from(["card", "bank_account", "other"]),
    token=scalars,
    provider=scalars,
    details=st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "brand": scalars,
                "last4": scalars,
                "exp_month": st.one_of(numbers, text),
                "exp_year": st.one_of(numbers, text),
                "type": scalars,
                "bank_name": scalars,
            },
        ),
        json_values,
    ),
    is_default=scalars,
    raw=raw_number_or_none(),
)
def test_payment_method_inputs(api, staff, kind, token, provider, details, is_default, raw):
    customer = CustomerFactory()
    body = {"type": kind, "provider_token": token, "provider": provider, "is_default": is_default, kind: details}
    if raw is not None:
        body[kind] = {"exp_month": 31415926535}
    response = send(api, "POST", f"customers/{customer.id}/payment-methods", encode(body, raw))
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 201:
        method_id = response.json()["data"]["id"]
        assert_renders(api, staff, f"customers/{customer.id}/payment-methods/{method_id}", customer.id)


@pytest.fixture
def buyer(db):
    return approved_customer(limit=10**12)


@PROPERTY
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "amount": st.one_of(text, numbers, st.integers(min_value=1, max_value=10**6).map(str)),
            "currency_code": st.one_of(text, st.sampled_from(["USD", "usd", "ZZZ", "XYZ", "EUR", "JPY"])),
            "reference": scalars,
            "description": scalars,
            "custom_data": documents,
        },
    ),
    raw=raw_number_or_none(),
)
def test_credit_transaction_inputs(api, staff, buyer, body, raw):
    if raw is not None:
        body["amount"] = 31415926535
    response = send(api, "POST", f"customers/{buyer.id}/credit-transactions", encode(body, raw))
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 201:
        transaction_id = response.json()["data"]["id"]
        assert_renders(api, staff, f"customers/{buyer.id}/credit-transactions/{transaction_id}", buyer.id)
        repayment = send(
            api, "POST", f"customers/{buyer.id}/credit-transactions/{transaction_id}/repayments", encode(body, raw)
        )
        assert repayment.status_code < 500, repayment.content[:500]


@PROPERTY
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "url": st.one_of(text, st.sampled_from(["https://example.com/hook", "http://[::1]:0/", "http://a\\@b/"])),
            "event_types": st.one_of(st.lists(st.one_of(text, st.just("customer.created")), max_size=3), scalars),
            "enabled": scalars,
            "description": scalars,
        },
    ),
    raw=raw_number_or_none(),
)
def test_webhook_endpoint_inputs(api, body, raw):
    if raw is not None:
        body["description"] = 31415926535
    response = send(api, "POST", "webhooks", encode(body, raw))
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 201:
        endpoint_id = response.json()["data"]["id"]
        read = api.get(f"webhooks/{endpoint_id}")
        assert read.status_code == 200
        change = send(api, "PATCH", f"webhooks/{endpoint_id}", encode(body, raw))
        assert change.status_code < 500, change.content[:500]


LISTS = [
    "customers",
    "events",
    "webhooks",
    "customers/{customer}/users",
    "customers/{customer}/payment-methods",
    "customers/{customer}/credit-transactions",
    "customers/{customer}/ledger",
    "customers/{customer}/credit-balances",
    "webhooks/we_01ARZ3NDEKTSV4RRFFQ69G5FAV/deliveries",
]


@pytest.fixture
def listed_customer(db):
    return approved_customer()


@PROPERTY
@given(
    path=st.sampled_from(LISTS),
    param=st.sampled_from(["after", "before", "per_page", "order_by", "status", "search", "id"]),
    value=st.one_of(
        text,
        st.sampled_from(["ctm_", "ctm_\x00", "ctm_01ARZ3NDEKTSV4RRFFQ69G5FAV", "eyJ2IjoxfQ", "\ud800", "-1", "0"]),
    ),
)
def test_list_query_values(api, staff, listed_customer, path, param, value):
    # Sent as a client sends bytes: percent-encoded UTF-8, an unpaired surrogate as the three bytes it would take.
    query = f"{param}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
    response = api.get(f"{path.format(customer=listed_customer.id)}?{query}")
    assert response.status_code < 500, response.content[:500]
    page = staff.get(f"/staff/customers?{query}")
    assert page.status_code < 500
