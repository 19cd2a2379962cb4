from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.actors import Actor
from core.api import pagination
from core.pagination import KeysetPage, parse_ordering
from customers.models import Customer
from customers.services import customer_archive
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def walk(api, **params) -> tuple[list[str], list[str], list[dict]]:
    """Follow `next` while `has_more`, then `previous` back to the start: (forward ids, backward ids, every meta)."""
    forward, metas = [], []
    body = api.get("customers", **params).json()
    while True:
        forward += [item["id"] for item in body["data"]]
        metas.append(body["meta"]["pagination"])
        if not body["meta"]["pagination"]["has_more"]:
            break
        body = api.get(body["meta"]["pagination"]["next"]).json()
    backward = [item["id"] for item in body["data"]]
    while body["meta"]["pagination"]["previous"]:
        body = api.get(body["meta"]["pagination"]["previous"]).json()
        backward = [item["id"] for item in body["data"]] + backward
    return forward, backward, metas


@pytest.fixture
def population():
    """17 customers, 11 of them active, with repeated names so ties on the sort key occur."""
    names = ["Zeta", "Alpha", "Mid", "Alpha", "Beta", "Mid", "Omega", "Kappa", "Alpha"]
    customers = [CustomerFactory(name=name) for name in names + names[:8]]
    for customer in customers[:6]:
        customer_archive(customer=customer, actor=Actor.system())
    return customers


@pytest.mark.parametrize(
    "order_by", ["id[ASC]", "id[desc]", "name[asc]", "NAME[DESC]", "created_at[DESC]", "updated_at[ASC]"]
)
def test_walking_forward_then_backward_with_filters_yields_each_match_once(api, population, order_by):
    params = {"status": "active,archived", "search": "alpha", "per_page": 2, "order_by": order_by}
    forward, backward, _ = walk(api, **params)
    expected = set(Customer.objects.filter(name="Alpha").values_list("id", flat=True))
    assert len(forward) == len(set(forward)) == len(expected) == 5
    assert set(forward) == expected
    assert backward == forward


def test_walk_over_the_default_active_filter(api, population):
    forward, backward, metas = walk(api, per_page=4)
    active = list(Customer.objects.filter(status="active").order_by("id").values_list("id", flat=True))
    assert forward == backward == active
    assert [meta["estimated_total"] for meta in metas] == [len(active)] * len(metas)


def test_next_is_absolute_and_keeps_every_filter(api, population):
    meta = api.get("customers", status="active,archived", city="x", per_page=3, order_by="name[ASC]").json()["meta"]
    url = urlsplit(meta["pagination"]["next"])
    assert (url.scheme, url.netloc, url.path) == ("http", "testserver", "/api/v1/customers")
    query = parse_qs(url.query)
    assert query["status"] == ["active,archived"] and query["city"] == ["x"] and query["per_page"] == ["3"]
    assert query["order_by"] == ["name[ASC]"] and query["after"] == [meta["pagination"]["end_cursor"]]
    assert meta["pagination"]["previous"] is None


def test_pagination_meta_on_a_middle_page(api, population):
    first = api.get("customers", per_page=2).json()
    page = api.get("customers", per_page=2, after=first["meta"]["pagination"]["end_cursor"]).json()
    meta = page["meta"]["pagination"]
    assert (meta["per_page"], meta["has_more"], meta["has_previous"]) == (2, True, True)
    assert meta["start_cursor"] == page["data"][0]["id"] and meta["end_cursor"] == page["data"][-1]["id"]
    assert "before=" in meta["previous"] and "after=" not in meta["previous"]


def test_limit_is_an_alias_of_per_page(api, population):
    body = api.get("customers", limit=3).json()
    assert len(body["data"]) == 3
    assert body["meta"]["pagination"]["per_page"] == 3


