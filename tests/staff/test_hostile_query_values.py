"""Tampered cursors and query values on the staff pages and in the admin: a page saying what is wrong (400) or the
list's own message, never a 500. Every staff page is found by walking the URLconf (tests/staff/test_permissions.py),
so a page added later is covered too."""

import base64
import json

import pytest
from django.contrib import admin
from django.urls import reverse

from core.text import MAX_QUERY_VALUE_CHARS
from tests.staff.test_permissions import ROUTES, samples, url_for  # noqa: F401 - samples: the fixture, reused

pytestmark = pytest.mark.django_db

PAGES = [pattern for pattern in ROUTES if pattern.name not in {"login", "logout"}]


def _opaque(value, item_id) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, item_id]).encode()).decode().rstrip("=")


@pytest.mark.parametrize("value", ["ctm_\x00", "\x00", "x" * (MAX_QUERY_VALUE_CHARS + 1)], ids=["id", "nul", "long"])
def test_every_staff_page_answers_a_bad_query_value_with_a_400_page_saying_what(client_as, samples, value):  # noqa: F811
    client = client_as("superuser")
    for pattern in PAGES:
        url = url_for(pattern, samples)
        for name in ("after", "before", "search", "status", "q"):
            for method in (client.get, client.post):
                response = method(url, {name: value}) if method == client.get else method(f"{url}?{name}=%00")
                assert response.status_code == 400, (pattern.name, name, method.__name__, response.status_code)
                page = response.content.decode()
                assert "Bad request" in page
                assert f"{name}: Must not contain NUL" in page or f"{name}: Ensure this value has at most" in page


@pytest.mark.parametrize(
    "cursor",
    [
        _opaque("Acme", "ctm_\x00"),
        _opaque("Acme", "ctm_\ud800"),
        _opaque("a\x00b", "ctm_" + "0" * 26),
        _opaque("\ud800", "ctm_" + "0" * 26),
        "ctm_" + "0" * 25,
    ],
    ids=["nul-id", "surrogate-id", "nul-value", "surrogate-value", "short-id"],
)
def test_the_customer_list_shows_a_tampered_cursor_as_its_problem(client_as, cursor):
    client = client_as("viewer")
    for name in ("after", "before"):
        response = client.get(reverse("staff:customer_list"), {name: cursor, "order_by": "name[ASC]"})
        assert response.status_code == 200
        assert response.context["problems"], name
        assert response.context["page"] is None


def test_every_paginated_staff_page_refuses_a_tampered_cursor_without_a_500(client_as, samples):  # noqa: F811
    client = client_as("superuser")
    cursors = [_opaque("2026-01-01T00:00:00+00:00", f"{prefix}_\x00") for prefix in ("ctm", "evt", "cle", "crc")]
    cursors += [_opaque("x", f"{prefix}_\ud800") for prefix in ("ctm", "ntf", "ctx", "cdc")]
    for pattern in PAGES:
        url = url_for(pattern, samples)
        for cursor in cursors:
            response = client.get(url, {"after": cursor})
            assert response.status_code < 500, (pattern.name, cursor, response.status_code)


def test_staff_path_ids_with_a_nul_are_404(client_as, samples):  # noqa: F811
    client = client_as("superuser")
    hostile = {name: f"{value}%00" for name, value in samples.items()}
    for pattern in PAGES:
        if not pattern.pattern.converters:
            continue
        url = url_for(pattern, hostile).replace("%2500", "%00")
        for method in (client.get, client.post):
            assert method(url).status_code in (404, 405), (pattern.name, method.__name__)


def test_the_admin_changelists_answer_a_nul_search_with_a_400(client_as):
    client = client_as("superuser")
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, {"q": "a\x00"})
        assert response.status_code == 400, (url, response.status_code)
        assert "q: Must not contain NUL characters." in response.content.decode()


def test_admin_change_pages_with_a_nul_in_the_id_are_404(client_as):
    client = client_as("superuser")
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=["x"]).replace(
            "/x/", "/a%00/"
        )
        assert client.get(url).status_code == 404, url


def test_the_public_enrollment_page_with_a_nul_in_its_token_is_404(client):
    assert client.get("/enroll/abc%00def").status_code == 404
