"""Credit transactions through the API: bill, complete, cancel, repay, the refusals, and the customer object agreeing
with its balances after every step."""

import pytest

from core.models import Event
from credit.models import CreditLedgerEntry, CreditRepayment, CreditTransaction
from credit.services import credit_check_decline, credit_check_request, credit_deactivate, credit_hold
from customers.services import customer_archive
from tests.credit.builders import API, OFFICER, approved_customer, buckets
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOT_DIGITS = 'Must be a string of digits in minor units, such as "125000".'
NOT_A_CURRENCY = "Enter an ISO 4217 currency code, such as USD."
BILL = {"amount": "125000", "currency_code": "USD", "reference": "SO-1001", "description": "12 pallets"}


def transactions_path(customer) -> str:
    return f"customers/{customer.id}/credit-transactions"


def bill(api, customer, body=BILL, **kwargs):
    return api.post(transactions_path(customer), body, **kwargs)


def billed_id(api, customer, amount="125000") -> str:
    response = bill(api, customer, {"amount": amount, "currency_code": "USD"})
    assert response.status_code == 201, response.content
    return response.json()["data"]["id"]


def action(api, customer, transaction_id, name, body=None):
    return api.post(f"{transactions_path(customer)}/{transaction_id}/{name}", body)


def error_of(response) -> dict:
    return response.json()["error"]


def credit_fields_over_the_api(api, customer) -> dict:
    """The customer object's credit fields and its credit-balances entry, both read through the API."""
    data = api.get(f"customers/{customer.id}").json()["data"]
    (balance,) = api.get(f"customers/{customer.id}/credit-balances").json()["data"]
    amounts = balance["balance"]
    assert (data["amount_available"], data["amount_reserved"], data["amount_used"]) == (
        amounts["available"],
        amounts["reserved"],
        amounts["used"],
    )
    assert data["credit_limit"] == str(sum(int(value) for value in amounts.values()))
    assert data["credit_currency"] == balance["currency_code"]
    return {key: data[key] for key in ("credit_limit", "amount_available", "amount_reserved", "amount_used")}


def expected(limit, available, reserved, used) -> dict:
    return {
        "credit_limit": str(limit),
        "amount_available": str(available),
        "amount_reserved": str(reserved),
        "amount_used": str(used),
    }


# --- success paths ----------------------------------------------------------------------------------------------------


def test_billing_is_201_with_a_billed_transaction(api):
    customer = approved_customer(limit=500_000, terms="net45")
    response = bill(api, customer)
    assert response.status_code == 201
    data = response.json()["data"]
    stored = CreditTransaction.objects.get(pk=data["id"])
    assert data == {
        "id": stored.id,
        "customer_id": customer.id,
        "status": "billed",
        "amount": "125000",
        "amount_repaid": "0",
        "amount_outstanding": "0",
        "currency_code": "USD",
        "reference": "SO-1001",
        "description": "12 pallets",
        "terms": "net45",
        "billed_at": data["billed_at"],
        "completed_at": None,
        "canceled_at": None,
        "due_at": None,
        "repaid_at": None,
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
    }
    assert data["billed_at"].endswith("Z")
    assert buckets(customer) == (375_000, 125_000, 0)


def test_billing_is_recorded_with_the_api_client_and_request_id(api):
    customer = approved_customer(limit=500_000)
    response = bill(api, customer)
    entry = CreditLedgerEntry.objects.get(customer=customer, entry_type="reserve")
    assert (entry.actor_type, entry.actor_id[:7]) == ("api_client", "apikey_")
    event = Event.objects.filter(customer_id=customer.id, event_type="credit_balance.updated").latest("id")
    assert event.request_id == response["X-Request-ID"]