@pytest.mark.parametrize(
    "params, field",
    [({"per_page": "0"}, "per_page"), ({"per_page": "201"}, "per_page"), ({"limit": "x"}, "limit"),
     ({"per_page": ""}, "per_page"), ({"limit": ""}, "limit"), ({"order_by": "email[ASC]"}, "order_by"),
     ({"order_by": "id"}, "order_by"), ({"after": "garbage!"}, "after"),
     ({"after": "ctm_01jx0000000000000000000000", "before": "ctm_01jx0000000000000000000001"}, "before")],
)  # fmt: skip
def test_bad_pagination_parameters_are_invalid_field(api, params, field):
    response = api.get("customers", **params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_field"
    assert response.json()["error"]["errors"][0]["field"] == field


@pytest.mark.parametrize(
    "query, field",
    [("per_page=E&per_page=&limit=145", "per_page"), ("status=bogus&status=", "status"), ("limit=5&limit=6", "limit")],
)
def test_a_query_parameter_given_twice_is_invalid_field_not_its_last_value(api, population, query, field):
    # Found by `make fuzz`: the last value won, so an invalid first one was accepted.
    response = api.client.get(f"/api/v1/customers?{query}", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 400
    assert response.json()["error"]["errors"] == [
        {"field": field, "message": "Give this parameter once; separate several values with commas."}
    ]


def test_an_undocumented_parameter_may_be_repeated(api, population):
    # Found by `make fuzz`: refusing it named an unknown (even empty) parameter as the invalid field.
    response = api.client.get("/api/v1/customers?=a&=b&x=1&x=2", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 200


def test_a_csv_filter_still_takes_several_values(api, population):
    response = api.get("customers", status="active,archived", per_page="200")
    assert response.status_code == 200
    assert {item["status"] for item in response.json()["data"]} == {"active", "archived"}


def test_an_empty_page_past_the_end_still_links_back(api, population):
    last = Customer.objects.filter(status="active").order_by("-id").first()
    meta = api.get("customers", after=last.id).json()["meta"]["pagination"]
    assert (meta["has_more"], meta["has_previous"], meta["start_cursor"]) == (False, True, None)
    assert f"before={last.id}" in meta["previous"]
    assert f"after={last.id}" in meta["next"]


def test_the_last_page_has_a_next_link_to_come_back_for_new_items(api, population):
    # As Paddle: `next` is there even when has_more is false; following it later finds what was created since.
    meta = api.get("customers", per_page=200).json()["meta"]["pagination"]
    assert meta["has_more"] is False
    assert parse_qs(urlsplit(meta["next"]).query)["after"] == [meta["end_cursor"]]
    assert api.get(meta["next"]).json()["data"] == []
    created = CustomerFactory()
    assert [item["id"] for item in api.get(meta["next"]).json()["data"]] == [created.id]


def test_an_empty_list_has_no_next_link(api):
    meta = api.get("customers").json()["meta"]["pagination"]
    assert (meta["end_cursor"], meta["next"], meta["previous"]) == (None, None, None)


def page(has_more=True, has_previous=False, items=()) -> KeysetPage:
    return KeysetPage(list(items), parse_ordering(None, allowed=("id",)), 50, has_more, has_previous, None, None)


def test_estimated_total_of_a_single_page_is_its_length_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert pagination.estimate_total(Customer.objects.all(), page(False, False, items=[1, 2, 3])) == 3


def test_estimated_total_counts_exactly_when_small():
    for _ in range(4):
        CustomerFactory()
    assert pagination.estimate_total(Customer.objects.filter(status="active"), page()) == 4


def test_estimated_total_uses_the_planner_for_large_filtered_results(monkeypatch):
    for _ in range(30):
        CustomerFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)
    estimate = pagination.estimate_total(Customer.objects.filter(status="active"), page())
    assert 5 < estimate <= 60  # the planner's estimate, not a capped count (which would be 6)


def test_estimated_total_uses_reltuples_when_unfiltered(monkeypatch, django_assert_num_queries):
    for _ in range(30):
        CustomerFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)
    with django_assert_num_queries(1) as captured:
        assert pagination.estimate_total(Customer.objects.all(), page()) == 30
    assert "reltuples" in captured.captured_queries[0]["sql"]


def test_a_large_estimate_is_reused_for_the_same_filters_without_a_query(api, monkeypatch):
    for _ in range(12):
        CustomerFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)
    monkeypatch.setattr(pagination, "_large_estimates", {})
    first = api.get("customers", per_page=2).json()["meta"]["pagination"]["estimated_total"]
    with CaptureQueriesContext(connection) as captured:
        later = api.get("customers", per_page=3, after=Customer.objects.order_by("id")[1].id)
    assert later.json()["meta"]["pagination"]["estimated_total"] == first > 5
    assert not [q for q in captured.captured_queries if "EXPLAIN" in q["sql"] or "COUNT" in q["sql"]]
    with CaptureQueriesContext(connection) as captured:
        api.get("customers", per_page=2, status="active,archived")
    assert [q for q in captured.captured_queries if "EXPLAIN" in q["sql"]]


def test_small_totals_are_counted_on_every_request(api):
    for _ in range(3):
        CustomerFactory()
    assert api.get("customers", per_page=2).json()["meta"]["pagination"]["estimated_total"] == 3
    CustomerFactory()
    assert api.get("customers", per_page=2).json()["meta"]["pagination"]["estimated_total"] == 4
