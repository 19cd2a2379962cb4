import re

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Event
from tests.factories import CustomerFactory, StaffUserFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db


def test_login_with_the_right_password_lands_on_the_dashboard(client):
    StaffUserFactory(username="ana", role="viewer")
    response = client.post(reverse("staff:login"), {"username": "ana", "password": "pw-for-tests-123"})
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_login_with_a_wrong_password_says_so_and_signs_nobody_in(client):
    StaffUserFactory(username="ana", role="viewer")
    response = client.post(reverse("staff:login"), {"username": "ana", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert client.get("/staff/").status_code == 302


def test_login_returns_to_the_page_asked_for(client):
    StaffUserFactory(username="ana", role="viewer")
    url = reverse("staff:login") + "?next=/staff/customers"
    response = client.post(url, {"username": "ana", "password": "pw-for-tests-123", "next": "/staff/customers"})
    assert response["Location"] == "/staff/customers"


def test_logout_is_a_post_and_ends_the_session(client_as):
    client = client_as("viewer")
    assert client.get(reverse("staff:logout")).status_code == 405
    client.post(reverse("staff:logout"))
    assert client.get("/staff/").status_code == 302


def test_signed_in_user_without_a_staff_role_is_refused(client_as):
    response = client_as(None).get("/staff/")
    assert response.status_code == 403
    assert "No staff role" in response.content.decode()


def test_posts_need_a_csrf_token(client_as):
    manager = client_as("account_manager", enforce_csrf_checks=True)
    customer = CustomerFactory()
    assert manager.post(reverse("staff:customer_archive", args=[customer.id])).status_code == 403
    customer = reloaded(customer)
    assert customer.status == "active"


def test_a_viewer_with_a_valid_csrf_token_is_still_refused_any_write(client_as):
    viewer = client_as("viewer", enforce_csrf_checks=True)
    customer = CustomerFactory()
    viewer.get(reverse("staff:customer_detail", args=[customer.id]))
    token = viewer.cookies["csrftoken"].value
    response = viewer.post(reverse("staff:customer_archive", args=[customer.id]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_viewer_pages_show_no_write_controls(client_as):
    viewer = client_as("viewer")
    customer = CustomerFactory()
    for url in ("/staff/", "/staff/customers", reverse("staff:customer_detail", args=[customer.id]), "/staff/imports",
                "/staff/api-keys"):  # fmt: skip
        html = viewer.get(url).content.decode()
        post_forms = re.findall(r'<form[^>]*method="post"[^>]*>', html)
        assert post_forms == ['<form method="post" action="/staff/logout">'], url
        assert "New customer" not in html, url


def test_staff_pages_carry_a_strict_content_security_policy(client_as):
    policy = client_as("viewer").get("/staff/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert Client().get(reverse("staff:login"))["Content-Security-Policy"] == policy


def test_pages_reference_no_other_origin(client_as):
    customer = CustomerFactory()
    client = client_as("superuser")
    for url in ("/staff/", "/staff/customers", reverse("staff:customer_detail", args=[customer.id]),
                reverse("staff:customer_create"), "/staff/imports", "/staff/api-keys"):  # fmt: skip
        html = client.get(url).content.decode()
        references = re.findall(r'(?:src|href)="([^"]+)"', html)
        external = [ref for ref in references if ref.startswith(("http:", "https:", "//"))]
        assert not external, (url, external)
