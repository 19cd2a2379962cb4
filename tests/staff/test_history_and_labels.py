"""Labels that agree (net terms beside a credit status that stops purchases, codes in words) and a history that
answers "what changed, and who did it": an update shows each field before → after (not the whole
customer), a credit status or line change its before and after in words and money people read, and the actor is
named (a staff user's username, an API key's or OAuth client's name), resolved for the whole page in one query."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oauth2_provider.models import get_application_model

from core.actors import Actor
from core.models import ApiKey
from core.selectors import actor_names
from core.text import code_label
from credit.services import credit_hold, credit_line_update
from customers.services import customer_update
from tests.credit.builders import approved_customer, customer_with_credit_status
from tests.factories import CustomerFactory, StaffUserFactory
from tests.staff.test_no_minor_units_on_pages import visible_text

pytestmark = pytest.mark.django_db


def api_key(name: str) -> ApiKey:
    return ApiKey.objects.create(name=name, key_hash=name.ljust(64, "0")[:64], key_hint="cdk_abc", scopes="")


def history(client, customer) -> str:
    page = client.get(reverse("staff:customer_events", args=[customer.id])).content.decode()
    return re.sub(r"\s+", " ", visible_text(page))


def test_an_update_shows_each_changed_field_before_and_after_by_the_users_name(client_as):
    customer = CustomerFactory(city="Austin", name="Acme")
    user = StaffUserFactory(username="olivia")
    customer_update(customer=customer, actor=Actor.staff(user), data={"city": "Dallas", "name": "Acme"})
    text = history(client_as("viewer"), customer)
    assert "Customer updated" in text
    assert "by olivia (staff)" in text
    assert "City Austin → Dallas" in text
    # Only what changed: not the whole customer as JSON.
    assert "Name Acme" not in text and '"email"' not in text


def test_an_api_key_is_named_as_it_is_called_now(client_as):
    customer = CustomerFactory(city="Austin")
    key = api_key("ERP sync")
    customer_update(customer=customer, actor=Actor.api_client(key.id, label="old name"), data={"city": "Reno"})
    ApiKey.objects.filter(pk=key.pk).update(name="ERP sync (prod)")
    text = history(client_as("viewer"), customer)
    assert "by ERP sync (prod) (API client)" in text
    assert key.id not in text


def test_credit_changes_read_before_and_after_in_words_and_money(client_as):
    customer = approved_customer(limit=7_500_000)
    officer = StaffUserFactory(username="carla")
    credit_line_update(customer=customer, actor=Actor.staff(officer), credit_limit=9_000_000, reason="growing")
    credit_hold(customer=customer, actor=Actor.staff(officer), hold_code="requested_by_merchant")
    text = history(client_as("viewer"), customer)
    assert "Credit line 75,000.00 USD → 90,000.00 USD" in text
    assert "Credit status Approved → Hold" in text
    assert "Hold code Requested by merchant" in text
    assert "by carla (staff)" in text


def test_actor_names_resolves_users_api_keys_and_oauth_clients_in_one_query():
    user = StaffUserFactory(username="olivia")
    key = api_key("ERP sync")
    application = get_application_model().objects.create(
        name="Warehouse", client_type="confidential", authorization_grant_type="client-credentials"
    )
    actors = [
        ("staff", str(user.pk)),
        ("staff", "999999"),
        ("api_client", key.id),
        ("api_client", application.client_id),
        ("api_client", "apikey_gone"),
        ("system", ""),
    ]
    with CaptureQueriesContext(connection) as queries:
        names = actor_names(actors)
    assert len(queries) == 1
    assert names == {
        ("staff", str(user.pk)): "olivia",
        ("api_client", key.id): "ERP sync",
        ("api_client", application.client_id): "Warehouse",
    }
    with CaptureQueriesContext(connection) as queries:
        assert actor_names([("system", "")]) == {}
    assert len(queries) == 0


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("no_us_address", "No US address"),
        ("pending_enrollment", "Pending enrollment"),
        ("customer.credit_check_requested", "Customer credit check requested"),
        ("ein", "EIN"),
        ("api_client", "API client"),
        ("", "—"),
    ],
)
def test_codes_read_as_words_with_acronyms_in_capitals(code, words):
    assert code_label(code) == words


@pytest.mark.parametrize(
    ("status", "net_terms"), [("approved", "Enrolled"), ("hold", "Suspended"), ("deactivated", "Closed")]
)
def test_net_terms_never_read_enrolled_while_the_credit_stops_purchases(client_as, status, net_terms):
    customer = customer_with_credit_status(status)
    client = client_as("superuser")
    pages = [
        reverse("staff:customer_list"),
        reverse("staff:customer_detail", args=[customer.id]),
        reverse("staff:customer_credit_line" if status == "approved" else "staff:customer_credit_reinstate",
                args=[customer.id]),
    ]  # fmt: skip
    for page in pages:
        html = client.get(page).content.decode()
        badges = re.findall(r'class="badge badge--(\w+)">([^<]*)<', html)
        assert (net_terms.lower(), net_terms) in badges, page
        if status != "approved":
            assert ("enrolled", "Enrolled") not in badges, page
