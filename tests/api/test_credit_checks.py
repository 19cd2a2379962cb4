"""POST /customers/{id}/credit-check and GET /customers/{id}/credit-decisions through the API."""

import pytest
from django.test import override_settings

from core.models import Event, IdempotencyRecord
from credit.models import CreditCheck, CreditDecision
from credit.services import credit_direct_approve, credit_hold, credit_reinstate
from customers.selectors import customer_get
from customers.services import customer_archive
from tests.credit.builders import API, OFFICER
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CHECK = {"amount_requested": 400_000, "has_purchase_history": True}


def check_path(customer) -> str:
    return f"customers/{customer.id}/credit-check"


def error_of(response) -> dict:
    return response.json()["error"]


def test_a_credit_check_is_204_with_no_body_and_the_customer_pending(api):
    customer = CustomerFactory()
    response = api.post(check_path(customer), {**CHECK, "has_purchase_terms_history": False,
                                               "business_description": "Wholesale coffee"})  # fmt: skip
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response
    assert response["X-Request-ID"].startswith("req_")
    check = CreditCheck.objects.get(customer=customer)
    assert (check.status, check.amount_requested, check.currency_code) == ("pending", 400_000, "USD")
    assert (check.has_purchase_history, check.has_purchase_terms_history) == (True, False)
    assert check.business_description == "Wholesale coffee"
    assert (check.requested_by_type, check.requested_by_id[:7]) == ("api_client", "apikey_")
    data = api.get(f"customers/{customer.id}").json()["data"]
    assert data["credit_status"] == "pending"
    assert data["credit_check_requested_at"].endswith("Z")


def test_the_request_is_in_the_audit_trail_with_the_request_id(api):
    customer = CustomerFactory()
    response = api.post(check_path(customer), CHECK)
    event = Event.objects.get(customer_id=customer.id, event_type="customer.credit_check_requested")
    assert event.request_id == response["X-Request-ID"]
    assert event.data["credit_check_id"] == CreditCheck.objects.get(customer=customer).id


def test_amount_requested_may_be_a_string_of_digits(api):
    customer = CustomerFactory()
    assert api.post(check_path(customer), {**CHECK, "amount_requested": "250000"}).status_code == 204
    assert CreditCheck.objects.get(customer=customer).amount_requested == 250_000


def test_a_second_credit_check_is_422_credit_check_already_requested(api):
    customer = CustomerFactory()
    api.post(check_path(customer), CHECK)
    response = api.post(check_path(customer), {**CHECK, "amount_requested": 1})
    assert response.status_code == 422
    assert error_of(response)["code"] == "credit_check_already_requested"
    assert error_of(response)["detail"] == "Credit check already created for this customer."
    assert CreditCheck.objects.get(customer=customer).amount_requested == 400_000