def test_customer_and_balances_agree_through_bill_complete_repay(api):
    customer = approved_customer(limit=500_000)
    assert credit_fields_over_the_api(api, customer) == expected(500_000, 500_000, 0, 0)
    transaction_id = billed_id(api, customer, "200000")
    assert credit_fields_over_the_api(api, customer) == expected(500_000, 300_000, 200_000, 0)
    assert action(api, customer, transaction_id, "complete").status_code == 200
    assert credit_fields_over_the_api(api, customer) == expected(500_000, 300_000, 0, 200_000)
    assert action(api, customer, transaction_id, "repayments", {"amount": "50000"}).status_code == 201
    assert credit_fields_over_the_api(api, customer) == expected(500_000, 350_000, 0, 150_000)
    assert action(api, customer, transaction_id, "repayments", {"amount": "150000"}).status_code == 201
    assert credit_fields_over_the_api(api, customer) == expected(500_000, 500_000, 0, 0)


def test_customer_and_balances_agree_through_bill_and_cancel(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer, "80000")
    assert credit_fields_over_the_api(api, customer) == expected(500_000, 420_000, 80_000, 0)
    assert action(api, customer, transaction_id, "cancel").status_code == 200
    assert credit_fields_over_the_api(api, customer) == expected(500_000, 500_000, 0, 0)


def test_complete_sets_the_due_date_from_the_terms(api):
    customer = approved_customer(limit=500_000, terms="net30")
    transaction_id = billed_id(api, customer)
    response = action(api, customer, transaction_id, "complete")
    assert response.status_code == 200
    data = response.json()["data"]
    stored = CreditTransaction.objects.get(pk=transaction_id)
    assert (data["status"], data["amount_outstanding"], data["terms"]) == ("completed", "125000", "net30")
    assert (stored.due_at - stored.completed_at).days == 30
    assert data["due_at"] == stored.due_at.isoformat().replace("+00:00", "Z")


