"""The served OpenAPI document describes the credit endpoints exactly: the presenters' output, the request bodies
(money as strings), the 204, and every refusal code with its status."""

import re

import pytest

from core.money import WIRE_AMOUNT_PATTERN as AMOUNT_PATTERN
from credit.models import CreditDecision, CreditLedgerEntry, CreditRepayment
from credit.presenters import (
    balance_to_dict,
    credit_decision_to_dict,
    credit_repayment_to_dict,
    credit_transaction_to_dict,
    ledger_entry_to_dict,
)
from credit.services import credit_line_update, credit_transaction_repay
from tests.api.test_schema import validate
from tests.api.test_url_walk import OPERATIONS
from tests.credit.builders import API, OFFICER, approved_customer, completed_transaction

pytestmark = pytest.mark.django_db

CUSTOMER = "/api/v1/customers/{customer_id}"
TRANSACTION = f"{CUSTOMER}/credit-transactions/{{credit_transaction_id}}"
CREDIT_OPERATIONS = {
    ("post", f"{CUSTOMER}/credit-check"): ("credit:write", "204"),
    ("post", f"{CUSTOMER}/net-terms-enrollment"): ("credit:write", "200"),
    ("post", f"{CUSTOMER}/credit-lines"): ("credit:write", "201"),
    ("patch", f"{CUSTOMER}/credit-lines/{{currency_code}}"): ("credit:write", "200"),
    ("post", f"{CUSTOMER}/credit-lines/{{currency_code}}/close"): ("credit:write", "200"),
    ("get", f"{CUSTOMER}/credit-balances"): ("credit:read", "200"),
    ("get", f"{CUSTOMER}/credit-decisions"): ("credit:read", "200"),
    ("get", f"{CUSTOMER}/credit-transactions"): ("credit:read", "200"),
    ("post", f"{CUSTOMER}/credit-transactions"): ("credit:write", "201"),
    ("get", TRANSACTION): ("credit:read", "200"),
    ("post", f"{TRANSACTION}/complete"): ("credit:write", "200"),
    ("post", f"{TRANSACTION}/cancel"): ("credit:write", "200"),
    ("post", f"{TRANSACTION}/repayments"): ("credit:write", "201"),
    ("get", f"{CUSTOMER}/ledger"): ("credit:read", "200"),
}


def operation(schema, method, path) -> dict:
    return schema["paths"][path][method]


def codes_for(schema, method, path, status) -> set[str]:
    description = operation(schema, method, path)["responses"][status]["description"]
    return set(re.findall(r"`(\w+)`:", description))


def test_every_credit_operation_is_described_with_its_scope_and_success_status(schema):
    for (method, path), (scope, status) in CREDIT_OPERATIONS.items():
        described = operation(schema, method, path)
        assert described["security"] == [{"bearerAuth": [scope]}, {"oauth2": [scope]}], path
        assert status in described["responses"], (method, path)
        assert described["tags"] == ["Credit"]


def test_the_url_walk_covers_every_credit_route():
    walked = {
        (method.lower(), path)
        for path, method, _ in OPERATIONS
        if "/credit" in path or "/ledger" in path or "/net-terms" in path
    }
    assert len(walked) == len(CREDIT_OPERATIONS)


def test_the_credit_check_is_documented_as_204_without_a_body(schema):
    responses = operation(schema, "post", f"{CUSTOMER}/credit-check")["responses"]
    assert "content" not in responses["204"]
    assert codes_for(schema, "post", f"{CUSTOMER}/credit-check", "422") == {
        "credit_check_already_requested",
        "customer_archived",
    }
    assert codes_for(schema, "post", f"{CUSTOMER}/credit-check", "400") == {"bad_request", "invalid_field"}


def test_billing_documents_every_refusal(schema):
    assert codes_for(schema, "post", f"{CUSTOMER}/credit-transactions", "422") == {
        "insufficient_credit",
        "credit_not_approved",
        "credit_on_hold",
        "credit_deactivated",
        "customer_archived",
        "customer_user_not_allowed",
        "net_terms_not_enrolled",
    }


