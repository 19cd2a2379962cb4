"""POST /customers/{id}/portal-sessions (Paddle's customer portal sessions): 201 with a `cpls_` id and an absolute,
single-use, 15-minute sign-in URL, for a customer user or for the company; refusals in the API's error format that
change nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.models import Scope
from customers.services import customer_archive, customer_user_archive
from portal.models import PortalLink, PortalSession
from tests.api.conftest import Api, make_api_key
from tests.credit.builders import API, approved_customer
from tests.factories import CustomerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    customer = approved_customer(name="Acme Tools")
    return customer, CustomerUserFactory(customer=customer, email="ann@acme.example")


def path_of(url: str) -> str:
    return url[url.index("/portal/") :]


def test_a_session_for_a_user_signs_them_in_once(api, acme):
    customer, user = acme
    response = api.post(f"customers/{customer.id}/portal-sessions", {"customer_user_id": user.id})
    assert response.status_code == 201, response.content
    body = response.json()
    data = body["data"]
    assert data["id"].startswith("cpls_") and len(data["id"]) == 31
    assert data["customer_id"] == customer.id and data["customer_user_id"] == user.id
    assert data["urls"]["subscriptions"] == []
    url = data["urls"]["general"]["overview"]
    assert url.startswith("http://testserver/portal/sign-in/")
    assert data["created_at"].endswith("Z") and data["expires_at"].endswith("Z")
    link = PortalLink.objects.get(pk=data["id"])
    assert (link.expires_at - link.created_at) == timedelta(minutes=15) and link.source == "api"
    assert url.rpartition("/")[2] not in link.token_hash
    assert body["meta"] == {"request_id": response["X-Request-ID"]}

    browser = Client()
    assert browser.post(path_of(url)).status_code == 302
    page = browser.get("/portal/overview")
    assert page.status_code == 200 and b"ann@acme.example" in page.content
    assert Client().post(path_of(url)).status_code == 410


def test_without_a_user_the_session_is_the_companys(api, acme):
    customer, _ = acme
    response = api.post(f"customers/{customer.id}/portal-sessions")
    assert response.status_code == 201
    assert response.json()["data"]["customer_user_id"] is None
    browser = Client()
    browser.post(path_of(response.json()["data"]["urls"]["general"]["overview"]))
    assert b"Company access" in browser.get("/portal/overview").content
    assert PortalSession.objects.get().customer_user_id is None


def test_the_url_expires_after_15_minutes(api, acme):
    response = api.post(f"customers/{acme[0].id}/portal-sessions", {"customer_user_id": acme[1].id})
    url = response.json()["data"]["urls"]["general"]["overview"]
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert Client().post(path_of(url)).status_code == 410


def test_paddles_empty_subscription_ids_are_accepted(api, acme):
    response = api.post(f"customers/{acme[0].id}/portal-sessions", {"subscription_ids": []})
    assert response.status_code == 201


def test_subscription_ids_are_refused(api, acme):
    response = api.post(f"customers/{acme[0].id}/portal-sessions", {"subscription_ids": ["sub_01"]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field" and error["errors"][0]["field"] == "subscription_ids"
    assert not PortalLink.objects.exists()


@pytest.mark.parametrize("why", ["another customer's", "archived", "unknown"])
def test_only_an_active_user_of_the_customer_is_accepted(api, acme, why):
    customer, user = acme
    if why == "another customer's":
        user_id = CustomerUserFactory().id
    elif why == "archived":
        customer_user_archive(user=user, actor=API)
        user_id = user.id
    else:
        user_id = "ctu_" + "0" * 26
    response = api.post(f"customers/{customer.id}/portal-sessions", {"customer_user_id": user_id})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "customer_user_not_allowed"
    assert error["errors"] == [{"field": "customer_user_id", "message": error["detail"]}]
    assert not PortalLink.objects.exists()


def test_a_malformed_user_id_is_an_invalid_field(api, acme):
    response = api.post(f"customers/{acme[0].id}/portal-sessions", {"customer_user_id": "ann"})
    assert response.status_code == 400 and response.json()["error"]["errors"][0]["field"] == "customer_user_id"


def test_an_archived_customer_is_refused(api, acme):
    customer_archive(customer=acme[0], actor=API)
    response = api.post(f"customers/{acme[0].id}/portal-sessions")
    assert response.status_code == 422 and response.json()["error"]["code"] == "customer_archived"
    assert not PortalLink.objects.exists()


def test_an_unknown_customer_is_not_found(api):
    response = api.post("customers/ctm_01jx8f3k9q2m7v5t4r6w8y0zab/portal-sessions")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_it_needs_customers_write(acme):
    reader = Api(make_api_key([Scope.CUSTOMERS_READ, Scope.CREDIT_WRITE]))
    response = reader.post(f"customers/{acme[0].id}/portal-sessions")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert Api().post(f"customers/{acme[0].id}/portal-sessions").status_code == 401
    assert not PortalLink.objects.exists()


def test_an_idempotency_key_does_not_replay_a_used_link(api, acme):
    headers = {"Idempotency-Key": "portal-1"}
    first = api.post(f"customers/{acme[0].id}/portal-sessions", headers=headers)
    second = api.post(f"customers/{acme[0].id}/portal-sessions", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["data"]["id"] != second.json()["data"]["id"]


def test_the_schema_describes_the_operation(schema):
    operation = schema["paths"]["/api/v1/customers/{customer_id}/portal-sessions"]["post"]
    assert operation["operationId"] == "createCustomerPortalSession"
    assert "201" in operation["responses"] and "422" in operation["responses"]
    assert operation["security"] and "customers:write" in str(operation["security"])
