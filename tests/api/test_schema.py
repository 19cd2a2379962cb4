"""The served OpenAPI document describes what the server does: routes, scopes, envelopes, and the presenters'
exact output (a presenter that drifts from its description fails here)."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from jsonschema import Draft202012Validator

from core.api.auth import required_scope
from customers.presenters import customer_to_dict, customer_user_to_dict, payment_method_to_dict
from customers.selectors import customer_get
from tests.api.test_url_walk import OPERATIONS
from tests.factories import CustomerFactory, CustomerUserFactory, PaymentMethodFactory

pytestmark = pytest.mark.django_db


def validate(schema: dict, component: str, instance) -> None:
    document = {"$ref": f"#/components/schemas/{component}", "components": schema["components"]}
    errors = sorted(Draft202012Validator(document).iter_errors(instance), key=str)
    assert not errors, [error.message for error in errors]


def test_the_document_is_openapi_3_1_with_the_security_schemes(schema):
    assert schema["openapi"] == "3.1.0"
    assert set(schema["components"]["securitySchemes"]) == {"bearerAuth", "oauth2", "clientBasicAuth"}
    flows = schema["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/api/v1/oauth/token"


def test_every_protected_operation_is_described_with_its_scope(schema):
    for path, method, view_class in OPERATIONS:
        described = [
            (route, operations[method.lower()])
            for route, operations in schema["paths"].items()
            if method.lower() in operations and re.fullmatch(re.sub(r"\{\w+\}", r"[^/]+", route), path)
        ]
        assert len(described) == 1, f"{method} {path} is not described exactly once"
        scope = required_scope(view_class, method)
        assert described[0][1]["security"] == [{"bearerAuth": [scope]}, {"oauth2": [scope]}]
        assert {"401", "403", "429", "500"} <= set(described[0][1]["responses"])


def test_error_responses_use_the_error_envelope(schema):
    response = schema["paths"]["/api/v1/customers"]["post"]["responses"]["409"]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
    assert "customer_already_exists" in response["description"]
    assert response["headers"]["X-Request-ID"] == {"$ref": "#/components/headers/X-Request-ID"}


def test_list_operations_document_filters_and_pagination(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/customers"]["get"]["parameters"]}
    assert names >= {"status", "id", "email", "search", "company_name", "external_id", "credit_status",
                     "net_terms_status", "created_at_start", "created_at_end", "per_page", "limit", "after",
                     "before", "order_by"}  # fmt: skip


def test_customer_presenter_matches_its_schema(schema):
    customer = CustomerFactory(custom_data={"a": 1}, default_terms="net30")
    PaymentMethodFactory(customer=customer, is_default=True)
    data = customer_to_dict(customer_get(customer_id=customer.id))
    assert set(data) == set(schema["components"]["schemas"]["Customer"]["properties"])
    validate(schema, "Customer", data)


def test_customer_user_presenter_matches_its_schema(schema):
    data = customer_user_to_dict(CustomerUserFactory())
    assert set(data) == set(schema["components"]["schemas"]["CustomerUser"]["properties"])
    validate(schema, "CustomerUser", data)


def test_payment_method_presenters_match_their_schema(schema):
    card = PaymentMethodFactory()
    bank = PaymentMethodFactory(type="bank_account", bank_account_type="ach", exp_month=None, exp_year=None)
    for method in (card, bank):
        validate(schema, "PaymentMethod", payment_method_to_dict(method))


def test_docs_are_served_without_any_external_asset():
    client = Client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "http://" not in html and "https://" not in html
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert assets, "the page loads Swagger UI from our static files"
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset
    script = client.get("/api/v1/docs", {"script": ""}).content.decode()
    assert "/api/v1/openapi.json" in script and "https://" not in script