def test_state_and_repayment_refusals_are_documented(schema):
    for name in ("complete", "cancel", "repayments"):
        assert "invalid_transaction_state" in codes_for(schema, "post", f"{TRANSACTION}/{name}", "409")
    assert codes_for(schema, "post", f"{TRANSACTION}/repayments", "422") == {"repayment_exceeds_outstanding"}
    assert "404" in operation(schema, "get", TRANSACTION)["responses"]


def test_amounts_are_documented_as_digit_strings_and_the_requested_amount_also_as_an_integer(schema):
    components = schema["components"]["schemas"]
    for name in ("CreditTransactionInput", "CreditRepaymentInput"):
        assert components[name]["properties"]["amount"]["type"] == "string"
        assert components[name]["properties"]["amount"]["pattern"] == AMOUNT_PATTERN
        assert components[name]["additionalProperties"] is False
    requested = components["CreditCheckInput"]["properties"]["amount_requested"]["oneOf"]
    assert requested == [
        {"type": "integer", "minimum": 1, "maximum": 10**15},
        {"type": "string", "pattern": AMOUNT_PATTERN},
    ]
    assert set(components["CreditCheckInput"]["required"]) == {"amount_requested", "has_purchase_history"}


def test_complete_and_cancel_take_no_body_or_an_empty_object(schema):
    for name in ("complete", "cancel"):
        body = operation(schema, "post", f"{TRANSACTION}/{name}")["requestBody"]
        assert body.get("required", False) is False
        assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/EmptyInput"}
    assert schema["components"]["schemas"]["EmptyInput"]["additionalProperties"] is False


def test_list_filters_are_documented_with_their_exact_patterns(schema):
    parameters = {p["name"]: p["schema"] for p in operation(schema, "get", f"{CUSTOMER}/ledger")["parameters"]}
    assert parameters["currency_code"]["pattern"] == r"^([A-Z]{3}(,[A-Z]{3})*)?$"
    assert "reserve" in parameters["entry_type"]["pattern"]
    assert {"per_page", "after", "before", "order_by"} <= set(parameters)
    balances = {p["name"] for p in operation(schema, "get", f"{CUSTOMER}/credit-balances")["parameters"]}
    assert balances == {"customer_id", "currency_code"}


def test_the_balances_response_is_a_list_without_pagination(schema):
    response = schema["components"]["schemas"]["CreditBalanceCollectionResponse"]
    assert response["properties"]["data"] == {"type": "array", "items": {"$ref": "#/components/schemas/CreditBalance"}}
    assert response["properties"]["meta"] == {"$ref": "#/components/schemas/Meta"}


def test_credit_presenters_match_their_schemas(schema):
    customer = approved_customer(limit=10_000)
    credit_line_update(customer=customer, actor=OFFICER, credit_limit=8_000, reason="Lower")
    transaction = completed_transaction(customer, 3_000)
    credit_transaction_repay(credit_transaction=transaction, actor=API, amount=1_000)
    samples = {
        "CreditBalance": [balance_to_dict(b) for b in customer.credit_balances.all()],
        "CreditDecision": [credit_decision_to_dict(d) for d in CreditDecision.objects.filter(customer=customer)],
        "CreditTransaction": [credit_transaction_to_dict(transaction)],
        "CreditRepayment": [credit_repayment_to_dict(r) for r in CreditRepayment.objects.select_related("transaction")],
        "LedgerEntry": [ledger_entry_to_dict(e) for e in CreditLedgerEntry.objects.filter(customer=customer)],
    }
    for component, items in samples.items():
        assert items, component
        for item in items:
            assert set(item) == set(schema["components"]["schemas"][component]["properties"]), component
            validate(schema, component, item)
    adjustments = [item for item in samples["LedgerEntry"] if item["type"] == "line_adjustment"]
    assert adjustments[0]["amount"] == "-2000"  # the negative amount the schema allows
