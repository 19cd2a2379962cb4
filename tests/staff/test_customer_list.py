import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.actors import Actor
from customers.services import customer_archive
from tests.credit.builders import approved_customer, customer_with_credit_status
from tests.factories import CustomerFactory, PaymentMethodFactory

pytestmark = pytest.mark.django_db
LIST = reverse("staff:customer_list")
EXPORT = reverse("staff:customer_export")


def names(response) -> list[str]:
    return [customer.name for customer in response.context["page"].items]


@pytest.fixture
def viewer(client_as):
    return client_as("viewer")


def test_search_finds_customers_by_name_email_and_external_id(viewer):
    target = CustomerFactory(name="Bluebird Coffee", email="ap@bluebird.com", external_id="ERP-77")
    CustomerFactory(name="Granite Peak")
    for term in ("bluebird", "ERP-77", target.id):
        assert names(viewer.get(LIST, {"search": term})) == ["Bluebird Coffee"], term


def test_list_shows_active_customers_by_default_with_the_status_box_ticked(viewer):
    CustomerFactory(name="Active one")
    customer_archive(customer=CustomerFactory(name="Archived one"), actor=Actor.system())
    response = viewer.get(LIST)
    assert names(response) == ["Active one"]
    assert 'value="active" id="id_status_0" checked' in response.content.decode()


def test_status_checkboxes_and_the_api_csv_form_filter_the_same(viewer):
    CustomerFactory(name="Active one")
    customer_archive(customer=CustomerFactory(name="Archived one"), actor=Actor.system())
    from_checkboxes = viewer.get(LIST + "?status=active&status=archived&order_by=name[ASC]")
    from_csv = viewer.get(LIST, {"status": "active,archived", "order_by": "name[ASC]"})
    assert names(from_checkboxes) == names(from_csv) == ["Active one", "Archived one"]


def test_credit_status_filter(viewer):
    approved = customer_with_credit_status("approved", name="Approved")
    CustomerFactory(name="Never checked")
    response = viewer.get(LIST, {"credit_status": "approved"})
    assert names(response) == [approved.name]


def test_invalid_filter_shows_the_error_next_to_the_filter_and_no_rows(viewer):
    CustomerFactory()
    response = viewer.get(LIST, {"credit_status": "bogus"})
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Select a valid choice" in str(response.context["form"].errors["credit_status"])


def test_sorting_by_name_both_ways(viewer):
    for name in ("Bravo", "Alpha", "Charlie"):
        CustomerFactory(name=name)
    assert names(viewer.get(LIST, {"order_by": "name[ASC]"})) == ["Alpha", "Bravo", "Charlie"]
    assert names(viewer.get(LIST, {"order_by": "name[DESC]"})) == ["Charlie", "Bravo", "Alpha"]


def test_unknown_sort_falls_back_to_newest_first(viewer):
    first, second = CustomerFactory(name="First"), CustomerFactory(name="Second")
    assert names(viewer.get(LIST, {"order_by": "email[ASC]"})) == [second.name, first.name]


def test_keyset_pages_carry_the_filters_and_cover_every_row_once(viewer):
    expected = [CustomerFactory(name=f"Shop {index:02d}").name for index in range(7)]
    CustomerFactory(name="Other business")
    seen, params = [], {"search": "shop", "order_by": "name[ASC]", "per_page": 3}
    response = viewer.get(LIST, params)
    while True:
        seen += names(response)
        page = response.context["page"]
        if not page.has_more:
            break
        assert "search=shop" in response.content.decode()
        response = viewer.get(LIST, {**params, "after": page.end_cursor})
    assert seen == expected
    back = viewer.get(LIST, {**params, "before": response.context["page"].start_cursor})
    assert names(back) == expected[3:6]


def test_bad_cursor_is_reported_not_a_crash(viewer):
    response = viewer.get(LIST, {"after": "not-a-cursor"})
    assert response.status_code == 200
    assert "Not a valid cursor" in response.content.decode()


def export_rows(response) -> list[dict]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_export_streams_the_whole_filtered_set_not_one_page(viewer):
    for index in range(5):
        CustomerFactory(name=f"Shop {index}", country="CA")
    CustomerFactory(name="Elsewhere", country="US")
    response = viewer.get(EXPORT, {"search": "shop", "per_page": 2, "order_by": "name[ASC]"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert [row["name"] for row in export_rows(response)] == [f"Shop {index}" for index in range(5)]


def test_export_carries_balances_in_the_wire_format(viewer):
    customer = approved_customer(limit=250000, name="Funded")
    (row,) = export_rows(viewer.get(EXPORT))
    assert (row["id"], row["credit_limit"], row["amount_available"], row["amount_used"]) == (
        customer.id, "250000", "250000", "0",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("currency", "limit", "zero"), [("USD", "2500.00", "0.00"), ("JPY", "250000", "0"), ("BHD", "250.000", "0.000")]
)
def test_export_carries_each_amount_in_major_units_beside_it(viewer, currency, limit, zero):
    approved_customer(limit=250000, name="Funded", currency=currency)
    CustomerFactory(name="Unchecked")
    funded, unchecked = sorted(export_rows(viewer.get(EXPORT)), key=lambda row: row["name"])
    assert (funded["credit_limit"], funded["credit_limit_decimal"], funded["credit_currency"]) == (
        "250000", limit, currency,
    )  # fmt: skip
    assert (funded["amount_available_decimal"], funded["amount_reserved_decimal"]) == (limit, zero)
    assert (funded["amount_used"], funded["amount_used_decimal"]) == ("0", zero)
    assert (unchecked["credit_limit"], unchecked["credit_limit_decimal"]) == ("", "")


def test_export_neutralises_spreadsheet_formulas(viewer):
    CustomerFactory(name='=HYPERLINK("http://evil")', legal_name="+cmd")
    (row,) = export_rows(viewer.get(EXPORT))
    assert row["name"] == '\'=HYPERLINK("http://evil")'
    assert row["legal_name"] == "'+cmd"


def test_export_refuses_invalid_filters(viewer):
    response = viewer.get(EXPORT, {"status": "deleted"})
    assert response.status_code == 400


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, {"per_page": 50}).status_code == 200
    return len(queries)


def test_list_page_query_count_does_not_grow_with_rows(viewer):
    def add(count):
        for _ in range(count):
            customer = approved_customer(limit=1000)
            PaymentMethodFactory(customer=customer, is_default=True)

    add(2)
    few = list_queries(viewer)
    add(20)
    assert list_queries(viewer) == few
    # session, user, the user's groups, the page of customers (balances and default method joined in)
    assert few <= 4
