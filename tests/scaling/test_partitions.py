"""Partitioned history (core/partitions.py): the ledger and the event log are range-partitioned on PostgreSQL by the
month of their ids;
rows land in their month (or the default partition), months are made ahead and absorb what the default partition
caught, the append-only trigger and reconciliation hold on every partition, the migration moves existing rows both
ways, and the hot queries are pruned to the months they can reach (EXPLAIN)."""

import io
import json
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from core import ids
from core.ids import first_id_at, id_time, new_id
from core.models import Event, WebhookAttempt, WebhookDelivery
from core.partitions import (
    add_months,
    create_month_partition,
    default_partition_name,
    ensure_partitions,
    month_bounds,
    month_start,
    partition_name,
    partitions,
)
from credit.models import CreditLedgerEntry
from credit.services import credit_transaction_bill
from tests.api.conftest import Api, make_api_key
from tests.core.test_email_embedded_default import embedded_default_env, manage
from tests.credit.builders import API, approved_customer
from tests.credit.test_reconcile import reconcile
from tests.factories import EventFactory, WebhookAttemptFactory, WebhookDeliveryFactory

LEDGER = "credit_creditledgerentry"
EVENTS = "core_event"
THIS_MONTH = month_start(datetime.now(UTC).date())


def located(table: str, row_id: str) -> str:
    """The partition holding a row."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{table}" WHERE id = %s', [row_id])
        return cursor.fetchone()[0]


def attached(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [part.name for part in partitions(cursor, table)]


def make_month(table: str, prefix: str, month: date) -> None:
    with connection.cursor() as cursor:
        create_month_partition(cursor, table, prefix, month)


@contextmanager
def at(month: date, day: int = 10):
    """In `month`: the ids made meanwhile are of that month (the id generator forgets the later ids it made, which
    it would otherwise count on from)."""
    ids._last = 0
    with time_machine.travel(datetime(month.year, month.month, day, 12, tzinfo=UTC), tick=True):
        yield


def scanned(sql: str) -> tuple[set[str], set[str]]:
    """The tables a statement's plan reads (EXPLAIN: after PostgreSQL's plan-time partition pruning): those of the
    statement itself, and those of its sub-plans (an EXISTS)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    main: set[str] = set()
    sub: set[str] = set()

    def walk(node: dict, found: set[str]) -> None:
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child, sub if child.get("Parent Relationship") in ("InitPlan", "SubPlan") else found)

    walk(plan[0]["Plan"], main)
    return main, sub


def the_query(queries, table: str) -> str:
    """The one captured statement selecting rows of `table` (the page's own query, not its capped count)."""
    matching = [query["sql"] for query in queries if query["sql"].startswith(f'SELECT "{table}"."id"')]
    assert len(matching) == 1, matching
    return matching[0]


def months(table: str, first: date, last: date) -> set[str]:
    names, month = set(), first
    while month <= last:
        names.add(partition_name(table, month))
        month = add_months(month, 1)
    return names


def attached_months(table: str, *, since: date = date.min, until: date = date.max) -> set[str]:
    """The attached monthly partitions of `table` from `since` to `until`, and the default partition."""
    with connection.cursor() as cursor:
        return {part.name for part in partitions(cursor, table) if part.month is None or since <= part.month <= until}


def test_ids_bound_a_month_exactly(monkeypatch):
    lower, upper = month_bounds("cle", date(2026, 2, 1))
    assert lower == first_id_at("cle", datetime(2026, 2, 1, tzinfo=UTC))
    assert id_time(lower) == datetime(2026, 2, 1, tzinfo=UTC)
    assert id_time(upper) == datetime(2026, 3, 1, tzinfo=UTC)
    # Ids stay monotonic within a process: an id made earlier in this run (today) would make the ones below its
    # increments. Start from none, as a process started on those dates would (the conftest fixture restores it).
    monkeypatch.setattr(ids, "_last", 0)
    with time_machine.travel(datetime(2026, 2, 28, 23, 59, 59, 999_000, tzinfo=UTC), tick=False):
        last = new_id("cle")
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=UTC), tick=False):
        first_of_next = new_id("cle")
    assert lower <= last < upper <= first_of_next


@pytest.mark.django_db
def test_the_ledger_has_a_partition_per_month_ahead_and_a_default_one():
    names = attached(LEDGER)
    assert set(names) >= months(LEDGER, THIS_MONTH, add_months(THIS_MONTH, 3)) | {default_partition_name(LEDGER)}
    assert names[-1] == default_partition_name(LEDGER)


