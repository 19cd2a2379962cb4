"""A customer's `custom_data` and `import_meta` are JSON documents within core.jsondoc's limits (depth, size, key
count, finite numbers, storable text), checked by the model fields' validator, so the API, the admin and the CSV import
refuse the same documents with the same message. Before, a 1 MB document nested 30 deep was stored, `1e309` (read as
infinity) was a 500, and the customer page pretty-printed the document and every event payload in full: 61 MB, then
155 MB after three PATCHes. Pages now show the start of a document and link to the whole."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from core.jsondoc import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_KEYS,
    PREVIEW_CHARS,
    json_document_problem,
    json_preview,
)
from core.models import Event
from customers.imports import customer_import_create, customer_import_run
from customers.models import Customer
from tests.api.conftest import Api, make_api_key
from tests.factories import CustomerFactory
from tests.staff.builders import staff_user
from tests.staff.test_admin import management_forms

pytestmark = pytest.mark.django_db


def nested(depth: int) -> dict:
    document: dict = {"leaf": 1}
    for _ in range(depth - 1):
        document = {"n": document}
    return document


def near_the_limit() -> dict:
    """A document just under MAX_BYTES that pretty-printing makes about ten times longer (one number per line, deeply
    indented): the worst case for a page that shows it whole."""
    items = (MAX_BYTES - 200) // 2
    inner: list = [0] * items
    for _ in range(MAX_DEPTH - 2):
        inner = [inner]
    return {"deep": inner}


REFUSED = {
    "too deep": (nested(MAX_DEPTH + 1), "nested more than 8 levels"),
    "too large": ({"blob": "x" * MAX_BYTES}, "larger than 16,384 bytes"),
    "too many keys": ({f"k{n}": n for n in range(MAX_KEYS + 1)}, "more than 256 keys"),
    "NaN": ({"x": float("nan")}, "finite"),
    "infinity": ({"x": [1, float("inf")]}, "must be finite: not nan, infinity or beyond ±1.8e308 (at x.1)"),
    "NUL in text": ({"x": "a\x00b"}, "NUL characters (at x)"),
    "NUL in a key": ({"a": {"k\x00": 1}}, "NUL characters in keys"),
    "lone surrogate": ({"x": "\ud800"}, "unpaired surrogates"),
    "not an object": ([1, 2], "JSON object"),
}


@pytest.mark.parametrize("document, words", REFUSED.values(), ids=REFUSED.keys())
def test_the_validator_refuses(document, words):
    assert words.lower() in json_document_problem(document).lower()


def test_the_validator_accepts_a_document_at_the_limits():
    assert json_document_problem(nested(MAX_DEPTH)) is None
    assert json_document_problem({f"k{n}": n for n in range(MAX_KEYS)}) is None
    assert json_document_problem(near_the_limit()) is None
    assert json_document_problem({"x": [1.5, -2, True, None, "é"]}) is None


@pytest.fixture
def api() -> Api:
    return Api(make_api_key())


def raw(api: Api, method: str, path: str, body: str):
    return api.client.generic(
        method, f"/api/v1/{path}", body.encode(), content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )  # fmt: skip


@pytest.mark.parametrize("number", ["1e309", "-1e309", "1E400"])
@pytest.mark.parametrize("field", ["custom_data", "import_meta"])
def test_a_number_beyond_a_double_is_a_400_not_a_500(api, number, field):
    response = raw(api, "POST", "customers", f'{{"email": "a@b.example", "{field}": {{"x": {number}}}}}')
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert "beyond the range of a JSON number" in error["detail"]
    assert not Customer.objects.exists()


def test_it_is_a_400_on_put_and_patch_too(api):
    customer = CustomerFactory(custom_data={"x": 1})
    for method in ("PUT", "PATCH"):
        response = raw(api, method, f"customers/{customer.id}", '{"custom_data": {"x": 1e309}}')
        assert response.status_code == 400, method
    assert Customer.objects.get(pk=customer.pk).custom_data == {"x": 1}


@pytest.mark.parametrize("name", ["too deep", "too large", "too many keys"])
def test_the_api_refuses_a_document_beyond_the_limits_next_to_the_field(api, name):
    document, words = REFUSED[name]
    response = api.post("customers", {"email": "a@b.example", "custom_data": document})
    assert response.status_code == 400
    [error] = response.json()["error"]["errors"]
    assert error["field"] == "custom_data" and words in error["message"]
    assert not Customer.objects.exists() and not Event.objects.exists()


def test_the_api_refuses_it_on_update_and_keeps_the_document(api):
    customer = CustomerFactory(import_meta={"source": "erp"})
    response = api.patch(f"customers/{customer.id}", {"import_meta": nested(MAX_DEPTH + 1)})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "import_meta"
    assert Customer.objects.get(pk=customer.pk).import_meta == {"source": "erp"}


def test_the_schema_states_the_limits(api):
    schemas = api.get("openapi.json").json()["components"]["schemas"]
    for name in ("CustomerInput", "CustomerUpdateInput"):
        for field in ("custom_data", "import_meta"):
            schema = schemas[name]["properties"][field]
            assert schema["maxProperties"] == MAX_KEYS
            assert "16,384 bytes" in schema["description"] and "8 levels" in schema["description"]


@pytest.fixture
def superuser() -> Client:
    client = Client()
    client.force_login(staff_user("superuser"))
    return client


@pytest.mark.parametrize("text", ['{"x": NaN}', '{"x": 1e309}', '{"x": Infinity}', '{"x": "a\\u0000b"}'])
def test_the_admin_refuses_what_the_api_refuses_next_to_the_field(superuser, text):
    customer = CustomerFactory(custom_data={"kept": True})
    change = reverse("admin:customers_customer_change", args=[customer.id])
    data = {"email": customer.email, "name": customer.name, "locale": "en", "custom_data": text, "import_meta": "null"}
    response = superuser.post(change, {**data, **management_forms(superuser.get(change).text)})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["custom_data"]
    assert Customer.objects.get(pk=customer.pk).custom_data == {"kept": True}


def test_the_import_refuses_a_document_beyond_the_limits_by_line_and_field():
    deep = json.dumps(nested(MAX_DEPTH + 1)).replace('"', '""')
    content = f'email,custom_data\nok@x.com,"{{""a"": 1}}"\ndeep@x.com,"{deep}"\n'.encode()
    job = customer_import_create(file_name="deep.csv", content=content, enqueue=False)
    job = customer_import_run(customer_import_id=job.id)
    assert list(job.row_errors.values_list("line", "field")) == [(3, "custom_data")]
    assert list(Customer.objects.values_list("email", flat=True)) == ["ok@x.com"]


def test_a_preview_is_cut_at_its_limit_and_says_so():
    preview = json_preview(near_the_limit())
    assert preview.truncated and len(preview.text) == PREVIEW_CHARS
    assert json_preview({"a": 1}) == json_preview({"a": 1}, max_chars=100)
    assert not json_preview({"a": 1}).truncated


def page_bytes(client: Client, customer: Customer) -> int:
    response = client.get(reverse("staff:customer_detail", args=[customer.id]))
    assert response.status_code == 200
    return len(response.content)


def test_the_customer_page_stays_small_however_often_a_large_document_is_edited(api):
    viewer = Client()
    viewer.force_login(staff_user("viewer"))
    document = near_the_limit()
    customer_id = api.post("customers", {"email": "big@x.com", "custom_data": document}).json()["data"]["id"]
    customer = Customer.objects.get(pk=customer_id)
    first = page_bytes(viewer, customer)
    for edit in range(3):
        document["edit"] = edit
        assert api.patch(f"customers/{customer_id}", {"custom_data": document}).status_code == 200
    after = page_bytes(viewer, customer)
    # The document and four event payloads, each shown as its first PREVIEW_CHARS characters (escaped), and the rest
    # of the page: the same order of size as a page without them. In full, each would be about 180 KB.
    assert after < 64 * 1024, after
    assert after - first < 4 * (PREVIEW_CHARS * 2 + 1024)


def download_links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+\.json)"', html)


def test_show_all_serves_the_whole_document_as_json_to_those_who_may_see_the_page(api):
    document = near_the_limit()
    customer_id = api.post("customers", {"email": "big@x.com", "custom_data": document}).json()["data"]["id"]
    viewer = Client()
    viewer.force_login(staff_user("viewer"))
    links = download_links(viewer.get(reverse("staff:customer_detail", args=[customer_id])).text)
    data_link = reverse("staff:customer_document", args=[customer_id, "custom_data"])
    event = Event.objects.get(customer_id=customer_id)
    event_link = reverse("staff:customer_event_payload", args=[customer_id, event.id])
    assert data_link in links and event_link in links
    whole = viewer.get(data_link)
    assert whole["Content-Type"] == "application/json"
    assert json.loads(whole.content) == document
    assert json.loads(viewer.get(event_link).content) == event.data
    # Someone without a staff role sees neither; another customer's path does not reach this one's event.
    outsider = Client()
    outsider.force_login(staff_user(None))
    assert outsider.get(data_link).status_code == 403
    other = CustomerFactory()
    assert viewer.get(reverse("staff:customer_event_payload", args=[other.id, event.id])).status_code == 404
    assert viewer.get(reverse("staff:customer_document", args=[other.id, "custom_data"])).status_code == 404
