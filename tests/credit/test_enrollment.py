from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.models import Event
from credit.enrollment import ENROLLMENT_PATH, enrollment_link_resolve
from credit.errors import EnrollmentUnavailable
from credit.models import CreditAccount
from credit.services import credit_deactivate, net_terms_enroll, net_terms_enrollment_expire
from credit.tasks import expire_net_terms_enrollments
from customers.selectors import customer_get
from customers.services import customer_user_archive
from tests.credit.builders import OFFICER, approved_customer
from tests.factories import CustomerUserFactory
from tests.reading import enrollment_token_of, enrollment_url_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered():
    """A customer approved through a check (pending_enrollment, 14-day link) with one active user."""
    customer = approved_customer(limit=2_500_000, terms="net45", via_check=True)
    CustomerUserFactory(customer=customer, email="buyer@acme.example")
    return customer


def path_of(customer):
    return enrollment_url_of(customer).removeprefix("http://testserver")


def reload(customer):
    return customer_get(customer_id=customer.pk)


def test_enrollment_url_is_a_signed_public_path(offered, settings):
    settings.PUBLIC_BASE_URL = "http://testserver"
    url = enrollment_url_of(offered)
    assert url == f"http://testserver{ENROLLMENT_PATH}{enrollment_token_of(offered)}"
    assert enrollment_link_resolve(enrollment_token_of(offered)).state == "open"


def test_offer_page_shows_the_terms_without_login(client, offered):
    response = client.get(path_of(offered))
    assert response.status_code == 200
    page = response.content.decode()
    assert "25,000.00 USD" in page and "NET45" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert (response["Referrer-Policy"], response["X-Robots-Tag"]) == ("same-origin", "noindex, nofollow")
    assert "no-cache" in response["Cache-Control"]


def test_customer_user_accepts_and_the_customer_is_enrolled(client, offered):
    path = path_of(offered)
    response = client.post(path, {"email": "Buyer@Acme.example", "accept": "on"}, follow=True)
    assert response.redirect_chain == [(path, 302)]
    page = response.content.decode()
    assert "Thank you: the terms are accepted." in page and "You are enrolled in net terms" in page
    customer = reload(offered)
    assert (customer.net_terms_status, customer.net_terms_enrollment_expires_at) == ("enrolled", None)
    assert customer.net_terms_enrolled_at is not None
    event = Event.objects.filter(customer_id=customer.id, event_type="customer.updated").last()
    user = customer.users.get()
    assert event.data["accepted_by_customer_user_id"] == user.id
    assert (event.actor_id, event.actor_label) == (user.id, "customer user buyer@acme.example (enrollment link)")


def test_acceptance_needs_the_checkbox(client, offered):
    response = client.post(path_of(offered), {"email": "buyer@acme.example"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert reload(offered).net_terms_status == "pending_enrollment"


@pytest.mark.parametrize("email", ["stranger@elsewhere.example", "former@acme.example"])
def test_only_an_active_user_of_the_customer_can_accept(client, offered, email):
    customer_user_archive(user=CustomerUserFactory(customer=offered, email="former@acme.example"), actor=OFFICER)
    response = client.post(path_of(offered), {"email": email, "accept": "on"})
    assert response.status_code == 200
    assert "This address is not an active user of this account." in response.content.decode()
    assert reload(offered).net_terms_status == "pending_enrollment"


def test_post_without_csrf_token_is_refused(offered):
    response = Client(enforce_csrf_checks=True).post(path_of(offered), {"email": "buyer@acme.example", "accept": "on"})
    assert response.status_code == 403
    assert reload(offered).net_terms_status == "pending_enrollment"


def test_already_enrolled_link_says_so(client, offered):
    path = path_of(offered)
    client.post(path, {"email": "buyer@acme.example", "accept": "on"})
    response = client.get(path)
    assert response.status_code == 200
    assert "You are enrolled in net terms" in response.content.decode()
    assert "<form" not in response.content.decode()


def test_link_past_its_expiry_shows_the_expired_page_and_refuses_acceptance(client, offered):
    path = path_of(offered)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert client.get(path).status_code == 410
        response = client.post(path, {"email": "buyer@acme.example", "accept": "on"})
    assert response.status_code == 410
    assert "This enrollment link has expired" in response.content.decode()
    assert reload(offered).net_terms_status == "pending_enrollment"


@pytest.mark.parametrize("mangle", [lambda token: token[:-2] + "xx", lambda token: "ctm_abc.1.forged", lambda t: "x"])
def test_forged_or_mangled_links_are_invalid(client, offered, mangle):
    response = client.get(ENROLLMENT_PATH + mangle(enrollment_token_of(offered)))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_a_link_replaced_by_a_newer_one_is_invalid(client, offered):
    old_path = path_of(offered)
    later = timezone.now() + timedelta(days=20)
    CreditAccount.objects.filter(pk=offered.pk).update(net_terms_enrollment_expires_at=later)
    assert client.get(old_path).status_code == 404
    assert client.get(path_of(offered)).status_code == 200


def test_withdrawn_offer_is_unavailable(client, offered):
    path = path_of(offered)
    credit_deactivate(customer=offered, actor=OFFICER)
    response = client.get(path)
    assert response.status_code == 409
    assert "These terms are no longer on offer" in response.content.decode()


def test_service_refuses_a_user_of_another_customer(offered):
    stranger = CustomerUserFactory()
    with pytest.raises(EnrollmentUnavailable) as error:
        net_terms_enroll(customer=offered, customer_user=stranger)
    assert error.value.code == "customer_user_not_allowed"
    assert reload(offered).net_terms_status == "pending_enrollment"


def test_service_refuses_to_enroll_twice(offered):
    user = offered.users.get()
    net_terms_enroll(customer=offered, customer_user=user)
    with pytest.raises(EnrollmentUnavailable) as error:
        net_terms_enroll(customer=offered, customer_user=user)
    assert (error.value.code, error.value.status) == ("already_enrolled", 409)


def test_expiry_task_expires_unused_links_once_their_time_is_up(offered):
    assert expire_net_terms_enrollments() == 0
    with time_machine.travel(timezone.now() + timedelta(days=14, seconds=1)):
        assert expire_net_terms_enrollments() == 1
        assert expire_net_terms_enrollments() == 0
    customer = reload(offered)
    assert customer.net_terms_status == "enrollment_expired"
    assert enrollment_url_of(customer) is None
    assert (
        Event.objects.filter(customer_id=customer.id, event_type="customer.updated").last().data["net_terms_status"]
        == "enrollment_expired"
    )


def test_expired_enrollment_link_shows_the_expired_page(client, offered):
    path = path_of(offered)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        net_terms_enrollment_expire(customer=offered)
    assert client.get(path).status_code == 410


def test_expiry_leaves_accepted_enrollments_alone(offered):
    net_terms_enroll(customer=offered, customer_user=offered.users.get())
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert net_terms_enrollment_expire(customer=offered) is False
    assert reload(offered).net_terms_status == "enrolled"