@pytest.mark.django_db
def test_entries_land_in_the_partition_of_their_month():
    old_month = add_months(THIS_MONTH, -5)
    make_month(LEDGER, "cle", old_month)
    with at(old_month):
        old_customer = approved_customer(limit=100_000)
    customer = approved_customer(limit=100_000)
    (old_entry,) = CreditLedgerEntry.objects.filter(customer=old_customer)
    (entry,) = CreditLedgerEntry.objects.filter(customer=customer)
    assert located(LEDGER, old_entry.id) == partition_name(LEDGER, old_month)
    assert located(LEDGER, entry.id) == partition_name(LEDGER, THIS_MONTH)


@pytest.mark.django_db
def test_the_default_partition_takes_a_month_without_one_until_the_task_makes_it():
    far = add_months(THIS_MONTH, 7)
    with at(far):
        customer = approved_customer(limit=100_000)
        credit_transaction_bill(customer=customer, actor=API, amount=1_000, currency_code="USD")
    entries = list(CreditLedgerEntry.objects.filter(customer=customer).values_list("id", flat=True))
    assert len(entries) == 2
    assert {located(LEDGER, entry) for entry in entries} == {default_partition_name(LEDGER)}

    created = ensure_partitions(months_ahead=0, today=far)

    assert partition_name(LEDGER, far) in created
    assert {located(LEDGER, entry) for entry in entries} == {partition_name(LEDGER, far)}
    assert ensure_partitions(months_ahead=0, today=far) == []  # made once
    # Moved, not changed: still append-only, still reconciling.
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditLedgerEntry.objects.filter(pk=entries[0]).update(reason="edited")
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditLedgerEntry.objects.filter(pk=entries[0]).delete()
    with connection.cursor() as cursor:  # and on again on the default partition
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
            [default_partition_name(LEDGER)],
        )
        assert cursor.fetchall() == [("credit_ledger_append_only", "O")]
    failure, out, _ = reconcile()
    assert failure is None, out


@pytest.mark.django_db
def test_the_ledger_page_reads_only_the_months_its_cursor_can_reach():
    """The ledger page of a customer (GET /customers/{id}/ledger, oldest first): a page after a cursor is pruned at
    plan time to the cursor's month onwards, and its has-previous probe to the months up to the cursor's (each with
    the default partition). The first page has no id bound: it reads every month (each month's
    (customer_id, id) index once)."""
    for back in (1, 2, 3):
        make_month(LEDGER, "cle", add_months(THIS_MONTH, -back))
    with at(add_months(THIS_MONTH, -2)):
        customer = approved_customer(limit=100_000)
    credit_transaction_bill(customer=customer, actor=API, amount=1_000, currency_code="USD")
    grant, reserve = CreditLedgerEntry.objects.filter(customer=customer).order_by("id")
    api = Api(make_api_key())

    with CaptureQueriesContext(connection) as first_page:
        assert api.get(f"customers/{customer.id}/ledger", per_page=1).status_code == 200
    assert scanned(the_query(first_page, LEDGER)) == (set(attached(LEDGER)), set())

    with CaptureQueriesContext(connection) as next_page:
        response = api.get(f"customers/{customer.id}/ledger", per_page=1, after=grant.id)
    assert [item["id"] for item in response.json()["data"]] == [reserve.id]
    page, has_previous = scanned(the_query(next_page, LEDGER))
    assert page == attached_months(LEDGER, since=add_months(THIS_MONTH, -2))
    assert has_previous == attached_months(LEDGER, until=add_months(THIS_MONTH, -2))
    assert partition_name(LEDGER, add_months(THIS_MONTH, -3)) not in page
    assert partition_name(LEDGER, THIS_MONTH) not in has_previous

    with CaptureQueriesContext(connection) as previous_page:
        api.get(f"customers/{customer.id}/ledger", per_page=1, before=reserve.id)
    page, has_more = scanned(the_query(previous_page, LEDGER))
    assert page == attached_months(LEDGER, until=THIS_MONTH)
    assert has_more == attached_months(LEDGER, since=THIS_MONTH)
    assert partition_name(LEDGER, add_months(THIS_MONTH, 1)) not in page
    assert partition_name(LEDGER, add_months(THIS_MONTH, -3)) not in has_more


