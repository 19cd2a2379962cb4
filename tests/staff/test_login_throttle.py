"""Sign-in throttling (core/staff/throttle.py) on the staff UI and the admin: failures counted per username and
address and per address, refused past the limit without checking the password, in the cache. Each test signs in
from addresses of its own, so counters left in the shared cache by one test cannot reach another."""

import itertools
import logging
import time
import uuid

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
LOGIN = reverse("staff:login")
ADMIN_LOGIN = reverse("admin:login")
# Documentation addresses, unique to this run: the counters outlive a test run in the shared cache.
_addresses = (f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::{n:x}" for n in itertools.count(1))


@pytest.fixture
def address():
    return next(_addresses)


def sign_in(address: str, username: str, password: str, url: str = LOGIN, **headers):
    client = Client(REMOTE_ADDR=address)
    response = client.post(url, {"username": username, "password": password}, headers=headers)
    return client, response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(address: str, username: str, times: int, url: str = LOGIN) -> None:
    for _ in range(times):
        _, response = sign_in(address, username, "wrong-password", url)
        assert response.status_code == 200


def test_after_five_failures_the_right_password_is_refused_for_that_username_and_address(address):
    user = StaffUserFactory(role="viewer")
    fail(address, user.username, 5)
    client, response = sign_in(address, user.username, PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many failed sign-in attempts. Wait 15 minutes" in response.content.decode()
    assert not signed_in(client)


def test_four_failures_still_let_the_right_password_in(address):
    user = StaffUserFactory(role="viewer")
    fail(address, user.username, 4)
    client, response = sign_in(address, user.username, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_the_username_is_counted_whatever_its_case_or_spacing(address):
    user = StaffUserFactory(role="viewer")
    for variant in (user.username, user.username.upper(), f" {user.username}", user.username.title(), user.username):
        sign_in(address, variant, "wrong-password")
    _, response = sign_in(address, user.username, PASSWORD)
    assert response.status_code == 429


def test_the_same_username_from_another_address_is_not_locked_out(address):
    user = StaffUserFactory(role="viewer")
    fail(address, user.username, 5)
    client, response = sign_in(next(_addresses), user.username, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_a_forged_x_forwarded_for_does_not_pick_a_fresh_address(address):
    user = StaffUserFactory(role="viewer")
    fail(address, user.username, 5)
    client, response = sign_in(address, user.username, PASSWORD, X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429 and not signed_in(client)


def test_a_successful_sign_in_clears_the_count(address):
    user = StaffUserFactory(role="viewer")
    fail(address, user.username, 4)
    sign_in(address, user.username, PASSWORD)
    fail(address, user.username, 4)
    client, response = sign_in(address, user.username, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


@override_settings(LOGIN_FAILURES_PER_IP=8)
def test_an_address_failing_on_many_usernames_is_refused_for_every_username(address):
    for number in range(8):
        fail(address, f"nobody-{number}", 1)
    user = StaffUserFactory(role="viewer")
    client, response = sign_in(address, user.username, PASSWORD)
    assert response.status_code == 429 and not signed_in(client)


@pytest.mark.slow
@override_settings(LOGIN_FAILURE_WINDOW_SECONDS=6)
def test_the_refusal_ends_with_the_window(address):
    user = StaffUserFactory(role="viewer")
    window_start = time.monotonic()
    fail(address, user.username, 5)
    assert sign_in(address, user.username, PASSWORD)[1].status_code == 429
    time.sleep(max(0.0, window_start + 6.5 - time.monotonic()))
    client, response = sign_in(address, user.username, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_the_admin_sign_in_is_throttled_too(address):
    user = StaffUserFactory(is_superuser=True)
    fail(address, user.username, 5, ADMIN_LOGIN)
    client, response = sign_in(address, user.username, PASSWORD, ADMIN_LOGIN)
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)


def test_failures_on_the_admin_and_the_staff_ui_add_up(address):
    user = StaffUserFactory(is_superuser=True)
    fail(address, user.username, 3, ADMIN_LOGIN)
    fail(address, user.username, 2, LOGIN)
    assert sign_in(address, user.username, PASSWORD)[1].status_code == 429


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
)
def test_with_the_cache_down_sign_in_still_works_unthrottled(address, caplog):
    user = StaffUserFactory(role="viewer")
    with caplog.at_level(logging.WARNING, logger="core.staff.throttle"):
        fail(address, user.username, 6)
        client, response = sign_in(address, user.username, PASSWORD)
    assert response.status_code == 302 and signed_in(client)
    assert any("sign-in throttle unavailable" in record.getMessage() for record in caplog.records)
