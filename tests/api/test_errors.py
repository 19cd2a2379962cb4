"""Every way a request can fail answers in the error format: JSON, the four fields, a request id, never HTML."""

import json

import pytest
from django.test import override_settings

from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    error = body["error"]
    assert error["code"] == code
    assert error["type"] == ("api_error" if status >= 500 else "request_error")
    assert error["detail"]
    assert error["documentation_url"] == f"http://testserver/api/v1/docs#errors-{code}"
    assert body["meta"]["request_id"] == response["X-Request-ID"]
    return error


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/customers/", "/api/v2/customers", "/api/"])
def test_unknown_api_routes_are_json_404_for_any_method(api, method, path):
    assert_error(api.request(method, path), 404, "not_found")


def test_post_with_a_trailing_slash_is_not_redirected(api):
    response = api.post("/api/v1/customers/", {"email": "a@b.example"})
    assert_error(response, 404, "not_found")
    assert not Customer.objects.exists()


def test_wrong_method_is_405_with_allow(api):
    response = api.put("customers", {"email": "a@b.example"})
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, POST, HEAD"


def test_options_is_not_served(api):
    assert_error(api.request("OPTIONS", "customers"), 405, "method_not_allowed")


def test_malformed_json_is_bad_request(api):
    response = api.client.post(
        "/api/v1/customers",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert_error(response, 400, "bad_request")


def test_a_body_that_is_not_an_object_is_bad_request(api):
    assert_error(api.post("customers", ["a@b.example"]), 400, "bad_request")


def test_wrong_content_type_is_415(api):
    response = api.client.post(
        "/api/v1/customers", "email=a@b.example", content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {api.token}"},
    )  # fmt: skip
    assert_error(response, 415, "unsupported_media_type")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversize_body_is_413_and_creates_nothing(api):
    response = api.post("customers", {"email": "a@b.example", "custom_data": {"blob": "x" * 2000}})
    assert_error(response, 413, "request_too_large")
    assert not Customer.objects.exists()


def test_invalid_field_lists_fields_and_messages(api):
    error = assert_error(api.post("customers", {"email": "nope"}), 400, "invalid_field")
    assert error["errors"] == [{"field": "email", "message": "Enter a valid email address."}]


def test_an_unexpected_exception_is_500_internal_error_without_details(api, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret database detail")

    monkeypatch.setattr("customers.api.views.customer_get", explode)
    customer = CustomerFactory()
    response = api.get(f"customers/{customer.id}")
    assert_error(response, 500, "internal_error")
    assert b"secret" not in response.content and b"Traceback" not in response.content


def test_every_response_has_a_request_id_header_matching_meta(api):
    response = api.get("customers")
    assert response["X-Request-ID"].startswith("req_")
    assert response.json()["meta"]["request_id"] == response["X-Request-ID"]
    assert api.get("customers")["X-Request-ID"] != response["X-Request-ID"]


def test_non_api_paths_keep_django_pages(api):
    response = api.client.get("/not-an-api-path")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "a@b.example", "marketing_consent": 0}, "marketing_consent"),
        ({"email": "a@b.example", "name": 12}, "name"),
        ({"email": ["a@b.example"]}, "email"),
    ],
)
def test_values_of_the_wrong_json_type_are_not_coerced(api, body, field):
    response = api.post("customers", body)
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == field
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "a@b.example", "name": "nul\x00byte"}, "name"),
        ({"email": "a@b.example", "custom_data": {"k\x00": 1}}, "custom_data.k\x00"),
        ({"email": "a@b.example", "custom_data": {"list": ["ok", "lone \ud800 surrogate"]}}, "custom_data.list.1"),
    ],
)
def test_text_postgresql_cannot_store_is_invalid_field_not_a_500(api, body, field):
    response = api.post("customers", body)
    assert response.status_code == 400
    assert response.json()["error"]["errors"] == [
        {"field": field, "message": "Text must not contain NUL characters or unpaired surrogates."}
    ]
    assert not Customer.objects.exists()


def test_a_request_refused_before_any_view_is_answered_in_json(db, settings):
    from django.test import Client

    settings.PUBLIC_BASE_URL = "http://testserver"  # a refused Host is no base for links (tests/api/test_bad_host.py)
    response = Client(HTTP_HOST="evil.example").get("/api/v1/customers")
    assert_error(response, 400, "bad_request")


def test_the_500_handler_answers_json_for_api_paths():
    from django.test import RequestFactory

    from core.api.errors import handler500

    request = RequestFactory().get("/api/v1/customers")
    request.request_id = "req_test"
    response = handler500(request)
    body = json.loads(response.content)
    assert response.status_code == 500
    assert (body["error"]["code"], body["meta"]["request_id"]) == ("internal_error", "req_test")


@pytest.mark.parametrize("depth", [40, 50_000])
def test_deeply_nested_json_is_bad_request_not_a_500(api, depth):
    body = '{"email": "a@b.example", "custom_data": {"x": ' + "[" * depth + "]" * depth + "}}"
    response = api.client.post(
        "/api/v1/customers", body, content_type="application/json", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert_error(response, 400, "bad_request")
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_a_nameless_query_parameter_error_has_a_null_field():
    from django.core.exceptions import ValidationError

    from core.api.errors import classify

    status, code, _, errors, _ = classify(ValidationError({"": ["Given more than once."]}))
    assert (status, code, errors) == (400, "invalid_field", [{"field": None, "message": "Given more than once."}])
