"""Real responses of a server running the production settings (behind its HTTPS proxy, as deployed): the security
headers on the API, the staff UI, the admin and the API docs; secure cookies; and failures that reveal nothing."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from core.services import api_key_create, api_key_revoke
from tests.api.conftest import make_api_key
from tests.factories import StaffUserFactory
from tests.security.urls import FAILING_SQL

pytestmark = pytest.mark.django_db(transaction=True)

HSTS = "max-age=31536000; includeSubDomains; preload"
SITE_POLICY = ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
               "form-action 'self'")  # fmt: skip
PASSWORD = "pw-for-tests-123"


def staff_member(role: str):
    """A staff user whose password the production server can check: the test settings hash with MD5, which
    production does not accept, so the hash is made with production's PBKDF2 (few iterations, for speed; the
    server upgrades it at sign-in, as it would any old hash)."""
    user = StaffUserFactory(role=role)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


def assert_security_headers(response) -> None:
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response.headers["Content-Security-Policy"]
    assert all(directive in policy for directive in SITE_POLICY), policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def assert_reveals_nothing(text: str) -> None:
    for leak in (FAILING_SQL, "table_that_does_not_exist", "secret_column", "Traceback", 'File "', "psycopg"):
        assert leak not in text, leak


def test_plain_http_is_redirected_to_https(production_server):
    response = production_server.request("GET", "/staff/login", headers={"X-Forwarded-Proto": "http"})
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{production_server.port}/staff/login"


def test_an_unknown_host_is_refused(production_server):
    response = production_server.request("GET", "/api/v1/customers", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_api_responses_carry_the_security_headers(production_server):
    response = production_server.request(
        "GET", "/api/v1/customers", headers={"Authorization": f"Bearer {make_api_key()}"}
    )
    assert response.status_code == 200
    assert_security_headers(response)


def test_api_error_responses_carry_them_too(production_server):
    response = production_server.request("GET", "/api/v1/customers")
    assert response.status_code == 401
    assert_security_headers(response)


def test_the_staff_login_page_has_the_strict_staff_policy_and_a_secure_csrf_cookie(production_server):
    response = production_server.request("GET", "/staff/login")
    assert response.status_code == 200
    assert_security_headers(response)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy  # no nonce: nothing inline at all
    csrf = response.cookies.get_dict()
    assert "csrftoken" in csrf
    cookie = next(c for c in response.cookies if c.name == "csrftoken")
    assert cookie.secure and cookie.get_nonstandard_attr("SameSite") == "Lax"


def test_signing_in_sets_a_secure_http_only_session_cookie(production_server):
    user = staff_member("viewer")
    response, _ = production_server.sign_in(user.username, PASSWORD)
    assert response.status_code == 302
    session = next(c for c in response.cookies if c.name == "sessionid")
    assert session.secure
    assert session.has_nonstandard_attr("HttpOnly")
    assert session.get_nonstandard_attr("SameSite") == "Lax"


@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/docs", "/api/v1/openapi.json"])
def test_the_admin_and_the_api_docs_send_the_site_policy(production_server, path):
    response = production_server.request("GET", path)
    assert response.status_code == 200
    assert_security_headers(response)


def test_the_docs_inline_style_is_allowed_by_its_nonce_only(production_server):
    response = production_server.request("GET", "/api/v1/docs")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<style nonce="{nonce}">' in response.text
    assert "<script>" not in response.text  # the split view serves its script as a file


def test_an_api_failure_is_a_500_in_the_error_format_revealing_nothing(production_server):
    response = production_server.request(
        "GET", "/api/v1/failing", headers={"Authorization": f"Bearer {make_api_key()}"}
    )
    assert response.status_code == 500
    body = response.json()
    assert (body["error"]["type"], body["error"]["code"]) == ("api_error", "internal_error")
    assert body["meta"]["request_id"] == response.headers["X-Request-ID"]
    assert_reveals_nothing(response.text)
    # Logged for us, with the request id, instead.
    log = production_server.log()
    assert response.headers["X-Request-ID"] in log and "table_that_does_not_exist" in log


def test_a_staff_page_failure_is_a_500_page_revealing_nothing(production_server):
    user = staff_member("viewer")
    _, cookies = production_server.sign_in(user.username, PASSWORD)
    response = production_server.request("GET", "/staff/failing", cookies=cookies)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Something went wrong" in response.text
    assert_reveals_nothing(response.text)
    assert_security_headers(response)


@pytest.mark.parametrize(
    ("headers", "path", "status", "code"),
    [
        ({}, "/api/v1/customers?search=" + "x" * 9000, 414, "uri_too_long"),
        ({"X-Padding": "x" * 9000}, "/api/v1/customers", 431, "request_headers_too_large"),
        ({f"X-Many-{index}": "1" for index in range(120)}, "/api/v1/customers", 431, "request_headers_too_large"),
    ],
)
def test_a_request_the_http_server_refuses_is_answered_in_the_error_format(production_server, headers, path,
                                                                           status, code):  # fmt: skip
    """Refused by gunicorn before Django sees it (gunicorn.conf.py), yet still JSON in the API's error format."""
    response = production_server.request("GET", path, headers=headers)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["type"] == "request_error"
    assert body["meta"]["request_id"].startswith("req_")
    assert response.headers["X-Request-ID"] == body["meta"]["request_id"]
    # An absolute link, as the schema says (format: uri): the production settings require PUBLIC_BASE_URL.
    assert body["error"]["documentation_url"].startswith(("http://", "https://"))
    assert "<html" not in response.text


def test_a_long_url_within_the_limit_reaches_the_app(production_server):
    # 7,000 bytes of query string, in values within the app's own limit of 2,048 characters each.
    query = "&".join(f"p{index}={'x' * 1750}" for index in range(4))
    response = production_server.request("GET", f"/api/v1/customers?{query}")
    assert response.status_code == 401  # the app answered (no credentials sent), not the HTTP server


def test_a_key_revoked_here_is_refused_at_once_by_the_server_that_kept_it(production_server):
    """The server trusts its copy of a key it has seen (core.api.key_cache); a revocation committed by another
    process, this one, reaches it through the key generation in Redis."""
    api_key, raw = api_key_create(name="kept", scopes=["customers:read"])
    headers = {"Authorization": f"Bearer {raw}"}
    statuses = [production_server.request("GET", "/api/v1/customers", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    api_key_revoke(api_key=api_key)
    response = production_server.request("GET", "/api/v1/customers", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["detail"] == "This API key has been revoked."
