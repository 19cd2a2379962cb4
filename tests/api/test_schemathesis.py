"""A short schemathesis run inside the suite, in process (WSGI), against the schema the server serves: no 5xx,
every response (errors included) conforming to its documented status, content type, headers and schema.
`make schemathesis` runs the long version against a live server, stateful sequences included."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_api_key
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
