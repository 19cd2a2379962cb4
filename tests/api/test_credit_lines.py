"""Lines in more than one currency: a credit line granted, adjusted and closed in another currency than the credit
currency (POST …/credit-lines, PATCH …/credit-lines/{currency}, POST …/credit-lines/{currency}/close), each through
the ledger; the customer object's credit fields stay the credit currency's; credit-balances lists them all; a
refusal changes nothing."""

import pytest

from core.models import Event
from credit.models import CreditBalance, CreditDecision, CreditLedgerEntry
from credit.reconciliation import credit_reconcile
from credit.services import (
    credit_deactivate,
    credit_line_grant,
    credit_transaction_bill,
    credit_transaction_cancel,
)
from customers.services import customer_archive
from tests.api.conftest import Api, make_api_key
from tests.credit.builders import API, OFFICER, approved_customer, customer_with_credit_status

pytestmark = pytest.mark.django_db

GRANT = {"currency_code": "EUR", "credit_limit": "300000", "reason": "EU subsidiary opens"}


def lines(customer) -> str:
    return f"customers/{customer.id}/credit-lines"


def balances(api, customer) -> dict:
    return {
        b["currency_code"]: b["balance"] for b in api.get(f"customers/{customer.id}/credit-balances").json()["data"]
    }


def credit_fields(api, customer) -> dict:
    data = api.get(f"customers/{customer.id}").json()["data"]
    return {key: data[key] for key in ("credit_currency", "credit_limit", "amount_available", "amount_reserved")}


def state(customer) -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        list(CreditBalance.objects.filter(customer=customer).values_list("currency_code", "available", "reserved")),
        CreditLedgerEntry.objects.filter(customer=customer).count(),
        CreditDecision.objects.filter(customer=customer).count(),
        Event.objects.filter(customer_id=customer.id).count(),
    )


def test_a_line_is_granted_in_another_currency_through_the_ledger(api):
    customer = approved_customer(limit=1_000_000)
    before = credit_fields(api, customer)
    response = api.post(lines(customer), GRANT)
    assert response.status_code == 201, response.content
    assert response.json()["data"] == {
        "customer_id": customer.id,
        "currency_code": "EUR",
        "balance": {"available": "300000", "reserved": "0", "used": "0"},
    }
    entry = CreditLedgerEntry.objects.filter(customer=customer, currency_code="EUR").get()
    assert (entry.entry_type, entry.amount, entry.reason) == ("grant", 300_000, "EU subsidiary opens")
    assert (entry.decision.decision, entry.decision.amount, entry.decision.currency_code) == (
        "line_adjustment",
        300_000,
        "EUR",
    )
    assert entry.actor_type == "api_client"
    # The customer object stays in its credit currency; credit-balances lists both.
    assert (
        credit_fields(api, customer)
        == before
        == {
            "credit_currency": "USD",
            "credit_limit": "1000000",
            "amount_available": "1000000",
            "amount_reserved": "0",
        }
    )
    assert set(balances(api, customer)) == {"EUR", "USD"}
    line_event = Event.objects.filter(customer_id=customer.id, event_type="customer.line_amount_updated").last()
    assert line_event.data["line"] == {
        "currency_code": "EUR",
        "credit_limit": "300000",
        "previous_credit_limit": "0",
        "credit_decision_id": entry.decision_id,
    }
    assert credit_reconcile() == []


def test_the_second_currency_is_bought_in_adjusted_and_closed(api):
    customer = approved_customer(limit=1_000_000)
    api.post(lines(customer), GRANT)
    purchase = credit_transaction_bill(customer=customer, actor=API, amount=100_000, currency_code="EUR")
    response = api.patch(f"{lines(customer)}/EUR", {"credit_limit": "500000", "reason": "Bigger orders"})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["balance"] == {"available": "400000", "reserved": "100000", "used": "0"}
    refused = api.post(f"{lines(customer)}/EUR/close", {"reason": "Subsidiary sold"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "credit_line_not_closable"
    assert "still has 1,000.00 EUR reserved and 0.00 EUR used" in refused.json()["error"]["detail"]
    credit_transaction_cancel(credit_transaction=purchase, actor=API)
    response = api.post(f"{lines(customer)}/EUR/close", {"reason": "Subsidiary sold"})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["balance"] == {"available": "0", "reserved": "0", "used": "0"}
    closing = CreditLedgerEntry.objects.filter(customer=customer, currency_code="EUR").last()
    assert (closing.entry_type, closing.amount) == ("line_adjustment", -500_000)
    assert balances(api, customer)["EUR"] == {"available": "0", "reserved": "0", "used": "0"}
    # Closed: nothing more is bought in it, it is not adjusted, and it can be granted again.
    assert (
        api.post(f"customers/{customer.id}/credit-transactions", {"amount": "1", "currency_code": "EUR"}).json()[
            "error"
        ]["code"]
        == "insufficient_credit"
    )
    assert api.patch(f"{lines(customer)}/EUR", {"credit_limit": "5", "reason": "x"}).status_code == 404
    assert api.post(lines(customer), GRANT).status_code == 201
    assert credit_reconcile() == []


def test_the_credit_currency_line_is_adjusted_but_neither_granted_nor_closed(api):
    customer = approved_customer(limit=1_000_000)
    response = api.patch(f"{lines(customer)}/USD", {"credit_limit": "1200000", "reason": "Annual review"})
    assert response.status_code == 200
    assert credit_fields(api, customer)["credit_limit"] == "1200000"
    before = state(customer)
    granted = api.post(lines(customer), {**GRANT, "currency_code": "USD"})
    assert (granted.status_code, granted.json()["error"]["code"]) == (409, "credit_line_exists")
    assert granted.json()["error"]["errors"] == [
        {
            "field": "currency_code",
            "message": f"Customer {customer.id} already has a USD credit line; adjust it instead.",
        }
    ]
    closed = api.post(f"{lines(customer)}/USD/close", {"reason": "no"})
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "credit_line_not_closable")
    assert state(customer) == before


def test_a_second_grant_in_the_same_currency_is_refused(api):
    customer = approved_customer()
    api.post(lines(customer), GRANT)
    before = state(customer)
    response = api.post(lines(customer), {**GRANT, "credit_limit": "1"})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "credit_line_exists")
    assert state(customer) == before


