"""The portal's test helpers: a buyer (an approved company with a user), a browser signed into the portal through a
real link, and reading a sign-in link out of a message that arrived at the suite's SMTP server."""

import re

import pytest
from django.test import Client

from core.actors import Actor
from core.cache import redis_client, redis_key
from portal.models import PortalLinkSource
from portal.services import portal_link_create, portal_link_path
from tests.credit.builders import approved_customer
from tests.factories import CustomerUserFactory
from tests.staff.conftest import client_as  # noqa: F401 - the staff fixture, for the admin's pages

LINK = re.compile(r"https?://\S+/portal/sign-in/[A-Za-z0-9_-]+")
SYSTEM = Actor.system("tests")


def forget_sign_in_counts() -> None:
    """The sign-in limit's counters live in the suite's Redis for 15 minutes, beyond one test (and one run)."""
    client = redis_client()
    for key in client.scan_iter(match=redis_key("portal-sign-in:*")):
        client.delete(key)


@pytest.fixture(autouse=True)
def _fresh_sign_in_counts():
    forget_sign_in_counts()
    yield
    forget_sign_in_counts()


def link_in(message) -> str:
    """The one sign-in URL of a received message (its plain part; the HTML part's button must carry the same)."""
    plain = message.part("plain")
    urls = LINK.findall(plain)
    assert len(urls) == 1, plain
    assert f'href="{urls[0]}"' in message.part("html")
    return urls[0]


def path_of(url: str) -> str:
    return url[url.index("/portal/") :]


def signed_in_client(customer, user=None) -> Client:
    """A browser signed into the portal by redeeming a fresh link (for `user`, or for the company)."""
    _, token = portal_link_create(
        customer=customer,
        customer_user_id=user.pk if user else None,
        source=PortalLinkSource.EMAIL if user else PortalLinkSource.API,
        actor=SYSTEM,
    )
    client = Client()
    response = client.post(portal_link_path(token))
    assert response.status_code == 302 and response["Location"] == "/portal/overview", response
    return client


@pytest.fixture
def buyer(db):
    customer = approved_customer(limit=2_500_000, name="Acme Tools", email="ap@acme.example")
    user = CustomerUserFactory(customer=customer, email="ann@acme.example", first_name="Ann", last_name="Archer")
    return customer, user


@pytest.fixture
def other_buyer(db):
    customer = approved_customer(limit=900_000, name="Globex", email="ap@globex.example")
    user = CustomerUserFactory(customer=customer, email="gil@globex.example", first_name="Gil")
    return customer, user