def test_an_archived_customer_is_422_customer_archived(api):
    customer = customer_archive(customer=CustomerFactory(), actor=API)
    response = api.post(check_path(customer), CHECK)
    assert response.status_code == 422
    assert error_of(response)["code"] == "customer_archived"
    assert not CreditCheck.objects.exists()
    assert customer_get(customer_id=customer.pk).credit_status is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"has_purchase_history": True}, "amount_requested", "This field is required."),
        ({**CHECK, "amount_requested": 0}, "amount_requested", "Must be at least 1."),
        ({**CHECK, "amount_requested": -3}, "amount_requested", "Must be at least 1."),
        ({**CHECK, "amount_requested": "0"}, "amount_requested", "Must be at least 1."),
        ({**CHECK, "amount_requested": 10**15 + 1}, "amount_requested", "Must be at most 1000000000000000."),
        ({**CHECK, "amount_requested": 12.5}, "amount_requested",
         "Must be an integer in minor units, or a string of digits."),
        ({**CHECK, "amount_requested": "12.50"}, "amount_requested",
         "Must be an integer in minor units, or a string of digits."),
        ({**CHECK, "amount_requested": True}, "amount_requested",
         "Must be an integer in minor units, or a string of digits."),
        ({"amount_requested": 5}, "has_purchase_history", "This field is required."),
        ({**CHECK, "has_purchase_history": "yes"}, "has_purchase_history", "Must be a JSON boolean."),
        ({**CHECK, "has_purchase_history": None}, "has_purchase_history", "This field may not be null."),
        ({**CHECK, "has_purchase_terms_history": 1}, "has_purchase_terms_history", "Must be a JSON boolean."),
        ({**CHECK, "business_description": "x" * 501}, "business_description",
         "Ensure this field has no more than 500 characters."),
        ({**CHECK, "currency_code": "USD"}, "currency_code", "Unknown field."),
    ],
)  # fmt: skip
def test_an_invalid_body_is_400_invalid_field_and_changes_nothing(api, body, field, message):
    customer = CustomerFactory()
    response = api.post(check_path(customer), body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_field"
    assert error["errors"] == [{"field": field, "message": message}]
    assert not CreditCheck.objects.exists()
    assert customer_get(customer_id=customer.pk).credit_status is None


def test_a_50000_point_0_amount_counts_as_the_integer_json_schema_says_it_is(api):
    customer = CustomerFactory()
    assert api.post(check_path(customer), {**CHECK, "amount_requested": 50000.0}).status_code == 204
    assert CreditCheck.objects.get(customer=customer).amount_requested == 50_000


def test_every_invalid_field_is_listed_at_once(api):
    response = api.post(check_path(CustomerFactory()), {"amount_requested": "abc", "business_description": "x" * 501})
    fields = {item["field"] for item in error_of(response)["errors"]}
    assert fields == {"amount_requested", "has_purchase_history", "business_description"}


@pytest.mark.parametrize("customer_id", ["ctm_nope", "ctm_" + "0" * 26, "cus_123"])
def test_an_unknown_or_malformed_customer_id_is_404(api, customer_id):
    response = api.post(f"customers/{customer_id}/credit-check", CHECK)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_replayed_credit_check_repeats_the_204_and_requests_once(api):
    customer = CustomerFactory()
    first = api.post(check_path(customer), CHECK, headers={"Idempotency-Key": "check-1"})
    second = api.post(check_path(customer), CHECK, headers={"Idempotency-Key": "check-1"})
    assert (first.status_code, second.status_code) == (204, 204)
    assert second["Idempotent-Replayed"] == "true" and second.content == b""
    assert CreditCheck.objects.filter(customer=customer).count() == 1
    assert IdempotencyRecord.objects.get(key="check-1").response_status == 204


# --- decisions --------------------------------------------------------------------------------------------------------


def test_an_engine_decision_is_listed_with_the_spec_fields(api, eager_tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(check_path(customer), CHECK)
    body = api.get(f"customers/{customer.id}/credit-decisions").json()
    check = CreditCheck.objects.get(customer=customer)
    decision = CreditDecision.objects.get(customer=customer)
    assert body["data"] == [
        {
            "id": decision.id,
            "customer_id": customer.id,
            "credit_check_id": check.id,
            "decision": "approved",
            "amount": "400000",
            "currency_code": "USD",
            "default_terms": "net30",
            "decline_code": None,
            "hold_code": None,
            "reasons": check.reasons,
            "score": 85,
            "decided_by": {"type": "system", "id": None},
            "created_at": body["data"][0]["created_at"],
        }
    ]
    assert body["data"][0]["created_at"].endswith("Z")
    assert body["meta"]["pagination"]["estimated_total"] == 1


def test_the_engines_reasons_name_amounts_in_major_units(api, eager_tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(check_path(customer), CHECK)
    [decision] = api.get(f"customers/{customer.id}/credit-decisions").json()["data"]
    assert "+10 requested amount 4,000.00 USD" in decision["reasons"]
    assert decision["reasons"][-1] == "approved: score 85 is at least 75"


@override_settings(CREDIT_DECISION_PROVIDER="tests.credit.providers.TradeReferences")
def test_another_providers_reasons_are_made_from_its_labels(api, eager_tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    body = {**CHECK, "has_purchase_terms_history": True, "business_description": "Hotel laundry supplies"}
    with django_capture_on_commit_callbacks(execute=True):
        api.post(check_path(customer), body)
    [decision] = api.get(f"customers/{customer.id}/credit-decisions").json()["data"]
    reasons = [
        "+400 pays its suppliers on time",
        "+200 a supplier gave it terms",
        "+250 trade described",
        "trade references good (850 of 850)",
    ]
    assert (decision["decision"], decision["score"], decision["default_terms"]) == ("approved", 850, "net15")
    assert decision["reasons"] == reasons
    event = Event.objects.get(customer_id=customer.id, event_type="customer.credit_decision_created")
    assert event.data["reasons"] == reasons
    assert set(event.data) == set(decision)


def test_a_customer_never_checked_has_no_decisions(api):
    body = api.get(f"customers/{CustomerFactory().id}/credit-decisions").json()
    assert body["data"] == []
    assert body["meta"]["pagination"]["has_more"] is False


def test_decisions_filter_by_kind_and_page_in_id_order(api):
    customer = CustomerFactory()
    approved = credit_direct_approve(customer=customer, actor=OFFICER, amount=1_000, default_terms="net30")
    held = credit_hold(customer=customer, actor=OFFICER, hold_code="fraud")
    reinstated = credit_reinstate(customer=customer, actor=OFFICER)
    path = f"customers/{customer.id}/credit-decisions"
    first = api.get(path, per_page=2).json()
    assert [item["id"] for item in first["data"]] == [approved.id, held.id]
    second = api.get(first["meta"]["pagination"]["next"]).json()
    assert [item["id"] for item in second["data"]] == [reinstated.id]
    holds = api.get(path, decision="hold").json()["data"]
    assert [(item["decision"], item["hold_code"]) for item in holds] == [("hold", "fraud")]
    newest = api.get(path, order_by="id[DESC]", per_page=1).json()["data"]
    assert [item["id"] for item in newest] == [reinstated.id]


def test_an_unknown_decision_filter_is_400(api):
    response = api.get(f"customers/{CustomerFactory().id}/credit-decisions", decision="maybe")
    assert response.status_code == 400
    assert error_of(response)["errors"][0]["field"] == "decision"
