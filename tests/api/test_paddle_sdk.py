"""Paddle's official Python SDK (paddle-python-sdk, `paddle_billing`) creates a customer portal session against this
server, unchanged but for where it sends requests, and the URL it returns signs the user into the buyer portal.

The SDK has no supported way to name another server: `Options(environment=...)` takes only Environment.PRODUCTION or
SANDBOX, and it joins paths that start with "/" onto the environment's URL (`urljoin`), which would drop our
`/api/v1` anyway. The smallest shim is on the transport the SDK already exposes: its `requests` session
(`client.client`) gets a `requests` adapter mounted for the sandbox URL that rewrites each request's URL onto this
server's `/api/v1` before sending. Nothing of the SDK and nothing of our server is patched: every header (Bearer
key, Paddle-Version, X-Transaction-ID) and body is the SDK's own."""

import pytest
import requests
from django.test import Client
from paddle_billing import Client as PaddleClient
from paddle_billing import Environment, Options
from paddle_billing.Entities.CustomerPortalSession import CustomerPortalSession
from paddle_billing.Exceptions.ApiError import ApiError
from paddle_billing.Resources.CustomerPortalSessions.Operations import CreateCustomerPortalSession
from requests.adapters import HTTPAdapter

from portal.models import PortalLink
from tests.api.conftest import make_api_key
from tests.credit.builders import approved_customer
from tests.factories import CustomerUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class ToThisServer(HTTPAdapter):
    """Sends what the SDK addresses to Paddle's sandbox to `base` (this server's /api/v1) instead."""

    def __init__(self, paddle_base: str, base: str):
        super().__init__(max_retries=0)
        self.paddle_base, self.base = paddle_base.rstrip("/"), base.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs):
        request.url = self.base + request.url.removeprefix(self.paddle_base)
        return super().send(request, **kwargs)


def paddle_client(live_server, api_key: str) -> PaddleClient:
    environment = Environment.SANDBOX
    client = PaddleClient(api_key, options=Options(environment), retry_count=0, timeout=30)
    client.client.mount(environment.base_url, ToThisServer(environment.base_url, f"{live_server.url}/api/v1"))
    return client


@pytest.fixture
def acme():
    customer = approved_customer(name="Acme Tools")
    return customer, CustomerUserFactory(customer=customer, email="ann@acme.example")


def test_the_sdk_creates_a_portal_session_whose_url_signs_the_company_in(live_server, acme):
    customer, _ = acme
    paddle = paddle_client(live_server, make_api_key())
    session = paddle.customer_portal_sessions.create(customer.id, CreateCustomerPortalSession(subscription_ids=[]))

    assert isinstance(session, CustomerPortalSession)
    assert session.id.startswith("cpls_") and session.customer_id == customer.id
    assert session.urls.subscriptions == []
    assert session.created_at.tzinfo is not None
    url = session.urls.general.overview
    assert url.startswith(f"{live_server.url}/portal/sign-in/")
    assert paddle.status_code == 201 and paddle.payload == '{"subscription_ids": []}'
    link = PortalLink.objects.get(pk=session.id)
    assert link.customer_user_id is None and link.source == "api"

    # The URL opens the portal, once, for the company (the SDK sends no customer_user_id).
    browser = Client()
    path = url[len(live_server.url) :]
    assert browser.post(path).status_code == 302
    page = browser.get("/portal/overview")
    assert page.status_code == 200 and b"Acme Tools" in page.content and b"Company access" in page.content
    assert Client().post(path).status_code == 410


def test_the_sdk_without_a_body_field_and_with_a_user_as_a_plain_dict(live_server, acme):
    customer, user = acme
    paddle = paddle_client(live_server, make_api_key())
    # Our extension, customer_user_id, travels in the SDK's generic POST (the operation class has no such field).
    response = paddle.post_raw(f"/customers/{customer.id}/portal-sessions", {"customer_user_id": user.id})
    session = CustomerPortalSession.from_dict(response.json()["data"])
    browser = Client()
    browser.post(session.urls.general.overview[len(live_server.url) :])
    assert b"ann@acme.example" in browser.get("/portal/overview").content
    assert paddle.customer_portal_sessions.create(customer.id, CreateCustomerPortalSession()).id != session.id


def test_the_sdk_reads_our_errors_as_its_api_errors(live_server, acme):
    paddle = paddle_client(live_server, make_api_key())
    with pytest.raises(ApiError) as refused:
        paddle.customer_portal_sessions.create(acme[0].id, CreateCustomerPortalSession(subscription_ids=["sub_1"]))
    assert refused.value.error_code == "invalid_field" and paddle.status_code == 400
    assert [error.field for error in refused.value.field_errors] == ["subscription_ids"]
    assert not PortalLink.objects.exists()
