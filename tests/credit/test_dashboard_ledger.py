"""The dashboard's top exposures and credit used over the last 90 days (credit.dashboard): the numbers against a ledger
built by hand through the services, a fixed number of queries, and the 90-day read pruned to the last months' ledger
partitions and served by its index."""

from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import ids
from core.partitions import add_months, month_start, partition_name
from credit.dashboard import CREDIT_USED_DAYS, credit_used_by_day, dashboard_metrics, top_exposures
from credit.services import credit_transaction_repay
from tests.credit.builders import API, approved_customer, completed_transaction, grant_line
from tests.scaling.test_partitions import LEDGER, make_month, scanned

pytestmark = pytest.mark.django_db


@contextmanager
def on(moment: datetime):
    """At `moment`: the rows (and ids) made meanwhile are of that moment."""
    ids._last = 0  # the id generator would otherwise count on from the later ids it made (conftest restores it)
    with time_machine.travel(moment, tick=False):
        yield


def days_ago(days: int, at: time = time(12)) -> datetime:
    return datetime.combine(timezone.localdate() - timedelta(days=days), at, tzinfo=UTC)


def test_credit_used_by_day_follows_the_ledger_uses_and_repayments():
    window_start = days_ago(CREDIT_USED_DAYS - 1, time.min)
    with on(days_ago(120)):
        old, recent, before, inside = (approved_customer(limit=500_000) for _ in range(4))
        euro = approved_customer(limit=100_000, currency="EUR")
        unused = approved_customer(limit=100_000)
        grant_line(unused, 50_000, currency="CAD")  # a line in CAD, nothing used: no CAD history
    with on(days_ago(100)):
        first = completed_transaction(old, 100_000)  # before the window: only in the level it starts from
    with on(window_start - timedelta(minutes=1)):
        completed_transaction(before, 4_000)  # a minute too early
    with on(window_start + timedelta(minutes=1)):
        completed_transaction(inside, 6_000)  # the first day
    with on(days_ago(30)):
        completed_transaction(recent, 50_000)
        credit_transaction_repay(credit_transaction=first, actor=API, amount=20_000)
    with on(days_ago(5)):
        completed_transaction(euro, 7_000)
    with on(days_ago(2)):
        credit_transaction_repay(credit_transaction=first, actor=API, amount=30_000)
    completed_transaction(recent, 10_000)  # today

    usd, eur = dashboard_metrics().credit_used
    assert (usd.currency_code, eur.currency_code) == ("USD", "EUR")
    assert len(usd.days) == len(eur.days) == CREDIT_USED_DAYS
    assert usd.days[0].day == window_start.date() and usd.days[-1].day == timezone.localdate()
    moved = [(day.day, day.used, day.repaid, day.net, day.used_after) for day in usd.moved]
    assert moved == [
        (timezone.localdate(), 10_000, 0, 10_000, 120_000),
        (days_ago(2).date(), 0, 30_000, -30_000, 110_000),
        (days_ago(30).date(), 50_000, 20_000, 30_000, 140_000),
        (window_start.date(), 6_000, 0, 6_000, 110_000),
    ]
    # The days between carry the level of the last movement; used now is the balances' used credit.
    by_day = {day.day: day.used_after for day in usd.days}
    assert by_day[days_ago(31).date()] == 110_000 and by_day[days_ago(3).date()] == 140_000
    assert (usd.highest.day, usd.highest.used_after) == (days_ago(3).date(), 140_000)
    assert [(day.day, day.used, day.used_after) for day in eur.moved] == [(days_ago(5).date(), 7_000, 7_000)]
    assert eur.days[0].used_after == 0


def test_a_currency_with_credit_used_but_no_movement_in_the_period_is_flat():
    with on(days_ago(200)):
        completed_transaction(approved_customer(limit=10_000), 2_500)
    (usd,) = dashboard_metrics().credit_used
    assert usd.moved == [] and {day.used_after for day in usd.days} == {2_500}