def test_complete_accepts_an_empty_json_object(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    assert action(api, customer, transaction_id, "complete", {}).json()["data"]["status"] == "completed"


def test_cancel_releases_the_reserve(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    response = action(api, customer, transaction_id, "cancel")
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["status"], data["completed_at"]) == ("canceled", None)
    assert data["canceled_at"].endswith("Z")
    assert buckets(customer) == (500_000, 0, 0)


def test_a_repayment_is_201_with_the_repayment(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    action(api, customer, transaction_id, "complete")
    response = action(api, customer, transaction_id, "repayments", {"amount": "25000"})
    assert response.status_code == 201
    data = response.json()["data"]
    repayment = CreditRepayment.objects.get()
    assert data == {
        "id": repayment.id,
        "credit_transaction_id": transaction_id,
        "customer_id": customer.id,
        "amount": "25000",
        "currency_code": "USD",
        "created_at": data["created_at"],
    }
    transaction = api.get(f"{transactions_path(customer)}/{transaction_id}").json()["data"]
    assert (transaction["amount_repaid"], transaction["amount_outstanding"], transaction["repaid_at"]) == (
        "25000",
        "100000",
        None,
    )


def test_the_last_repayment_marks_the_transaction_repaid(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    action(api, customer, transaction_id, "complete")
    action(api, customer, transaction_id, "repayments", {"amount": "125000"})
    transaction = api.get(f"{transactions_path(customer)}/{transaction_id}").json()["data"]
    assert (transaction["amount_outstanding"], transaction["repaid_at"][-1]) == ("0", "Z")


def test_get_one_transaction(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer, "700")
    response = api.get(f"{transactions_path(customer)}/{transaction_id}")
    assert response.status_code == 200
    assert (response.json()["data"]["id"], response.json()["data"]["amount"]) == (transaction_id, "700")


def test_list_filters_by_status_and_currency(api):
    customer = approved_customer(limit=500_000)
    done, open_one = billed_id(api, customer, "100"), billed_id(api, customer, "200")
    action(api, customer, done, "complete")
    everything = api.get(transactions_path(customer)).json()
    assert [item["id"] for item in everything["data"]] == [done, open_one]
    assert everything["meta"]["pagination"]["estimated_total"] == 2
    billed = api.get(transactions_path(customer), status="billed").json()["data"]
    assert [item["id"] for item in billed] == [open_one]
    both = api.get(transactions_path(customer), status="billed,completed", currency_code="USD").json()["data"]
    assert len(both) == 2
    assert api.get(transactions_path(customer), currency_code="EUR").json()["data"] == []


def test_list_pages_with_next_keeping_the_filter(api):
    customer = approved_customer(limit=500_000)
    ids = [billed_id(api, customer, str(amount)) for amount in (1, 2, 3)]
    first = api.get(transactions_path(customer), per_page=2, status="billed").json()
    assert [item["id"] for item in first["data"]] == ids[:2]
    assert "status=billed" in first["meta"]["pagination"]["next"]
    second = api.get(first["meta"]["pagination"]["next"]).json()
    assert [item["id"] for item in second["data"]] == ids[2:]


@pytest.mark.parametrize(("params", "field"), [({"status": "lost"}, "status"), ({"status": "billed,"}, "status"),
                                               ({"status": "billed,,completed"}, "status"),
                                               ({"currency_code": "usd"}, "currency_code")])  # fmt: skip
def test_an_invalid_list_filter_is_400(api, params, field):
    response = api.get(transactions_path(approved_customer()), **params)
    assert response.status_code == 400
    assert error_of(response)["errors"][0]["field"] == field


# --- refusals ---------------------------------------------------------------------------------------------------------


def assert_refused(response, status, code, customer, balance_before=None):
    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert not CreditTransaction.objects.filter(customer=customer).exists()
    if balance_before is not None:
        assert buckets(customer) == balance_before


def test_billing_more_than_available_is_422_insufficient_credit(api):
    customer = approved_customer(limit=100_000)
    response = bill(api, customer)
    assert_refused(response, 422, "insufficient_credit", customer, (100_000, 0, 0))
    detail = "Not enough available credit: 1,000.00 USD available, 1,250.00 USD requested."
    assert error_of(response)["detail"] == detail


def test_billing_another_currency_than_the_line_is_insufficient_credit(api):
    customer = approved_customer(limit=500_000)
    assert_refused(bill(api, customer, {**BILL, "currency_code": "EUR"}), 422, "insufficient_credit", customer)


def test_a_customer_never_checked_is_422_credit_not_approved(api):
    customer = CustomerFactory()
    response = bill(api, customer)
    assert_refused(response, 422, "credit_not_approved", customer)
    assert "never been credit checked" in error_of(response)["detail"]


def test_a_pending_customer_is_422_credit_not_approved(api):
    customer = CustomerFactory()
    credit_check_request(customer=customer, actor=API, amount_requested=1_000, has_purchase_history=True)
    assert_refused(bill(api, customer), 422, "credit_not_approved", customer)


def test_a_declined_customer_is_422_credit_not_approved(api):
    customer = CustomerFactory()
    check = credit_check_request(customer=customer, actor=API, amount_requested=1_000, has_purchase_history=True)
    credit_check_decline(credit_check=check, actor=OFFICER, decline_code="thin_file")
    assert_refused(bill(api, customer), 422, "credit_not_approved", customer)


def test_a_customer_on_hold_is_422_credit_on_hold(api):
    customer = approved_customer(limit=500_000)
    credit_hold(customer=customer, actor=OFFICER, hold_code="failed_payment")
    response = bill(api, customer)
    assert_refused(response, 422, "credit_on_hold", customer, (500_000, 0, 0))
    assert "failed_payment" in error_of(response)["detail"]


def test_a_deactivated_customer_is_422_credit_deactivated(api):
    customer = approved_customer(limit=500_000)
    credit_deactivate(customer=customer, actor=OFFICER)
    assert_refused(bill(api, customer), 422, "credit_deactivated", customer, (500_000, 0, 0))


def test_an_archived_customer_is_422_customer_archived(api):
    customer = approved_customer(limit=500_000)
    customer_archive(customer=customer, actor=API)
    assert_refused(bill(api, customer), 422, "customer_archived", customer, (500_000, 0, 0))


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"currency_code": "USD"}, "amount", "This field is required."),
        ({**BILL, "amount": 125000}, "amount", NOT_DIGITS),
        ({**BILL, "amount": "1250.00"}, "amount", NOT_DIGITS),
        ({**BILL, "amount": "-5"}, "amount", NOT_DIGITS),
        ({**BILL, "amount": " 5"}, "amount", NOT_DIGITS),
        ({**BILL, "amount": "\u0665"}, "amount", NOT_DIGITS),  # ARABIC-INDIC DIGIT FIVE: int() takes it
        ({**BILL, "amount": "0"}, "amount", "Must be at least 1."),
        ({**BILL, "amount": "0125"}, "amount", "Must not start with 0."),
        ({**BILL, "amount": "1000000000000001"}, "amount", "Must be at most 1000000000000000."),
        ({**BILL, "amount": None}, "amount", "This field may not be null."),
        ({"amount": "5"}, "currency_code", "This field is required."),
        ({**BILL, "currency_code": "usd"}, "currency_code", NOT_A_CURRENCY),
        ({**BILL, "currency_code": "USDX"}, "currency_code", NOT_A_CURRENCY),
        ({**BILL, "currency_code": "USD "}, "currency_code", NOT_A_CURRENCY),
        ({**BILL, "currency_code": "XYZ"}, "currency_code", NOT_A_CURRENCY),  # was 422 insufficient_credit
        ({**BILL, "currency_code": "ZZZ"}, "currency_code", NOT_A_CURRENCY),
        ({**BILL, "currency_code": "XAU"}, "currency_code", NOT_A_CURRENCY),  # gold: no minor unit
        ({**BILL, "currency_code": "XTS"}, "currency_code", NOT_A_CURRENCY),  # the testing code
        ({**BILL, "currency_code": 840}, "currency_code", NOT_A_CURRENCY),
        ({**BILL, "reference": "r" * 256}, "reference", "Ensure this field has no more than 255 characters."),
        ({**BILL, "description": "d" * 1001}, "description", "Ensure this field has no more than 1000 characters."),
        ({**BILL, "status": "completed"}, "status", "Unknown field."),
    ],
)  # fmt: skip
def test_an_invalid_bill_is_400_invalid_field_and_changes_nothing(api, body, field, message):
    customer = approved_customer(limit=500_000)
    response = bill(api, customer, body)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_field"
    assert error_of(response)["errors"] == [{"field": field, "message": message}]
    assert buckets(customer) == (500_000, 0, 0)
    assert not CreditTransaction.objects.exists()


