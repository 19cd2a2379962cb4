"""A new enrollment link (POST …/net-terms-enrollment): issued while the terms wait for acceptance or after a link
expired, the old link stops working, each active user is emailed the new one once (through the suite's real SMTP
server), an event is written; any other state is refused and changes nothing. And purchases wait for enrollment."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.models import Event, OutboundEmail
from credit.enrollment import enrollment_link_resolve
from credit.models import CreditAccount, CreditTransaction
from credit.services import (
    credit_check_approve,
    credit_check_request,
    credit_deactivate,
    credit_direct_approve,
    net_terms_enroll,
    net_terms_enrollment_expire,
)
from customers.selectors import customer_get
from customers.services import customer_archive, customer_user_archive
from tests.api.conftest import Api, make_api_key
from tests.credit.builders import API, OFFICER, approved_customer, buckets, customer_with_credit_status
from tests.factories import CustomerFactory, CustomerUserFactory
from tests.reading import enrollment_token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered():
    """Approved through a credit check: pending_enrollment with a 14-day link, two active users and a former one."""
    customer = approved_customer(limit=2_500_000, terms="net45", via_check=True)
    CustomerUserFactory(customer=customer, email="ap@acme.example", first_name="Ann")
    CustomerUserFactory(customer=customer, email="cfo@acme.example", first_name="Carl")
    customer_user_archive(user=CustomerUserFactory(customer=customer, email="gone@acme.example"), actor=API)
    return customer


def renew(api, customer, capture, body=None):
    with capture(execute=True):
        return api.post(f"customers/{customer.id}/net-terms-enrollment", body)


def account_of(customer) -> dict:
    return CreditAccount.objects.filter(pk=customer.pk).values().get()


def test_a_pending_customer_gets_a_new_link_and_the_old_one_stops_working(
    api, offered, django_capture_on_commit_callbacks
):
    old_token = enrollment_token_of(offered)
    old_expiry = account_of(offered)["net_terms_enrollment_expires_at"]
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        response = renew(api, offered, django_capture_on_commit_callbacks)
        assert response.status_code == 200, response.content
        data = response.json()["data"]
        assert data["id"] == offered.id and data["net_terms_status"] == "pending_enrollment"
        new_token = enrollment_token_of(offered)
        assert data["net_terms_enrollment_url"].endswith(new_token) and new_token != old_token
        assert account_of(offered)["net_terms_enrollment_expires_at"] > old_expiry
        assert enrollment_link_resolve(old_token).state == "invalid"
        assert enrollment_link_resolve(new_token).state == "open"
    event = Event.objects.filter(customer_id=offered.id, event_type="customer.updated").last()
    assert event.data["net_terms_enrollment_renewed"] is True
    assert event.data["net_terms_enrollment_url"] == data["net_terms_enrollment_url"]
    assert event.actor_type == "api_client"


def test_an_expired_enrollment_is_offered_again(api, offered, django_capture_on_commit_callbacks):
    old_token = enrollment_token_of(offered)
    later = timezone.now() + timedelta(days=15)
    with time_machine.travel(later):
        assert net_terms_enrollment_expire(customer=offered)
        assert customer_get(customer_id=offered.id).net_terms_status == "enrollment_expired"
        response = renew(api, offered, django_capture_on_commit_callbacks)
        assert response.status_code == 200, response.content
        assert response.json()["data"]["net_terms_status"] == "pending_enrollment"
        assert enrollment_link_resolve(old_token).state == "expired"
        assert enrollment_link_resolve(enrollment_token_of(offered)).state == "open"


@pytest.mark.usefixtures("eager_tasks")
def test_each_active_user_is_emailed_the_new_link_once(api, offered, mailbox, django_capture_on_commit_callbacks):
    response = renew(api, offered, django_capture_on_commit_callbacks)
    url = response.json()["data"]["net_terms_enrollment_url"]
    received = mailbox.wait_for(2)
    assert sorted(message.rcpt_tos[0] for message in received) == ["ap@acme.example", "cfo@acme.example"]
    for message in received:
        assert message.message["Subject"] == f"{offered}: accept your net terms"
        assert url in message.part("plain")
        assert f'href="{url}"' in message.part("html")
        assert "NET45" in message.part("plain")
    emails = OutboundEmail.objects.filter(customer_id=offered.id)
    assert sorted(emails.values_list("status", flat=True)) == ["sent", "sent"]
    assert set(emails.values_list("template", flat=True)) == {"net_terms_enrollment"}
    # At most once per link and user: the outbox's key names both (and never the link itself).
    keys = set(emails.values_list("key", flat=True))
    assert len(keys) == 2 and not any(url.rpartition("/")[2] in key for key in keys)


def test_nothing_is_emailed_before_the_change_commits(api, offered):
    response = api.post(f"customers/{offered.id}/net-terms-enrollment")
    assert response.status_code == 200
    assert set(OutboundEmail.objects.filter(customer_id=offered.id).values_list("status", flat=True)) == {"pending"}


def refused_and_unchanged(api, customer, capture, *, status, code):
    before = account_of(customer) if CreditAccount.objects.filter(pk=customer.pk).exists() else None
    events = Event.objects.count()
    response = renew(api, customer, capture)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert (account_of(customer) if before else None) == before
    assert Event.objects.count() == events
    assert not OutboundEmail.objects.filter(customer_id=customer.id).exists()
    return response.json()["error"]


def test_an_enrolled_customer_is_refused(api, django_capture_on_commit_callbacks):
    customer = approved_customer()  # a direct application: enrolled at once
    CustomerUserFactory(customer=customer)
    error = refused_and_unchanged(
        api, customer, django_capture_on_commit_callbacks, status=409, code="invalid_net_terms_status"
    )
    assert error["detail"].startswith(f"Customer {customer.id}'s net terms status is enrolled;")


@pytest.mark.parametrize("credit_status", [None, "pending", "declined"])
def test_a_customer_never_offered_terms_is_refused(api, django_capture_on_commit_callbacks, credit_status):
    customer = customer_with_credit_status(credit_status)
    CustomerUserFactory(customer=customer)
    error = refused_and_unchanged(
        api, customer, django_capture_on_commit_callbacks, status=409, code="invalid_net_terms_status"
    )
    assert "net terms status is not offered" in error["detail"]


def test_a_deactivated_customer_pending_enrollment_is_refused(api, offered, django_capture_on_commit_callbacks):
    credit_deactivate(customer=offered, actor=API)
    error = refused_and_unchanged(
        api, offered, django_capture_on_commit_callbacks, status=409, code="invalid_net_terms_status"
    )
    assert "credit status is deactivated" in error["detail"]


def test_an_archived_customer_is_refused(api, offered, django_capture_on_commit_callbacks):
    customer_archive(customer=offered, actor=API)
    refused_and_unchanged(api, offered, django_capture_on_commit_callbacks, status=422, code="customer_archived")


def test_a_body_with_fields_is_refused(api, offered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"customers/{offered.id}/net-terms-enrollment", {"ttl_days": 90})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_field"
    assert not OutboundEmail.objects.filter(customer_id=offered.id).exists()


def test_renewal_needs_credit_write(offered):
    response = Api(make_api_key(["credit:read", "customers:write"])).post(
        f"customers/{offered.id}/net-terms-enrollment"
    )
    assert response.status_code == 403


# --- purchases wait for enrollment ---------------------------------------------------------------------------------


def bill(api, customer):
    return api.post(f"customers/{customer.id}/credit-transactions", {"amount": "1000", "currency_code": "USD"})


def test_a_customer_pending_enrollment_cannot_buy_until_a_user_accepts(api, offered):
    response = bill(api, offered)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "net_terms_not_enrolled"
    assert error["detail"] == (
        f"Customer {offered.id} has not enrolled in net terms (net terms status is pending_enrollment); it can buy "
        "on credit once a user accepts the terms."
    )
    assert not CreditTransaction.objects.filter(customer=offered).exists()
    assert buckets(offered) == (2_500_000, 0, 0)
    net_terms_enroll(customer=offered, customer_user=offered.users.filter(status="active").first())
    assert bill(api, offered).status_code == 201


def test_a_customer_whose_link_expired_cannot_buy(api, offered):
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        net_terms_enrollment_expire(customer=offered)
        response = bill(api, offered)
    assert response.status_code == 422 and response.json()["error"]["code"] == "net_terms_not_enrolled"
    assert "enrollment_expired" in response.json()["error"]["detail"]


def test_a_direct_application_counts_as_enrolled(api):
    customer = approved_customer()
    assert customer_get(customer_id=customer.id).net_terms_status == "enrolled"
    assert bill(api, customer).status_code == 201


def test_the_schema_documents_renewal_and_the_refusal(schema):
    path = "/api/v1/customers/{customer_id}/net-terms-enrollment"
    operation = schema["paths"][path]["post"]
    assert operation["security"] == [{"bearerAuth": ["credit:write"]}, {"oauth2": ["credit:write"]}]
    assert "`invalid_net_terms_status`:" in operation["responses"]["409"]["description"]
    assert "`customer_archived`:" in operation["responses"]["422"]["description"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/CustomerResponse")
    bill_operation = schema["paths"]["/api/v1/customers/{customer_id}/credit-transactions"]["post"]
    assert "`net_terms_not_enrolled`:" in bill_operation["responses"]["422"]["description"]


@pytest.mark.usefixtures("eager_tasks")
def test_an_approval_through_a_check_emails_the_first_link_to_each_active_user(
    mailbox, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    CustomerUserFactory(customer=customer, email="ap@acme.example")
    customer_user_archive(user=CustomerUserFactory(customer=customer, email="gone@acme.example"), actor=API)
    check = credit_check_request(customer=customer, actor=API, amount_requested=50_000, has_purchase_history=True)
    with django_capture_on_commit_callbacks(execute=True):
        credit_check_approve(credit_check=check, actor=OFFICER, amount=50_000, default_terms="net30")
    (received,) = mailbox.wait_for(1)
    assert received.rcpt_tos == ["ap@acme.example"]
    assert f"/enroll/{enrollment_token_of(customer)}" in received.part("plain")


def test_a_direct_application_emails_no_link(django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    CustomerUserFactory(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        credit_direct_approve(
            customer=customer, actor=OFFICER, amount=50_000, default_terms="net30", currency_code="USD"
        )
    assert not OutboundEmail.objects.filter(customer_id=customer.id).exists()
