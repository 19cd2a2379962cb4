"""Monthly partitions of the append-only history tables on PostgreSQL (docs/scaling.md, "Partitioned history").

A table listed in settings.PARTITIONED_MODELS is range-partitioned on its primary key, the id: a prefixed ULID whose
first 48 bits are the millisecond it was made, so the ids made in a month are one id range,
[first_id_at(month start), first_id_at(next month start)). The partition key is the primary key itself, so the
primary key (and a foreign key to the table) stays the single column the ORM knows, and every query that bounds the
id (a cursor page, a lookup by id) is pruned by the planner to the months it can reach.

Each table has a partition per month, named `<table>_pYYYYMM`, created ahead of time (`ensure_partitions`, a daily
beat task), and a default partition `<table>_default` as a safety net: a row whose month has no partition (the
beat stopped for months, an id of another shape) is still written. When a month's partition is then created, the
rows of that month already in the default partition are moved into it.

Every statement here runs inside the caller's transaction (PgBouncer's transaction pooling keeps no session): the
migrations' transaction, or `transaction.atomic()` in the task and the command. On any other database (the embedded
SQLite default) the tables stay plain and these functions do nothing.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.apps import apps
from django.conf import settings
from django.db import connection, migrations, transaction
from django.utils import timezone

from core.ids import first_id_at, id_time, is_valid_id
from core.models import Event, WebhookAttempt, WebhookDelivery

# The migration that partitions a table makes the months of its existing rows, at most this many back (older rows
# go to the default partition, still readable).
MAX_MONTHS_BACK = 120


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None: the default partition
    rows_estimate: int


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _moment(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def month_bounds(prefix: str, month: date) -> tuple[str, str]:
    """The id range [lower, upper) of the ids of `prefix` made in `month`."""
    return first_id_at(prefix, _moment(month)), first_id_at(prefix, _moment(add_months(month, 1)))


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month.year:04d}{month.month:02d}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


def partitioned_tables() -> list[tuple[str, str]]:
    """(table, id prefix) of each model of settings.PARTITIONED_MODELS."""
    models = [apps.get_model(label) for label in settings.PARTITIONED_MODELS]
    return [(model._meta.db_table, model._meta.pk.prefix) for model in models]


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))", [table])
    return cursor.fetchone()[0]


def partitions(cursor, table: str) -> list[Partition]:
    """The partitions attached to `table`, months first (oldest first), then the default one."""
    cursor.execute(
        "SELECT child.relname, child.reltuples::bigint FROM pg_inherits "
        "JOIN pg_class child ON child.oid = pg_inherits.inhrelid WHERE pg_inherits.inhparent = to_regclass(%s)",
        [table],
    )
    found = []
    for name, rows in cursor.fetchall():
        suffix = name.removeprefix(table + "_p")
        month = date(int(suffix[:4]), int(suffix[4:6]), 1) if suffix != name and suffix.isdigit() else None
        found.append(Partition(name, month, max(rows, 0)))
    return sorted(found, key=lambda part: (part.month is None, part.month or date.min))


def create_month_partition(cursor, table: str, prefix: str, month: date) -> bool:
    """Attach a partition for `month` to `table` unless it exists; False when it did. Rows of that month already in
    the default partition are moved into it first (ATTACH refuses while the default partition holds any)."""
    name, default = partition_name(table, month), default_partition_name(table)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        return False
    lower, upper = month_bounds(prefix, month)
    attach = (f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)', [lower, upper])
    # A plain table attached afterwards: ATTACH locks the parent less than CREATE TABLE … PARTITION OF (writes go on).
    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{default}" WHERE id >= %s AND id < %s)', [lower, upper])
    if not cursor.fetchone()[0]:
        cursor.execute(*attach)
        return True
    # The rare path (the task did not run for months): move the rows, with the foreign keys pointing at the table
    # lifted meanwhile (PostgreSQL checks a key deleted from one partition in that partition only, not in the one it
    # moves to) and put back, checked over every row, once the rows are in their month.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks already queued in this transaction run now…
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # …so that ALTER TABLE finds none pending
    referencing = _referencing(cursor, table)
    for referrer, constraint, _ in referencing:
        cursor.execute(f'ALTER TABLE {referrer} DROP CONSTRAINT "{constraint}"')
    _move_from_default(cursor, default, name, lower, upper)
    cursor.execute(*attach)
    for referrer, constraint, definition in referencing:
        cursor.execute(f'ALTER TABLE {referrer} ADD CONSTRAINT "{constraint}" {definition}')
    return True


def _move_from_default(cursor, default: str, partition: str, lower: str, upper: str) -> None:
    """Move the rows of [lower, upper) from the default partition into the (not yet attached) `partition`. Moving a
    row is not changing it: the append-only trigger is held off on the default partition for this one statement."""
    cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal", [default])
    triggers = cursor.fetchone()[0] > 0
    if triggers:
        cursor.execute(f'ALTER TABLE "{default}" DISABLE TRIGGER USER')
    cursor.execute(
        f'WITH moved AS (DELETE FROM "{default}" WHERE id >= %s AND id < %s RETURNING *) '
        f'INSERT INTO "{partition}" SELECT * FROM moved',
        [lower, upper],
    )
    if triggers:
        cursor.execute(f'ALTER TABLE "{default}" ENABLE TRIGGER USER')


def ensure_partitions(*, months_ahead: int | None = None, today: date | None = None) -> list[str]:
    """Make sure every partitioned table has a partition for this month and the next `months_ahead`
    (settings.PARTITION_MONTHS_AHEAD); the names of those created. Nothing off PostgreSQL."""
    if connection.vendor != "postgresql":
        return []
    ahead = settings.PARTITION_MONTHS_AHEAD if months_ahead is None else months_ahead
    this_month = month_start(today or timezone.now().date())
    created = []
    for table, prefix in partitioned_tables():
        for offset in range(ahead + 1):
            month = add_months(this_month, offset)
            with transaction.atomic(), connection.cursor() as cursor:
                # ATTACH waits for the queries reading the default partition, and every query queued behind it would
                # wait too: it gives up after a few seconds instead (tomorrow's run tries again, months ahead).
                cursor.execute("SET LOCAL lock_timeout = '5s'")
                if is_partitioned(cursor, table) and create_month_partition(cursor, table, prefix, month):
                    created.append(partition_name(table, month))
    return created


def detach_event_months(
    *, retention_months: int | None = None, drop: bool = False, dry_run: bool = False, today: date | None = None
) -> list[Partition]:
    """Detach the event log's monthly partitions whose month ended more than `retention_months`
    (settings.EVENT_RETENTION_MONTHS) ago; the partitions concerned. The webhook deliveries of their events (and those
    deliveries' attempts) are deleted first, in the same transaction: nothing may point at an event that left the log.
    A detached partition stays as a table of its own (to archive, e.g. with pg_dump -t) unless `drop`. The default
    partition is never detached. Nothing off PostgreSQL."""
    if connection.vendor != "postgresql":
        return []
    months = settings.EVENT_RETENTION_MONTHS if retention_months is None else retention_months
    if months < 1:
        raise ValueError("The retention must be at least one month.")
    cutoff = add_months(month_start(today or timezone.now().date()), -months)
    table, prefix = Event._meta.db_table, Event._meta.pk.prefix
    deliveries, attempts = WebhookDelivery._meta.db_table, WebhookAttempt._meta.db_table
    with connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return []
        old = [part for part in partitions(cursor, table) if part.month is not None and part.month < cutoff]
    if dry_run:
        return old
    for part in old:
        lower, upper = month_bounds(prefix, part.month)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f'DELETE FROM "{attempts}" WHERE delivery_id IN '
                f'(SELECT id FROM "{deliveries}" WHERE event_id >= %s AND event_id < %s)',
                [lower, upper],
            )
            cursor.execute(f'DELETE FROM "{deliveries}" WHERE event_id >= %s AND event_id < %s', [lower, upper])
            cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{part.name}"')
            if drop:
                cursor.execute(f'DROP TABLE "{part.name}"')
    return old


# --- Migrations: turn a plain table into a partitioned one and back, moving its rows ---------------------------------


def _referencing(cursor, table: str) -> list[tuple[str, str, str]]:
    """(table, name, definition) of each foreign key of another table pointing at `table`."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE confrelid = to_regclass(%s) AND contype = 'f' AND conparentid = 0 ORDER BY conname",
        [table],
    )
    return cursor.fetchall()