@pytest.mark.parametrize("status", [None, "pending", "declined", "deactivated"])
def test_lines_change_only_while_credit_is_approved_or_on_hold(api, status):
    customer = customer_with_credit_status(status)
    before = state(customer)
    response = api.post(lines(customer), GRANT)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_credit_status")
    assert state(customer) == before


def test_a_line_is_granted_while_on_hold():
    customer = customer_with_credit_status("hold")
    credit_line_grant(customer=customer, actor=OFFICER, currency_code="CAD", credit_limit=5_000, reason="ok")
    assert CreditBalance.objects.get(customer=customer, currency_code="CAD").available == 5_000


def test_an_archived_customer_is_granted_nothing(api):
    customer = approved_customer()
    customer_archive(customer=customer, actor=API)
    before = state(customer)
    response = api.post(lines(customer), GRANT)
    assert (response.status_code, response.json()["error"]["code"]) == (422, "customer_archived")
    assert state(customer) == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({**GRANT, "currency_code": "eur"}, "currency_code"),
        ({**GRANT, "currency_code": "XXX"}, "currency_code"),
        ({**GRANT, "credit_limit": 300000}, "credit_limit"),
        ({**GRANT, "credit_limit": "0"}, "credit_limit"),
        ({**GRANT, "credit_limit": "-5"}, "credit_limit"),
        ({**GRANT, "reason": ""}, "reason"),
        ({**GRANT, "reason": "x" * 2001}, "reason"),
        ({key: value for key, value in GRANT.items() if key != "reason"}, "reason"),
        ({**GRANT, "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_an_invalid_field_and_changes_nothing(api, body, field):
    customer = approved_customer()
    before = state(customer)
    response = api.post(lines(customer), body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert field in [item["field"] for item in error["errors"]]
    assert state(customer) == before


def test_a_blank_reason_is_refused_by_the_service_too(api):
    customer = approved_customer()
    before = state(customer)
    response = api.post(lines(customer), {**GRANT, "reason": "   "})
    assert response.status_code == 400 and response.json()["error"]["errors"][0]["field"] == "reason"
    assert state(customer) == before


@pytest.mark.parametrize("currency", ["eur", "EURO", "E", "GBP"])
def test_a_line_that_does_not_exist_is_a_404(api, currency):
    customer = approved_customer()
    before = state(customer)
    assert api.patch(f"{lines(customer)}/{currency}", {"credit_limit": "5", "reason": "x"}).status_code == 404
    response = api.post(f"{lines(customer)}/{currency}/close", {"reason": "x"})
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert state(customer) == before


def test_adjusting_below_what_is_reserved_is_refused(api):
    customer = approved_customer()
    api.post(lines(customer), GRANT)
    credit_transaction_bill(customer=customer, actor=API, amount=200_000, currency_code="EUR")
    before = state(customer)
    response = api.patch(f"{lines(customer)}/EUR", {"credit_limit": "100000", "reason": "Less"})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "credit_limit"
    assert state(customer) == before


def test_closing_is_refused_once_the_account_is_deactivated(api):
    customer = approved_customer()
    api.post(lines(customer), GRANT)
    credit_deactivate(customer=customer, actor=OFFICER)
    response = api.post(f"{lines(customer)}/EUR/close", {"reason": "x"})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_credit_status")


def test_line_operations_need_credit_write():
    customer = approved_customer()
    reader = Api(make_api_key(["credit:read", "customers:read", "customers:write"]))
    assert reader.post(lines(customer), GRANT).status_code == 403
    assert reader.patch(f"{lines(customer)}/USD", {"credit_limit": "5", "reason": "x"}).status_code == 403
    assert reader.post(f"{lines(customer)}/USD/close", {"reason": "x"}).status_code == 403


def test_the_schema_documents_the_line_operations(schema):
    base = "/api/v1/customers/{customer_id}/credit-lines"
    grant = schema["paths"][base]["post"]
    update = schema["paths"][f"{base}/{{currency_code}}"]["patch"]
    close = schema["paths"][f"{base}/{{currency_code}}/close"]["post"]
    for operation in (grant, update, close):
        assert operation["security"] == [{"bearerAuth": ["credit:write"]}, {"oauth2": ["credit:write"]}]
        assert "`invalid_credit_status`:" in operation["responses"]["409"]["description"]
    assert "201" in grant["responses"] and "`credit_line_exists`:" in grant["responses"]["409"]["description"]
    assert "`credit_line_not_closable`:" in close["responses"]["409"]["description"]
    components = schema["components"]["schemas"]
    assert set(components["CreditLineGrantInput"]["required"]) == {"currency_code", "credit_limit", "reason"}
    assert components["CreditLineGrantInput"]["additionalProperties"] is False
