"""Chunked request bodies (`Transfer-Encoding: chunked`, no Content-Length) under gunicorn with the production
settings: read as what they are (core.chunked), with every size limit applying to their real size. They were read as
empty: a customer created from one was refused with "email: This field is required."."""

import json

import pytest

from customers.models import Customer
from tests.api.conftest import make_api_key

pytestmark = pytest.mark.django_db(transaction=True)


def chunks(body: bytes, size: int = 1000):
    """A generator: requests sends it chunked, with no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_a_chunked_json_body_is_read_whole(production_server):
    body = json.dumps({"email": "ap@chunked.example", "custom_data": {"note": "sent in chunks " + "x" * 3000}}).encode()
    response = production_server.request(
        "POST",
        "/api/v1/customers",
        headers={"Authorization": f"Bearer {make_api_key()}", "Content-Type": "application/json"},
        data=chunks(body),
    )
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in response.request.headers
    assert response.status_code == 201, response.text
    assert response.json()["data"]["email"] == "ap@chunked.example"
    assert Customer.objects.get(email="ap@chunked.example").custom_data["note"].endswith("x" * 3000)


def test_a_chunked_api_body_over_one_mebibyte_is_413(production_server):
    body = json.dumps({"email": "ap@big.example", "name": "x" * (1024 * 1024)}).encode()
    response = production_server.request(
        "POST",
        "/api/v1/customers",
        headers={"Authorization": f"Bearer {make_api_key()}", "Content-Type": "application/json"},
        data=chunks(body, 64 * 1024),
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert not Customer.objects.exists()


def test_a_chunked_body_over_the_site_limit_is_413_before_it_is_all_read(production_server):
    # 20 MB offered, the limit is 6 MB: the server stops reading one byte past the limit and refuses.
    response = production_server.request(
        "POST",
        "/staff/imports/new",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        data=chunks(b"x" * (20 * 1024 * 1024), 256 * 1024),
    )
    assert response.status_code == 413
    assert response.text == "The body must not exceed 6291456 bytes."
