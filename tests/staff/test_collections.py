"""The collections worklist and the follow-ups due: purchases past due across customers with the customer's last
contact, promise and follow-up, filtered by the dashboard's aging buckets; query counts fixed."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credit.dashboard import aging_by_currency
from credit.services import credit_transaction_bill, customer_note_add
from tests.credit.builders import API, OFFICER, approved_customer, completed_purchase, completed_purchases

pytestmark = pytest.mark.django_db

WORKLIST = "/staff/collections"
FOLLOW_UPS = "/staff/collections/follow-ups"


@pytest.fixture
def viewer(client_as):
    return client_as("viewer")


def ids(response) -> list[str]:
    return [row.purchase.id for row in response.context["rows"]]


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def note(customer, **fields):
    return customer_note_add(customer=customer, actor=OFFICER, **{"text": "Called", **fields})


def test_the_worklist_shows_what_is_past_due_most_overdue_first(viewer):
    customer = approved_customer(limit=10_000_000)
    credit_transaction_bill(customer=customer, actor=API, amount=100, currency_code="USD")
    late, later, not_due, repaid = completed_purchases(
        customer, [(1000, 5, 0), (2000, 40, 500), (3000, -3, 0), (4000, 10, 4000)]
    )
    response = viewer.get(WORKLIST)
    assert ids(response) == [later.id, late.id]
    rows = response.context["rows"]
    assert [(row.days_past_due, row.purchase.outstanding) for row in rows] == [(40, 1500), (5, 1000)]
    html = response.content.decode()
    assert "15.00 USD" in html and "40 days past due" in html
    assert not_due.id not in html and repaid.id not in html


def test_a_bucket_of_the_dashboard_lists_exactly_the_purchases_it_counts(viewer):
    customer = approved_customer(limit=10_000_000)
    made = completed_purchases(customer, [(1000, 0, 0), (1000, 3, 0), (1000, 20, 0), (1000, 45, 0), (1000, 90, 0)])
    aging = aging_by_currency(now=timezone.now())[0]
    for bucket in aging.buckets:
        response = viewer.get(WORKLIST, {"bucket": bucket.label, "currency_code": "USD"})
        assert len(ids(response)) == bucket.transactions, bucket.label
        assert sum(row.purchase.outstanding for row in response.context["rows"]) == bucket.amount
    assert ids(viewer.get(WORKLIST, {"bucket": "60+"})) == [made[4].id]


def test_the_dashboard_links_each_bucket_into_the_worklist(viewer):
    completed_purchase(approved_customer(), 1000, days_past_due=20)
    html = viewer.get(reverse("staff:dashboard")).content.decode()
    assert 'href="/staff/collections?bucket=16-30&amp;currency_code=USD"' in html
    assert 'href="/staff/collections?bucket=60%2B&amp;currency_code=USD"' in html


def test_the_worklist_filters_by_currency_and_sorts_by_outstanding(viewer):
    usd = approved_customer(limit=10_000_000)
    eur = approved_customer(limit=10_000_000, currency="EUR")
    small, large = completed_purchases(usd, [(1000, 5, 0), (9000, 2, 0)])
    euro = completed_purchase(eur, 5000, days_past_due=1, currency="EUR")
    assert ids(viewer.get(WORKLIST, {"currency_code": "EUR"})) == [euro.id]
    assert ids(viewer.get(WORKLIST, {"order_by": "outstanding[DESC]"})) == [large.id, euro.id, small.id]
    assert ids(viewer.get(WORKLIST, {"order_by": "due_at[DESC]"})) == [euro.id, large.id, small.id]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"bucket": "7-9"}, "bucket"), ({"currency_code": "usd"}, "currency_code"), ({"order_by": "id[ASC]"}, "order_by")],
)
def test_a_bad_filter_shows_its_error_and_no_rows(viewer, query, field):
    completed_purchase(approved_customer(), 1000, days_past_due=5)
    response = viewer.get(WORKLIST, query)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert response.context["rows"] == []


def test_the_worklist_pages_by_due_date_and_by_outstanding(viewer):
    customer = approved_customer(limit=100_000_000)
    made = completed_purchases(customer, [(1000 + n, n + 1, 0) for n in range(55)])
    for order, expected in (
        ("due_at[ASC]", [p.id for p in reversed(made)]),
        ("outstanding[DESC]", [p.id for p in reversed(made)]),
        ("outstanding[ASC]", [p.id for p in made]),
    ):
        first = viewer.get(WORKLIST, {"order_by": order})
        second = viewer.get(WORKLIST, {"order_by": order, "after": first.context["page"].end_cursor})
        assert ids(first) + ids(second) == expected, order
        back = viewer.get(WORKLIST, {"order_by": order, "before": second.context["page"].start_cursor})
        assert ids(back) == expected[:50]


def test_last_contact_promise_and_follow_up_come_from_the_customers_notes(viewer):
    customer = approved_customer(limit=10_000_000)
    purchase = completed_purchase(customer, 100_000, days_past_due=10)
    note(customer, promised_amount=50_000, promised_currency="USD", promised_on=in_days(1), follow_up_on=in_days(2))
    latest = note(customer, text="Left a voicemail", follow_up_on=in_days(5))
    other = approved_customer()
    silent = completed_purchase(other, 1000, days_past_due=3)
    response = viewer.get(WORKLIST)
    rows = {row.purchase.id: row for row in response.context["rows"]}
    row = rows[purchase.id]
    assert row.purchase.last_contact_at == latest.created_at
    assert row.purchase.next_follow_up_on == in_days(5)
    assert (row.promise.promise, row.promise.promise_status) == ("500.00 USD", "open")
    assert rows[silent.id].promise is None and rows[silent.id].purchase.last_contact_at is None
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        response = viewer.get(WORKLIST)
    assert {row.purchase.id: row.promise for row in response.context["rows"]}[purchase.id].promise_status == "broken"
    assert "Promise broken" in response.content.decode()


def test_the_worklist_takes_the_same_queries_however_many_rows(viewer):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get(WORKLIST).status_code == 200
        return len(queries)

    customer = approved_customer(limit=10_000_000)
    completed_purchase(customer, 1000, days_past_due=4)
    note(customer, promised_amount=500, promised_currency="USD", promised_on=in_days(1))
    few = count()
    for n in range(6):
        other = approved_customer(limit=10_000_000)
        completed_purchases(other, [(1000, n + 1, 0), (2000, n + 2, 0)])
        note(other, promised_amount=500, promised_currency="USD", promised_on=in_days(1), follow_up_on=in_days(1))
    assert count() == few
    # session, user, groups, the page (with its customers and the notes' figures), the promises
    assert few <= 6


def test_follow_ups_due_today_or_earlier_from_each_customers_newest_plan(viewer):
    due_today, planned_later, replaced, never = (approved_customer() for _ in range(4))
    today = note(
        due_today, follow_up_on=in_days(0), promised_amount=900, promised_currency="USD", promised_on=in_days(0)
    )
    note(planned_later, follow_up_on=in_days(3))
    note(replaced, follow_up_on=in_days(0))
    note(replaced, text="They called back", follow_up_on=in_days(7))
    note(never, text="No follow-up needed")
    response = viewer.get(FOLLOW_UPS)
    assert [row.note.id for row in response.context["rows"]] == [today.id]
    assert "9.00 USD" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        response = viewer.get(FOLLOW_UPS)
    assert [row.note.customer_id for row in response.context["rows"]] == [due_today.id, planned_later.id]
    html = response.content.decode()
    assert "Overdue" in html and "Promise broken" in html


def test_follow_ups_take_the_same_queries_however_many(viewer):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get(FOLLOW_UPS).status_code == 200
        return len(queries)

    note(approved_customer(), follow_up_on=in_days(0))
    few = count()
    for _ in range(5):
        note(approved_customer(), follow_up_on=in_days(0))
    assert count() == few
