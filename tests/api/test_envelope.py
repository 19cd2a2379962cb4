"""Every answer under /api/v1 is JSON in the error format when it is an error, whatever the route (the schema and
the docs page included, which are not ApiViews) and whatever the method; a chunked body the server could not read is
a clear 411; the token endpoint's 415 names the form encoding it takes."""

import pytest
from django.test import Client

from tests.api.conftest import Api
from tests.api.test_url_walk import api_routes, concrete_path
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW")
# What a route answers successfully is its own business: the docs page is HTML, the schema OpenAPI JSON.
SUCCESS_TYPES = {"/api/v1/docs": "text/html; charset=utf-8", "/api/v1/openapi.json": "application/vnd.oai.openapi+json"}


def test_every_route_and_method_answers_json_and_errors_in_the_error_format(api):
    routes = [concrete_path(route) for route, _ in api_routes()]
    assert "/api/v1/docs" in routes and "/api/v1/oauth/token" in routes
    for path in [*routes, "/api/v1/nowhere"]:
        for method in METHODS:
            for client in (api, Api()):
                response = client.request(method, path)
                where = f"{method} {path}: {response.status_code}"
                assert response.status_code < 500, where
                if response.status_code < 400:
                    assert response["Content-Type"] == SUCCESS_TYPES.get(path, "application/json; charset=utf-8"), where
                    continue
                assert response["Content-Type"] == "application/json; charset=utf-8", where
                if response.status_code == 405:
                    assert response["Allow"], where
                if method == "HEAD":
                    continue
                body = response.json()
                assert set(body) == {"error", "meta"}, where
                assert body["error"]["type"] == "request_error", where
                if response.status_code == 405:
                    assert body["error"]["code"] == "method_not_allowed", where


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/openapi.json"])
def test_the_docs_and_the_schema_answer_a_post_with_a_json_405(path):
    response = Api().post(path, {"a": 1})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_docs_page_ignores_accept_as_the_api_does():
    response = Api().get("/api/v1/docs", headers={"Accept": "application/xml"})
    assert (response.status_code, response["Content-Type"]) == (200, "text/html; charset=utf-8")


def test_the_token_endpoints_415_names_form_encoding():
    response = Api().post("oauth/token", {"grant_type": "client_credentials"})
    assert response.status_code == 415
    error = response.json()["error"]
    assert (error["code"], error["detail"]) == (
        "unsupported_media_type",
        "Send the body as application/x-www-form-urlencoded.",
    )


def test_the_json_endpoints_415_names_json(api):
    headers = {"Authorization": f"Bearer {api.token}"}
    response = api.client.post("/api/v1/customers", "email=a@b.example", content_type="text/plain", headers=headers)
    assert response.json()["error"]["detail"] == "Send the body as application/json."


@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/oauth/token"])
def test_a_chunked_body_the_server_did_not_decode_is_a_411_in_the_error_format(api, path):
    # The development server (and Django's test client) pass a chunked body on undecoded: no length, no
    # wsgi.input_terminated. Reading it as empty would answer "email: This field is required."
    response = api.client.generic(
        "POST",
        path,
        b'{"email": "ap@chunked.example"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}", "Transfer-Encoding": "chunked"},
        CONTENT_LENGTH="",
    )
    assert response.status_code == 411
    error = response.json()["error"]
    assert error["code"] == "length_required"
    assert "Content-Length" in error["detail"]


def test_a_chunked_staff_post_the_server_did_not_decode_is_a_411():
    client = Client()
    client.force_login(staff_user("account_manager"))
    chunked = {"headers": {"Transfer-Encoding": "chunked"}, "CONTENT_LENGTH": ""}
    response = client.generic("POST", "/staff/customers/new", b"email=a@b.example", **chunked)
    assert response.status_code == 411
    assert response["Content-Type"] == "text/plain; charset=utf-8"
