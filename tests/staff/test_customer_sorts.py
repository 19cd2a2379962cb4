"""The customer list sorted by credit's figures: exposure (credit used in the credit currency), utilisation (used ÷
line) and the oldest past-due purchase, both ways, ties broken by id, keyset-paginated, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from credit.services import credit_transaction_bill
from tests.credit.builders import API, approved_customer, completed_purchase, completed_purchases
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
LIST = reverse("staff:customer_list")
EXPORT = reverse("staff:customer_export")


@pytest.fixture
def viewer(client_as):
    return client_as("viewer")


def ids(response) -> list[str]:
    return [customer.id for customer in response.context["page"].items]


@pytest.fixture
def book():
    """Five customers: (limit, used, days past due of the oldest unpaid purchase)."""
    never = CustomerFactory()  # never credit checked: nothing used, no line, nothing owed
    idle = approved_customer(limit=100_000)  # a line, nothing used
    half = approved_customer(limit=100_000)
    completed_purchase(half, 50_000, days_past_due=3)
    big = approved_customer(limit=1_000_000)
    completed_purchases(big, [(200_000, 30, 0), (100_000, 2, 0)])  # 30 % used, 30 days past due
    euro = approved_customer(limit=100_000, currency="EUR")
    completed_purchase(euro, 90_000, days_past_due=-5, currency="EUR")  # 90 % used, not yet due
    # Reserved (billed, not completed) is not used: it moves neither exposure nor utilisation.
    credit_transaction_bill(customer=idle, actor=API, amount=10_000, currency_code="USD")
    return {"never": never, "idle": idle, "half": half, "big": big, "euro": euro}


def order(viewer, value, **extra) -> list[str]:
    response = viewer.get(LIST, {"order_by": value, **extra})
    assert response.status_code == 200
    assert response.context["ordering"] == value
    return ids(response)


def by_id_then(names, book, *, descending=False) -> list[str]:
    return sorted((book[name].id for name in names), reverse=descending)


def test_exposure_sorts_by_credit_used_in_the_credit_currency(viewer, book):
    tied = by_id_then(["never", "idle"], book, descending=True)
    assert order(viewer, "exposure[DESC]") == [book["big"].id, book["euro"].id, book["half"].id, *tied]
    assert order(viewer, "exposure[ASC]") == [*reversed(tied), book["half"].id, book["euro"].id, book["big"].id]


def test_utilisation_sorts_by_used_over_the_line(viewer, book):
    tied = by_id_then(["never", "idle"], book, descending=True)
    assert order(viewer, "utilisation[DESC]") == [book["euro"].id, book["half"].id, book["big"].id, *tied]
    assert order(viewer, "utilisation[ASC]")[:2] == list(reversed(tied))
    html = viewer.get(LIST, {"order_by": "utilisation[DESC]"}).content.decode()
    assert "90 %" in html and "50 %" in html and "30 %" in html


def test_oldest_past_due_sorts_most_days_past_due_first_and_back(viewer, book):
    nothing_owed = by_id_then(["never", "idle"], book)
    assert order(viewer, "oldest_due_at[ASC]") == [
        book["big"].id,
        book["half"].id,
        book["euro"].id,  # owes, not yet due
        *nothing_owed,
    ]
    assert order(viewer, "oldest_due_at[DESC]") == [
        *reversed(nothing_owed),
        book["euro"].id,
        book["half"].id,
        book["big"].id,
    ]
    html = viewer.get(LIST, {"order_by": "oldest_due_at[ASC]"}).content.decode()
    assert "30 days" in html and "3 days" in html


def test_the_headers_sort_and_a_second_click_reverses(viewer, book):
    html = viewer.get(LIST).content.decode()
    assert "order_by=exposure%5BDESC%5D" in html and "order_by=oldest_due_at%5BASC%5D" in html
    html = viewer.get(LIST, {"order_by": "exposure[DESC]"}).content.decode()
    assert 'data-sort="exposure" aria-sort="descending"' in html
    assert "order_by=exposure%5BASC%5D" in html
    assert "credit currency" in html  # the header says which figure it sorts by


@pytest.mark.parametrize("value", ["exposure[DESC]", "utilisation[ASC]", "oldest_due_at[ASC]", "oldest_due_at[DESC]"])
def test_every_credit_sort_pages_forward_and_back_with_filters_kept(viewer, value):
    for n in range(7):
        customer = approved_customer(limit=100_000, name=f"Sorted {n}")
        if n % 3:
            completed_purchase(customer, 1000 * (n % 3), days_past_due=n % 3)
    CustomerFactory(name="Sorted never")
    whole = order(viewer, value, per_page=200, search="sorted")
    assert len(whole) == 8
    first = viewer.get(LIST, {"order_by": value, "per_page": 3, "search": "sorted"})
    pages, response = ids(first), first
    while response.context["page"].has_more:
        response = viewer.get(
            LIST, {"order_by": value, "per_page": 3, "search": "sorted", "after": response.context["page"].end_cursor}
        )
        pages += ids(response)
    assert pages == whole
    back = viewer.get(
        LIST, {"order_by": value, "per_page": 3, "search": "sorted", "before": response.context["page"].start_cursor}
    )
    assert ids(back) == whole[-len(ids(response)) - 3 : -len(ids(response))]


def test_the_export_follows_a_credit_sort(viewer, book):
    response = viewer.get(EXPORT, {"order_by": "exposure[DESC]"})
    lines = b"".join(response.streaming_content).decode().splitlines()[1:]
    assert [line.split(",")[0] for line in lines][:3] == [book["big"].id, book["euro"].id, book["half"].id]


def test_a_tampered_cursor_on_a_credit_sort_is_a_message_not_an_error(viewer, book):
    response = viewer.get(LIST, {"order_by": "exposure[DESC]", "after": "eyJub3QiOiJhIGN1cnNvciJ9"})
    assert response.status_code == 200 and response.context["problems"]


@pytest.mark.parametrize("value", ["exposure[DESC]", "utilisation[DESC]", "oldest_due_at[ASC]"])
def test_a_credit_sort_takes_the_same_queries_however_many_customers(viewer, value):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get(LIST, {"order_by": value, "per_page": 50}).status_code == 200
        return len(queries)

    completed_purchase(approved_customer(limit=100_000), 1000, days_past_due=3)
    few = count()
    for n in range(12):
        completed_purchase(approved_customer(limit=100_000), 1000 + n, days_past_due=n)
        CustomerFactory()
    assert count() == few
    # session, user, the user's groups, the page of customers (balances and account joined in)
    assert few <= 4