@pytest.fixture
def ledger_before_partitioning():
    """Put the ledger back as credit 0006 left it (a plain table, the rows copied back) when the test asks, after
    building its rows with today's models; put forward again after the test."""

    def back_to_0006():
        executor = MigrationExecutor(connection)
        executor.migrate([("credit", "0006_currency_codes_from_iso4217_table")])

    try:
        yield back_to_0006
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_rows_into_their_months_and_back(ledger_before_partitioning):
    with at(add_months(THIS_MONTH, -14)):
        old = approved_customer(limit=100_000)
    new = approved_customer(limit=200_000)
    ledger_before_partitioning()  # the rows built by today's services, then the schema taken back
    assert attached(LEDGER) == []
    ids = {entry.customer_id: entry.id for entry in CreditLedgerEntry.objects.all()}

    executor = MigrationExecutor(connection)
    executor.migrate([("credit", "0007_partition_ledger")])

    assert located(LEDGER, ids[old.id]) == partition_name(LEDGER, add_months(THIS_MONTH, -14))
    assert located(LEDGER, ids[new.id]) == partition_name(LEDGER, THIS_MONTH)
    assert set(attached(LEDGER)) == months(LEDGER, add_months(THIS_MONTH, -14), add_months(THIS_MONTH, 3)) | {
        default_partition_name(LEDGER)
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s", [LEDGER, "ledger_%"]
        )
        assert {row[0] for row in cursor.fetchall()} == {"ledger_customer_id_idx", "ledger_balance_id_idx"}
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditLedgerEntry.objects.filter(pk=ids[old.id]).delete()
    failure, out, _ = reconcile()
    assert failure is None, out

    executor = MigrationExecutor(connection)
    executor.migrate([("credit", "0006_currency_codes_from_iso4217_table")])
    assert attached(LEDGER) == []
    assert set(CreditLedgerEntry.objects.values_list("id", flat=True)) == set(ids.values())
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditLedgerEntry.objects.filter(pk=ids[old.id]).delete()


@pytest.mark.slow
def test_the_embedded_sqlite_default_keeps_plain_tables(tmp_path):
    """Partitioning is PostgreSQL's: on the embedded SQLite the migrations run both ways and change nothing, and the
    task makes no partition."""
    env = embedded_default_env(tmp_path)
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("migrate", "credit", "0006", "--no-input", "-v", "0", env=env)
    manage("migrate", "--no-input", "-v", "0", env=env)
    script = "from core.tasks import ensure_partitions; print(ensure_partitions())"
    assert manage("shell", "-c", script, env=env).stdout.strip().splitlines()[-1] == "[]"
    assert "PostgreSQL only" in manage("detach_event_partitions", env=env).stderr


@pytest.mark.django_db
def test_events_land_in_their_month_and_deliveries_still_need_their_event():
    old_month = add_months(THIS_MONTH, -4)
    make_month(EVENTS, "evt", old_month)
    with at(old_month):
        old = EventFactory()
    new = EventFactory()
    assert located(EVENTS, old.id) == partition_name(EVENTS, old_month)
    assert located(EVENTS, new.id) == partition_name(EVENTS, THIS_MONTH)
    WebhookDeliveryFactory(event=old)
    with pytest.raises(IntegrityError), transaction.atomic():  # the foreign key to the partitioned log holds
        WebhookDeliveryFactory(event_id=first_id_at("evt", datetime.now(UTC)))
        connection.check_constraints()


@pytest.mark.django_db
def test_a_month_made_late_takes_its_events_from_the_default_partition_with_their_deliveries():
    far = add_months(THIS_MONTH, 6)
    with at(far):
        delivery = WebhookDeliveryFactory()
    assert located(EVENTS, delivery.event_id) == default_partition_name(EVENTS)

    assert partition_name(EVENTS, far) in ensure_partitions(months_ahead=0, today=far)

    assert located(EVENTS, delivery.event_id) == partition_name(EVENTS, far)
    connection.check_constraints()  # the delivery's (deferred) foreign key finds its event in its month
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_the_task_makes_the_past_months_the_default_partition_caught(caplog):
    """The task stopped for longer than it makes months ahead: the rows of the months it missed wait in the default
    partition until it runs again, which makes those months too."""
    missed = add_months(THIS_MONTH, -30)  # no test makes partitions this far back
    with at(missed):
        event = EventFactory()
    assert located(EVENTS, event.id) == default_partition_name(EVENTS)

    assert partition_name(EVENTS, missed) in ensure_partitions()

    assert located(EVENTS, event.id) == partition_name(EVENTS, missed)
    assert "holds rows" not in caplog.text
    Event.objects.create(id="evt_" + "z" * 26, event_type="customer.created", data={}, actor_type="system")
    ensure_partitions()
    assert "core_event_default holds rows of no month" in caplog.text


