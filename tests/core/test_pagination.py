import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import keyset_chunks, keyset_paginate, parse_ordering, parse_per_page
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def walk(ordering, per_page):
    """All ids forward page by page, then the pages before the last one, walked backward from it."""
    queryset = Customer.objects.all()
    seen, after = [], None
    while True:
        page = keyset_paginate(queryset, ordering=ordering, per_page=per_page, after=after)
        seen += [c.id for c in page.items]
        if not page.has_more:
            break
        after = page.end_cursor
    last_page_size = len(page.items)
    back, before = [], page.start_cursor
    while page.has_previous:
        page = keyset_paginate(queryset, ordering=ordering, per_page=per_page, before=before)
        back = [c.id for c in page.items] + back
        before = page.start_cursor
    return seen, back, last_page_size


@pytest.mark.parametrize("order", ["id[ASC]", "id[desc]", "name[ASC]", "created_at[DESC]", "updated_at[asc]"])
def test_walking_forward_then_backward_yields_each_item_once_in_order(order):
    names = ["Zeta", "Alpha", "Mid", "Alpha", "Beta", "Mid", "Omega"]
    for name in names * 2:
        CustomerFactory(name=name)
    ordering = parse_ordering(order, allowed=("id", "created_at", "updated_at", "name"))
    forward, backward, last_page_size = walk(ordering, per_page=3)
    expected_order = list(
        Customer.objects.order_by(*([f"{'-' if ordering.descending else ''}{ordering.field}"]
                                    + ([] if ordering.field == "id" else [f"{'-' if ordering.descending else ''}id"])))
        .values_list("id", flat=True)
    )  # fmt: skip
    assert forward == expected_order
    assert backward == forward[:-last_page_size]
    assert len(set(forward)) == len(names) * 2


@pytest.mark.parametrize("order", ["id[ASC]", "name[ASC]", "name[DESC]", "created_at[DESC]"])
def test_chunks_yield_every_row_once_in_order_across_ties(order):
    for name in ["Alpha", "Beta", "Alpha", "Alpha", "Gamma", "Beta", "Alpha"]:
        CustomerFactory(name=name)
    ordering = parse_ordering(order, allowed=("id", "created_at", "name"))
    chunks = list(keyset_chunks(Customer.objects.all(), ordering=ordering, size=2))
    assert [len(chunk) for chunk in chunks] == [2, 2, 2, 1]
    expected = keyset_paginate(Customer.objects.all(), ordering=ordering, per_page=200).items
    assert [c.id for chunk in chunks for c in chunk] == [c.id for c in expected]


def test_chunks_of_an_exact_multiple_end_with_one_empty_query(django_assert_num_queries):
    for _ in range(4):
        CustomerFactory()
    ordering = parse_ordering(None, allowed=("id",))
    with django_assert_num_queries(3):
        assert [len(c) for c in keyset_chunks(Customer.objects.all(), ordering=ordering, size=2)] == [2, 2]


def test_first_page_reports_no_previous_and_last_page_no_more():
    for _ in range(5):
        CustomerFactory()
    ordering = parse_ordering(None, allowed=("id",))
    first = keyset_paginate(Customer.objects.all(), ordering=ordering, per_page=2)
    assert (first.has_previous, first.has_more) == (False, True)
    last = keyset_paginate(Customer.objects.all(), ordering=ordering, per_page=10, after=first.end_cursor)
    assert (last.has_previous, last.has_more, len(last.items)) == (True, False, 3)


@pytest.mark.parametrize("value", ["id", "id[UP]", "email[ASC]", "name[]"])
def test_bad_order_by_is_a_validation_error(value):
    with pytest.raises(ValidationError):
        parse_ordering(value, allowed=("id", "name"))


@pytest.mark.parametrize("value", ["0", "201", "ten", "-5"])
def test_bad_per_page_is_a_validation_error(value):
    with pytest.raises(ValidationError):
        parse_per_page(value)


@pytest.mark.parametrize("cursor", ["garbage!!", "eyJ4IjoxfQ", "ctu_01jx0000000000000000000000"])
def test_bad_cursor_is_a_validation_error(cursor):
    CustomerFactory()
    ordering = parse_ordering("name[ASC]", allowed=("name",))
    with pytest.raises(ValidationError):
        keyset_paginate(Customer.objects.all(), ordering=ordering, per_page=2, after=cursor)


@pytest.mark.parametrize(("order", "bound"), [("name[ASC]", '"name" >= '), ("name[DESC]", '"name" <= ')])
def test_a_page_after_a_cursor_bounds_the_sort_field_where_an_index_can_start(order, bound):
    """`name > x OR (name = x AND id > y)` alone makes PostgreSQL read every row before the cursor; the page's query
    also says `name >= x`, which changes no answer but starts an index range at the cursor."""
    for name in ("Alpha", "Beta", "Beta", "Gamma"):
        CustomerFactory(name=name)
    ordering = parse_ordering(order, allowed=("name",))
    first = keyset_paginate(Customer.objects.all(), ordering=ordering, per_page=2)
    with CaptureQueriesContext(connection) as queries:
        second = keyset_paginate(Customer.objects.all(), ordering=ordering, per_page=2, after=first.end_cursor)
    assert bound in queries.captured_queries[0]["sql"]
    assert len({c.id for c in first.items + second.items}) == 4