def test_no_credit_used_no_history():
    approved_customer(limit=10_000)
    assert dashboard_metrics().credit_used == []


def test_top_exposures_list_the_ten_most_used_balances_per_currency():
    customers = [approved_customer(limit=100_000) for _ in range(12)]
    for index, customer in enumerate(customers):
        completed_transaction(customer, 1_000 * (index + 1))
    tied = approved_customer(limit=100_000)
    completed_transaction(tied, 12_000)  # as much as the largest: the older customer first
    approved_customer(limit=100_000)  # nothing used: never listed
    euros = [approved_customer(limit=100_000, currency="EUR") for _ in range(2)]
    completed_transaction(euros[0], 300)
    completed_transaction(euros[1], 900)

    usd, eur = dashboard_metrics().top_exposures
    assert usd.currency_code == "USD"
    assert [(balance.customer_id, balance.used) for balance in usd.balances] == [
        (customers[11].id, 12_000),
        (tied.id, 12_000),
        *((customers[index].id, 1_000 * (index + 1)) for index in range(10, 2, -1)),
    ]
    assert [(balance.customer, balance.used) for balance in eur.balances] == [(euros[1], 900), (euros[0], 300)]


def test_each_figure_takes_a_fixed_number_of_queries_whatever_the_currencies():
    for currency in ("USD", "EUR", "CAD"):
        customer = approved_customer(limit=100_000, currency=currency)
        completed_transaction(customer, 5_000)
        credit_transaction_repay(credit_transaction=customer.credit_transactions.get(), actor=API, amount=1_000)
    for read, count in (
        (lambda: top_exposures(currencies=["USD", "EUR", "CAD"]), 2),  # the ranking, then the few with customers
        (lambda: credit_used_by_day(now=timezone.now(), used_now={"USD": 4_000, "EUR": 4_000, "CAD": 4_000}), 1),
    ):
        with CaptureQueriesContext(connection) as queries:
            result = read()
        assert len(queries) == count
        assert [group.currency_code for group in result] == ["USD", "EUR", "CAD"]
    groups = top_exposures(currencies=["USD", "EUR", "CAD"])
    with CaptureQueriesContext(connection) as queries:
        [str(balance.customer) for group in groups for balance in group.balances]
    assert len(queries) == 0  # the customers come with their balances


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions and index-only scans are PostgreSQL's")
def test_the_90_days_read_only_the_last_months_partitions_through_the_index():
    this_month = month_start(timezone.localdate())
    for back in range(1, 7):
        make_month(LEDGER, "cle", add_months(this_month, -back))
    completed_transaction(approved_customer(limit=10_000), 1_000)
    with CaptureQueriesContext(connection) as queries:
        credit_used_by_day(now=timezone.now(), used_now={"USD": 1_000})
    (sql,) = [query["sql"] for query in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a near-empty table: show what the index can serve
        tables, _ = scanned(sql)
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = inhrelid "
            "JOIN pg_class parent ON parent.oid = inhparent WHERE parent.relname = 'ledger_used_moves_idx'"
        )
        month_indexes = {name for (name,) in cursor.fetchall()}
    # 90 days and a day of clock slack back reach at most four months (this one and three before).
    oldest_read = month_start(timezone.localdate() - timedelta(days=CREDIT_USED_DAYS + 1))
    for back in range(1, 7):
        month = add_months(this_month, -back)
        assert (partition_name(LEDGER, month) in tables) == (month >= oldest_read), month
    assert partition_name(LEDGER, this_month) in tables
    # The read's index stands on every month partition. Which index the planner picks on a near-empty table is its
    # choice (the id bound's primary key serves too); at 3M entries it is this one (docs/scaling.md).
    assert len(month_indexes) >= 7  # the six months made above and this one
    assert "Seq Scan" not in plan, plan  # an index serves each partition read
