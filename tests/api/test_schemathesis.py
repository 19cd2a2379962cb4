"""A short schemathesis run inside the suite, in process (WSGI), against the schema the server serves: no 5xx,
every response (errors included) conforming to its documented status, content type, headers and schema.
`make fuzz` runs the long version against a live server under the production settings, stateful sequences
included, with an API key, a read-only OAuth token and no credentials."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from credit.services import credit_transaction_bill
from tests.api.conftest import make_api_key
from tests.credit.builders import API, approved_customer, completed_transaction
from tests.factories import (
    CustomerFactory,
    CustomerUserFactory,
    EventFactory,
    PaymentMethodFactory,
    WebhookAttemptFactory,
    WebhookDeliveryFactory,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# Loaded from the running app at collection (the schema view needs no database). Not `from_fixture`: its lazy
# loading does not work with this pytest version.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def token(db):
    # Something to find: ids generated from the schema's patterns rarely exist, these do.
    customer = CustomerFactory()
    CustomerUserFactory(customer=customer)
    PaymentMethodFactory(customer=customer, is_default=True)
    WebhookAttemptFactory(delivery=WebhookDeliveryFactory(event=EventFactory(customer=customer), attempt_count=1))
    # As Django's test client does: the WSGI handler must not close the test's connection (and its transaction)
    # at the end of each request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield make_api_key()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_without_credentials_every_operation_answers_as_documented(case, token):
    # `make fuzz` runs this at 100 cases per operation against a live server under the production settings.
    case.call_and_validate(checks=CHECKS)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_with_read_scopes_only_every_operation_answers_as_documented(case, token):
    read_only = make_api_key(scopes=("customers:read", "credit:read"), name="read only")
    case.call_and_validate(headers={"Authorization": f"Bearer {read_only}"}, checks=CHECKS)


class Workflow(schema.as_state_machine()):
    """Sequences following the schema's links: create a customer, then use its id (get, update, add users and
    payment methods, archive…), so success responses of every operation are checked too."""

    token = ""

    # Every scenario starts from the same data: Hypothesis replays scenarios and needs them to behave the same.
    def setup(self):
        self.savepoint = transaction.savepoint()

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def get_call_kwargs(self, case):
        return {"headers": {"Authorization": f"Bearer {self.token}"}}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)


@pytest.mark.slow
@override_settings(API_RATE_LIMIT=1_000_000)
def test_stateful_sequences_honour_the_schema(token):
    Workflow.token = token
    Workflow.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )


# --- credit operations on ids that exist ------------------------------------------------------------------------------
# Generated ids match nothing, so above the credit operations mostly answer 404 before reading a body. Here each one is
# called on a real approved customer and real transactions, positive and negative bodies and queries alike.

CUSTOMER_PATH = "/api/v1/customers/{customer_id}"
TRANSACTION_PATH = f"{CUSTOMER_PATH}/credit-transactions/{{credit_transaction_id}}"
CREDIT_OPERATIONS = [
    ("POST", f"{CUSTOMER_PATH}/credit-check", None),
    ("GET", f"{CUSTOMER_PATH}/credit-balances", None),
    ("GET", f"{CUSTOMER_PATH}/credit-decisions", None),
    ("GET", f"{CUSTOMER_PATH}/credit-transactions", None),
    ("POST", f"{CUSTOMER_PATH}/credit-transactions", None),
    ("GET", TRANSACTION_PATH, "billed"),
    ("POST", f"{TRANSACTION_PATH}/complete", "billed"),
    ("POST", f"{TRANSACTION_PATH}/cancel", "billed"),
    ("POST", f"{TRANSACTION_PATH}/repayments", "completed"),
    ("GET", f"{CUSTOMER_PATH}/ledger", None),
    ("POST", f"{CUSTOMER_PATH}/net-terms-enrollment", None),
    ("POST", f"{CUSTOMER_PATH}/credit-lines", None),
    ("PATCH", f"{CUSTOMER_PATH}/credit-lines/{{currency_code}}", None),
    ("POST", f"{CUSTOMER_PATH}/credit-lines/{{currency_code}}/close", None),
    # Not credit, but like these it only reads its body once the customer exists.
    ("POST", f"{CUSTOMER_PATH}/portal-sessions", None),
]


@pytest.mark.slow
@override_settings(API_RATE_LIMIT=1_000_000)
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
@pytest.mark.parametrize(("method", "path", "transaction_state"), CREDIT_OPERATIONS, ids=lambda v: str(v))
def test_credit_operations_on_real_ids_honour_the_schema(token, method, path, transaction_state, mode):
    customer = approved_customer(limit=10**12)
    transactions = {"billed": credit_transaction_bill(customer=customer, actor=API, amount=5_000, currency_code="USD"),
                    "completed": completed_transaction(customer, 7_000)}  # fmt: skip
    path_parameters = {"customer_id": customer.id}
    if "{currency_code}" in path:
        path_parameters["currency_code"] = "USD"
    if transaction_state:
        path_parameters["credit_transaction_id"] = transactions[transaction_state].id

    @given(case=schema[path][method].as_strategy(mode, path_parameters=path_parameters))
    @settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def call(case):
        savepoint = transaction.savepoint()  # every example starts from the same balances and states
        try:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
        finally:
            transaction.savepoint_rollback(savepoint)

    call()