def _definition(cursor, table: str) -> dict:
    """What a rebuild must put back: the primary key, unique and foreign-key constraints (CHECK constraints and
    defaults are copied by CREATE TABLE … LIKE), the indexes, the foreign keys of other tables pointing at it, the
    user triggers; with their names, so the migrations' later operations find them."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'u', 'f') ORDER BY contype = 'f', conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s)) ORDER BY indexname",
        [table, table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    referencing = _referencing(cursor, table)
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal "
        "AND tgparentid = 0 ORDER BY tgname",
        [table],
    )
    triggers = [row[0] for row in cursor.fetchall()]
    return {"constraints": constraints, "indexes": indexes, "referencing": referencing, "triggers": triggers}


def _rebuild(cursor, table: str, create_sql: str, make_partitions=None) -> None:
    """Rename `table` away, create it anew with `create_sql` (and its partitions), copy the rows, drop the old one,
    and put back its constraints, indexes, triggers and the foreign keys pointing at it (built once, over all the
    rows, after the copy: faster than maintaining them row by row)."""
    definition = _definition(cursor, table)
    old = f"{table}__old"
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    cursor.execute(create_sql.format(table=f'"{table}"', old=f'"{old}"'))
    if make_partitions:
        make_partitions(old)
    cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
    for referrer, name, _ in definition["referencing"]:
        cursor.execute(f'ALTER TABLE {referrer} DROP CONSTRAINT "{name}"')
    cursor.execute(f'DROP TABLE "{old}"')
    for name, constraint in definition["constraints"]:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {constraint}')
    for statement in definition["indexes"] + definition["triggers"]:
        cursor.execute(statement)
    for referrer, name, constraint in definition["referencing"]:
        cursor.execute(f'ALTER TABLE {referrer} ADD CONSTRAINT "{name}" {constraint}')


def partition_by_month(cursor, table: str, prefix: str, *, today: date | None = None) -> None:
    """Make `table` partitioned by the month of its ids, with a partition for each month from its oldest row's to
    settings.PARTITION_MONTHS_AHEAD after this one, and the default partition; its rows moved in."""
    this_month = month_start(today or timezone.now().date())

    def make_partitions(old: str) -> None:
        cursor.execute(f'SELECT min(id) FROM "{old}"')
        oldest = cursor.fetchone()[0]
        first = this_month
        if oldest and is_valid_id(oldest, prefix):
            first = max(min(month_start(id_time(oldest).date()), this_month), add_months(this_month, -MAX_MONTHS_BACK))
        cursor.execute(f'CREATE TABLE "{default_partition_name(table)}" PARTITION OF "{table}" DEFAULT')
        month = first
        while month <= add_months(this_month, settings.PARTITION_MONTHS_AHEAD):
            lower, upper = month_bounds(prefix, month)
            cursor.execute(
                f'CREATE TABLE "{partition_name(table, month)}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s)',
                [lower, upper],
            )
            month = add_months(month, 1)

    _rebuild(
        cursor,
        table,
        "CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (id)",
        make_partitions,
    )


def unpartition(cursor, table: str) -> None:
    """The reverse of partition_by_month: `table` a plain table again, with every row of every partition."""
    _rebuild(cursor, table, "CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")


def partition_by_month_operation(table: str, prefix: str) -> migrations.RunPython:
    """A migration operation partitioning `table` on PostgreSQL (reversible); nothing on other databases."""

    def forward(apps_registry, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                partition_by_month(cursor, table, prefix)

    def backward(apps_registry, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                unpartition(cursor, table)

    return migrations.RunPython(forward, backward, elidable=False)