def test_the_largest_amount_is_accepted(api):
    customer = approved_customer(limit=10**15)
    response = bill(api, customer, {"amount": "1000000000000000", "currency_code": "USD"})
    assert response.status_code == 201
    assert buckets(customer) == (0, 10**15, 0)


@pytest.mark.parametrize("name", ["complete", "cancel"])
def test_completing_or_canceling_a_canceled_transaction_is_409(api, name):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    action(api, customer, transaction_id, "cancel")
    response = action(api, customer, transaction_id, name)
    assert response.status_code == 409
    assert error_of(response)["code"] == "invalid_transaction_state"
    assert buckets(customer) == (500_000, 0, 0)


def test_canceling_a_completed_transaction_is_409(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    action(api, customer, transaction_id, "complete")
    response = action(api, customer, transaction_id, "cancel")
    assert (response.status_code, error_of(response)["code"]) == (409, "invalid_transaction_state")
    assert CreditTransaction.objects.get(pk=transaction_id).status == "completed"


@pytest.mark.parametrize("name", ["complete", "cancel"])
def test_complete_and_cancel_refuse_a_body_with_fields(api, name):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    response = action(api, customer, transaction_id, name, {"completed_at": "2026-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert error_of(response)["errors"] == [{"field": "completed_at", "message": "Unknown field."}]
    assert CreditTransaction.objects.get(pk=transaction_id).status == "billed"


def test_repaying_a_billed_transaction_is_409(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    response = action(api, customer, transaction_id, "repayments", {"amount": "1"})
    assert (response.status_code, error_of(response)["code"]) == (409, "invalid_transaction_state")
    assert not CreditRepayment.objects.exists()


def test_repaying_more_than_outstanding_is_422(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    action(api, customer, transaction_id, "complete")
    action(api, customer, transaction_id, "repayments", {"amount": "100000"})
    response = action(api, customer, transaction_id, "repayments", {"amount": "25001"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "repayment_exceeds_outstanding"
    assert error["errors"] == [{"field": "amount", "message": error["detail"]}]
    assert buckets(customer) == (475_000, 0, 25_000)


@pytest.mark.parametrize("body", [{"amount": 100}, {"amount": "1", "currency_code": "USD"}, {}])
def test_an_invalid_repayment_is_400(api, body):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    action(api, customer, transaction_id, "complete")
    response = action(api, customer, transaction_id, "repayments", body)
    assert (response.status_code, error_of(response)["code"]) == (400, "invalid_field")
    assert not CreditRepayment.objects.exists()


@pytest.mark.parametrize("transaction_id", ["ctx_123", "nonsense", "ctm_" + "0" * 26, "ctx_" + "0" * 26])
@pytest.mark.parametrize("suffix", ["", "/complete", "/cancel", "/repayments"])
def test_a_malformed_or_unknown_transaction_id_is_404(api, transaction_id, suffix):
    customer = approved_customer(limit=500_000)
    path = f"{transactions_path(customer)}/{transaction_id}{suffix}"
    response = api.get(path) if not suffix else api.post(path, {"amount": "1"} if suffix == "/repayments" else None)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_another_customers_transaction_is_404(api):
    owner, other = approved_customer(limit=500_000), approved_customer(limit=500_000)
    transaction_id = billed_id(api, owner)
    assert api.get(f"{transactions_path(other)}/{transaction_id}").status_code == 404
    assert action(api, other, transaction_id, "cancel").status_code == 404
    assert CreditTransaction.objects.get(pk=transaction_id).status == "billed"


# --- idempotency ------------------------------------------------------------------------------------------------------


def test_a_replayed_bill_returns_the_same_transaction_and_bills_once(api):
    customer = approved_customer(limit=500_000)
    first = bill(api, customer, headers={"Idempotency-Key": "order-1001"})
    second = bill(api, customer, headers={"Idempotency-Key": "order-1001"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert CreditTransaction.objects.filter(customer=customer).count() == 1
    assert CreditLedgerEntry.objects.filter(customer=customer, entry_type="reserve").count() == 1
    assert buckets(customer) == (375_000, 125_000, 0)


def test_the_same_key_with_another_amount_is_409_and_bills_nothing_more(api):
    customer = approved_customer(limit=500_000)
    bill(api, customer, headers={"Idempotency-Key": "order-1001"})
    response = bill(api, customer, {**BILL, "amount": "1"}, headers={"Idempotency-Key": "order-1001"})
    assert (response.status_code, error_of(response)["code"]) == (409, "idempotency_key_reused")
    assert buckets(customer) == (375_000, 125_000, 0)


def test_a_replayed_repayment_repays_once(api):
    customer = approved_customer(limit=500_000)
    transaction_id = billed_id(api, customer)
    action(api, customer, transaction_id, "complete")
    path = f"{transactions_path(customer)}/{transaction_id}/repayments"
    first = api.post(path, {"amount": "1000"}, headers={"Idempotency-Key": "pay-1"})
    second = api.post(path, {"amount": "1000"}, headers={"Idempotency-Key": "pay-1"})
    assert second.content == first.content and first.status_code == 201
    assert CreditRepayment.objects.count() == 1
    assert buckets(customer) == (376_000, 0, 124_000)
