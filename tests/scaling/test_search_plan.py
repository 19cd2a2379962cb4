"""A customers search for a word many customers contain costs the same whatever the table's size: its page's ids come
from walking the active customers in id order through an index holding their search documents, and stop when the
page is full; a rare word's few matches are collected (through the trigram index, on a large table) and sorted. The
planner chooses from the column's histogram (customers 0017), so these tests read its plans (EXPLAIN) on a table where
one customer in ten holds the word."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import keyset_paginate, parse_ordering
from customers.models import Customer
from customers.selectors import customer_list

pytestmark = pytest.mark.django_db

CUSTOMERS = 6_000
EVERY = 10  # one customer in ten is a "Northway"


@pytest.fixture
def directory():
    rows = []
    for n in range(CUSTOMERS):
        name = f"Northway Supplies {n}" if n % EVERY == 0 else f"Business {n}"
        if n == CUSTOMERS // 2:
            name = "Quillon Instruments"
        customer = Customer(email=f"ap{n}@business{n}.com", name=name, legal_name=f"{name} LLC")
        customer.normalise()
        rows.append(customer)
    Customer.objects.bulk_create(rows, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    return sorted(customer.id for customer in rows if "northway" in customer.search_document)


def page_plan(term: str, after: str | None = None):
    """The page of a search (per_page 50, by id) and how its page query finds the page's ids: the plan node under the
    LIMIT of the ids' subquery."""
    with CaptureQueriesContext(connection) as captured:
        page = keyset_paginate(
            customer_list(filters={"search": term}),
            ordering=parse_ordering(None, allowed=("id",)),
            per_page=50,
            after=after,
        )
    [sql] = [query["sql"] for query in captured.captured_queries if "LIMIT 51" in query["sql"]]
    with connection.cursor() as cursor:
        # A table of thousands is read whole faster than through any index; on millions it never is.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def ids_walk(node: dict) -> dict | None:
        if node.get("Alias") == "ANY_subquery":
            [limit] = node["Plans"]
            assert limit["Node Type"] == "Limit"
            return limit["Plans"][0]
        return next(filter(None, (ids_walk(child) for child in node.get("Plans", []))), None)

    walk = ids_walk(plan[0]["Plan"])
    assert walk is not None, "the page's ids are not chosen by a subquery of their own"
    return page, walk


def test_a_common_word_walks_the_active_customers_in_id_order_and_stops_at_a_full_page(directory):
    page, walk = page_plan("northway")
    assert [customer.id for customer in page.items] == directory[:50]
    assert page.has_more
    # An index in id order, the term a filter on the way: no sort of every match.
    assert walk["Node Type"] in ("Index Scan", "Index Only Scan"), walk["Node Type"]
    assert "northway" in walk["Filter"]

    following, walk = page_plan("northway", after=page.end_cursor)
    assert [customer.id for customer in following.items] == directory[50:100]
    assert walk["Node Type"] in ("Index Scan", "Index Only Scan"), walk["Node Type"]


def test_a_rare_word_collects_its_few_matches_and_sorts_them(directory):
    page, walk = page_plan("quillon")
    assert [customer.name for customer in page.items] == ["Quillon Instruments"]
    # Walking in id order would read the whole table for one match: the matches are found first, then sorted.
    assert walk["Node Type"] == "Sort"


def test_the_column_keeps_a_histogram_fine_enough_to_tell_them_apart():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'customers_customer'::regclass "
            "AND attname = 'search_document'"
        )
        assert cursor.fetchone()[0] == 2000