@pytest.mark.django_db
def test_the_event_log_pages_read_only_the_months_their_cursor_can_reach():
    """GET /events (oldest first) and an event by id, the dispatcher's lookup: by id, one month; after a cursor, the
    cursor's month onwards; the first page has no id bound and reads every month (each month's primary key index
    once)."""
    for back in (1, 2):
        make_month(EVENTS, "evt", add_months(THIS_MONTH, -back))
    with at(add_months(THIS_MONTH, -1)):
        first = EventFactory()
    second = EventFactory()
    api = Api(make_api_key())

    with CaptureQueriesContext(connection) as first_page:
        assert api.get("events", per_page=1).json()["data"][0]["id"] == first.id
    assert scanned(the_query(first_page, EVENTS)) == (attached_months(EVENTS), set())

    with CaptureQueriesContext(connection) as next_page:
        assert api.get("events", per_page=1, after=first.id).json()["data"][0]["id"] == second.id
    page, has_previous = scanned(the_query(next_page, EVENTS))
    assert page == attached_months(EVENTS, since=add_months(THIS_MONTH, -1))
    assert has_previous == attached_months(EVENTS, until=add_months(THIS_MONTH, -1))
    assert partition_name(EVENTS, add_months(THIS_MONTH, -2)) not in page

    # A time range bounds the ids too (core.ids.id_bound, a day of slack): the months outside it are not read.
    last_month = add_months(THIS_MONTH, -1)
    with CaptureQueriesContext(connection) as in_range:
        found = api.get(
            "events",
            occurred_at_start=f"{last_month.isoformat()}T00:00:00Z",
            occurred_at_end=f"{last_month.replace(day=25).isoformat()}T00:00:00Z",
        ).json()["data"]
    assert [event["id"] for event in found] == [first.id]
    assert scanned(the_query(in_range, EVENTS)) == ({partition_name(EVENTS, add_months(THIS_MONTH, -2)),
                                                     partition_name(EVENTS, last_month)}, set())  # fmt: skip

    by_id = str(Event.objects.filter(pk=second.id, dispatched_at__isnull=True).query)
    assert scanned(by_id.replace(second.id, f"'{second.id}'")) == ({partition_name(EVENTS, THIS_MONTH)}, set())


def detach(*args: str) -> str:
    out = io.StringIO()
    call_command("detach_event_partitions", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_old_event_months_are_detached_with_their_deliveries(settings):
    settings.EVENT_RETENTION_MONTHS = 3
    old_month, kept_month = add_months(THIS_MONTH, -5), add_months(THIS_MONTH, -3)
    for month in (old_month, kept_month):
        make_month(EVENTS, "evt", month)
    with at(old_month):
        old_delivery = WebhookAttemptFactory().delivery
        old_event = EventFactory()
    with at(kept_month):
        kept_delivery = WebhookDeliveryFactory()
    old_partition = partition_name(EVENTS, old_month)

    assert f"would detach {old_partition}" in detach("--dry-run")
    assert old_partition in attached(EVENTS)

    assert f"detached {old_partition}" in detach()

    assert old_partition not in attached(EVENTS)
    assert partition_name(EVENTS, kept_month) in attached(EVENTS)
    assert not Event.objects.filter(pk=old_event.pk).exists()
    assert not WebhookDelivery.objects.filter(pk=old_delivery.pk).exists()
    assert not WebhookAttempt.objects.filter(delivery_id=old_delivery.pk).exists()
    assert WebhookDelivery.objects.filter(pk=kept_delivery.pk).exists()
    with connection.cursor() as cursor:  # kept as a table of its own, to archive
        cursor.execute(f'SELECT id FROM "{old_partition}" ORDER BY id')
        assert [row[0] for row in cursor.fetchall()] == sorted([old_delivery.event_id, old_event.id])
    assert "No event partition is older than the retention." in detach()

    assert f"detached and dropped {partition_name(EVENTS, kept_month)}" in detach("--retention-months", "2", "--drop")
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition_name(EVENTS, kept_month)])
        assert cursor.fetchone()[0] is None
    assert partition_name(EVENTS, THIS_MONTH) in attached(EVENTS)
    with pytest.raises(CommandError, match="at least one month"):
        detach("--retention-months", "0")
