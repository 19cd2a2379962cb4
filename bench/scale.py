"""`make bench-scale`: how the API's latency and the database's size grow with the customers, 100k → 1M → 10M.

One database grows: the first size is loaded and measured, then the next size's customers are added on top of it
and measured again, and so on (loading 10M from scratch after 1M would load 1M twice). Each size carries, per
customer, what bench/load.py makes (a user for one in two, a payment method each, an approved account with a
balance for about three in ten) plus the history that grows with a book: 7 ledger entries per balance (a grant, then
line adjustments down and up, every figure chaining from the grant) and 2 events per customer, so 10M customers come
with 21M ledger entries and 20M events, in their month partitions (made first, core.partitions.ensure_partitions,
so nothing lands in the default partition).

The rows are made by PostgreSQL itself (`INSERT … SELECT … FROM generate_series`), on two connections at once (the
customers' tables on one, the ledger and the events on the other), with the tables' secondary indexes dropped
before and built again after, and the foreign-key triggers off for the load (session_replication_role = replica:
the rows are consistent by construction); a Python COPY of 10M wide rows would take most of the hour alone. Ids
keep the app's shape (prefix_ + 26 lowercase Crockford digits, the first 10 the millisecond: core/ids.py): a
customer's moment is spread over the last three years by the golden ratio, so each size's customers interleave with
the earlier ones' as a real book's would, and its ledger entries and events follow it by hours and minutes.

At each size, after the load, the same gunicorn as `make bench` (bench/run.py's Bench: production settings, 2 sync
workers) serves the read scenarios a growing book stresses, at 2 clients (the query's time, not a queue), plus a
create: p50 and p99 per size, the p50 ratio of the largest size to the one before (target ≤ 1.2 from 1M to 10M), the
load's time and rows/s, and the tables' size (heap + indexes + TOAST) per million customers. Writes its section of
docs/benchmarks.md (which `make bench` keeps) and drops its database afterwards (`--keep` keeps it)."""

import argparse
import os
import platform
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import psycopg

from bench import run
from bench.load import CITIES, INDUSTRY, PREFIX_A, PREFIX_B, SUFFIX
from bench.load import CUSTOMER_COLUMNS as LOADED_CUSTOMER_COLUMNS

BEGIN, END = run.SCALE_BEGIN, run.SCALE_END
DIGITS = "0123456789abcdefghjkmnpqrstvwxyz"
GOLDEN = 0.6180339887498949
SPAN = timedelta(days=3 * 365)
ENTRIES_PER_BALANCE = 7
EVENTS_PER_CUSTOMER = 2
TARGET_RATIO = 1.2
TARGETED = ("get one", "list first page", "list at 99% depth", "search=", "ledger page", "credit-balances")
CUSTOMER_TABLES = (
    "customers_customer",
    "customers_customeruser",
    "customers_paymentmethod",
    "credit_creditaccount",
    "credit_creditbalance",
)
HISTORY_TABLES = ("credit_creditledgerentry", "core_event")
CUSTOMER_COLUMNS = ", ".join(LOADED_CUSTOMER_COLUMNS)  # the columns bench/load.py fills, in its order


def base32(expression: str, digits: int) -> str:
    """SQL for the low `digits` * 5 bits of a bigint expression in lowercase Crockford base32 (core/ids.py)."""
    return " || ".join(
        f"substr('{DIGITS}', ((({expression}) >> {5 * (digits - 1 - k)}) & 31)::int + 1, 1)" for k in range(digits)
    )


def id_sql(prefix: str, millisecond: str, sequence: str) -> str:
    """SQL for an id like core.ids.new_id's made at `millisecond`: 10 digits of time, then 80 bits that are the row's
    sequence number (unique per table) and a hash of it, in place of the randomness."""
    hashed = f"(({sequence}) * 2654435761) & 1099511627775"
    return f"('{prefix}_' || {base32(millisecond, 10)} || {base32(sequence, 8)} || {base32(hashed, 8)})"


def sql_array(values) -> str:
    return "(ARRAY[" + ", ".join(f"'{value}'" for value in values) + "])"


def pick(values, number: str) -> str:
    """SQL for the element of `values` a (non-negative) bigint expression picks."""
    return f"{sql_array(values)}[(1 + ({number}) % {len(values)})::int]"


class Generator:
    """The INSERT … SELECT statements adding customers [first, last) and everything that hangs off them."""

    def __init__(self, start: datetime):
        self.start_ms = int(start.timestamp() * 1000)
        self.span_ms = int(SPAN.total_seconds() * 1000)

    def base(self, first: int, last: int) -> str:
        """Customers [first, last): number, creation millisecond and moment, id, approved (credit), archived."""
        fraction = f"(g.i * {GOLDEN}::float8 - floor(g.i * {GOLDEN}::float8))"
        return (
            "WITH base AS (SELECT g.i, m.ms, to_timestamp(m.ms / 1000.0) AS moment, "
            f"{id_sql('ctm', 'm.ms', 'g.i')} AS customer_id, "
            "g.i % 3 = 0 AND g.i % 10 <> 9 AS approved, g.i % 10 = 9 AS archived "
            f"FROM generate_series({int(first)}::bigint, {int(last) - 1}::bigint) AS g(i) "
            f"CROSS JOIN LATERAL (SELECT ({self.start_ms} + floor({fraction} * {self.span_ms}))::bigint AS ms) m) "
        )

    def customers(self, first: int, last: int) -> str:
        cities, states = sql_array(city for city, _ in CITIES), sql_array(state for _, state in CITIES)
        # ~12,000 distinct names as bench/load.py makes them: a first word matches about 1 customer in 600.
        name = (
            f"{pick(PREFIX_A, 'h')} || {pick(PREFIX_B, f'h / {len(PREFIX_A)}')} || ' ' || "
            f"{pick(INDUSTRY, f'h / {len(PREFIX_A) * len(PREFIX_B)}')} || ' ' || (i % 20)"
        )
        return self.base(first, last) + (
            f"INSERT INTO customers_customer ({CUSTOMER_COLUMNS}) "
            "SELECT customer_id, email, name, legal_name, 'en', external_id, ein, street, '', city, state, postal, "
            "'US', "
            "CASE WHEN approved THEN 'net30' END, false, CASE WHEN archived THEN 'archived' ELSE 'active' END, "
            "CASE WHEN archived THEN moment END, "
            "lower(name) || ' ' || lower(legal_name) || ' ' || email || ' ' || lower(external_id) || ' ' "
            "|| customer_id, "
            "moment, moment FROM ("
            f"SELECT n.*, n.name || ' ' || {sql_array(SUFFIX)}[(1 + n.i % {len(SUFFIX)})::int] AS legal_name, "
            "'ap' || n.i || '@' || lower(split_part(n.name, ' ', 1)) || n.i || '.com' AS email FROM ("
            f"SELECT c.*, {name} AS name, 'ERP-' || lpad(i::text, 8, '0') AS external_id, "
            "(10 + i % 89) || '-' || (1000000 + i % 8999999) AS ein, (100 + i % 9800) || ' Main St' AS street, "
            f"{cities}[(1 + i % {len(CITIES)})::int] AS city, {states}[(1 + i % {len(CITIES)})::int] AS state, "
            "(10000 + i % 89999)::text AS postal "
            "FROM (SELECT base.*, (base.i * 2654435761) % 4294967296 AS h FROM base) c) n) x"
        )

    def users(self, first: int, last: int) -> str:
        # One admin user for every other customer, as bench/load.py (a company's first user is its admin).
        return self.base(first, last) + (
            "INSERT INTO customers_customeruser (id, customer_id, email, first_name, last_name, status, "
            "payment_reminders, role, created_at, updated_at) "
            f"SELECT {id_sql('ctu', 'ms', 'i')}, customer_id, 'buyer' || i || '@example.com', 'Sam', 'Buyer', "
            "'active', true, 'admin', moment, moment FROM base WHERE i % 2 = 0"
        )

    def payment_methods(self, first: int, last: int) -> str:
        return self.base(first, last) + (
            "INSERT INTO customers_paymentmethod (id, customer_id, type, provider, provider_token, last4, card_brand, "
            "exp_month, exp_year, bank_name, is_default, created_at, updated_at) "
            f"SELECT p.id, customer_id, 'card', 'stripe', 'tok_' || p.id, lpad((i % 10000)::text, 4, '0'), 'visa', "
            f"12, 2030, '', true, moment, moment FROM base CROSS JOIN LATERAL (SELECT {id_sql('paymtd', 'ms', 'i')} "
            "AS id) p"
        )

    def accounts(self, first: int, last: int) -> str:
        return self.base(first, last) + (
            "INSERT INTO credit_creditaccount (customer_id, credit_status, credit_check_requested_at, "
            "credit_currency, net_terms_status, net_terms_enrolled_at, ein_digits, created_at, updated_at) "
            "SELECT customer_id, 'approved', moment, 'USD', 'enrolled', moment, "
            "(10 + i % 89)::text || (1000000 + i % 8999999)::text, moment, moment FROM base WHERE approved"
        )

    def balances(self, first: int, last: int) -> str:
        return self.base(first, last) + (
            "INSERT INTO credit_creditbalance (id, customer_id, currency_code, available, reserved, used, "
            f"created_at, updated_at) SELECT {id_sql('crb', 'ms', 'i')}, customer_id, 'USD', "
            "1000000 + (i % 50) * 100000, 0, 0, moment, moment FROM base WHERE approved"
        )

    def ledger(self, first: int, last: int) -> str:
        """Per balance: the grant, then line adjustments down by `a` and back up, hourly; each entry's figures
        chain from the one before and the last leaves the balance as its row says (available = the grant)."""
        return self.base(first, last) + (
            "INSERT INTO credit_creditledgerentry (id, balance_id, customer_id, currency_code, entry_type, amount, "
            "delta_available, delta_reserved, delta_used, available_after, reserved_after, used_after, actor_type, "
            "actor_id, reason, created_at) "
            f"SELECT {id_sql('cle', 'ms + k * 3600000', 'i * 8 + k')}, {id_sql('crb', 'ms', 'i')}, customer_id, "
            "'USD', CASE WHEN k = 0 THEN 'grant' ELSE 'line_adjustment' END, amount, amount, 0, 0, "
            "CASE WHEN k % 2 = 1 THEN grant_amount - adjustment ELSE grant_amount END, 0, 0, 'system', '', "
            "'bench load', to_timestamp((ms + k * 3600000) / 1000.0) FROM ("
            "SELECT base.*, k, 1000000 + (i % 50) * 100000 AS grant_amount, 1000 + (i % 97) * 100 AS adjustment, "
            "CASE WHEN k = 0 THEN 1000000 + (i % 50) * 100000 WHEN k % 2 = 1 THEN -(1000 + (i % 97) * 100) "
            "ELSE 1000 + (i % 97) * 100 END AS amount "
            f"FROM base CROSS JOIN generate_series(0, {ENTRIES_PER_BALANCE - 1}) AS k WHERE approved) e"
        )

    def events(self, first: int, last: int) -> str:
        # Dispatched: the outbox's undispatched index stays the few the dispatcher has not fanned out yet.
        return self.base(first, last) + (
            "INSERT INTO core_event (id, event_type, customer_id, data, actor_type, actor_id, actor_label, "
            "request_id, occurred_at, dispatched_at) "
            f"SELECT {id_sql('evt', 'ms + k * 60000', 'i * 2 + k')}, "
            "CASE WHEN k = 0 THEN 'customer.created' ELSE 'customer.updated' END, customer_id, "
            "jsonb_build_object('id', customer_id), 'system', '', '', '', at, at "
            f"FROM base CROSS JOIN generate_series(0, {EVENTS_PER_CUSTOMER - 1}) AS k "
            "CROSS JOIN LATERAL (SELECT to_timestamp((ms + k * 60000) / 1000.0) AS at) t"
        )


class ScaleBench:
    def __init__(self, args):
        self.args = args
        os.environ.setdefault("BENCH_DATABASE", "creditdesk_bench_scale")
        os.environ.setdefault("BENCH_REDIS_DB", "10")
        self.bench = run.Bench(
            argparse.Namespace(reuse=False, customers=0, scenarios=[], quick=False, seconds=args.seconds)
        )
        self.start = datetime.now(UTC).replace(microsecond=0) - SPAN
        self.generator = Generator(self.start)
        self.loaded = 0
        self.results: list[dict] = []

    # --- load ------------------------------------------------------------------------------------------------------
    def make_partitions(self):
        """Month partitions of the ledger and the event log from the oldest loaded month to the usual months ahead
        of this one, with the app's own function (it takes `today` as the first month to make)."""
        first = date(self.start.year, self.start.month, 1)
        today = datetime.now(UTC).date()
        months = (today.year - first.year) * 12 + today.month - first.month + 3
        created = self.bench.manage(
            "shell",
            "-c",
            "from datetime import date\nfrom core.partitions import ensure_partitions\n"
            f"print(len(ensure_partitions(today=date({first.year}, {first.month}, 1), months_ahead={months})))",
        )
        print(f"bench-scale: {created.strip().splitlines()[-1]} month partitions made", flush=True)

    def secondary_indexes(self, conn) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the loaded tables' indexes that back no constraint (a partitioned table's:
        the parent's, which builds every partition's)."""
        tables = list(CUSTOMER_TABLES + HISTORY_TABLES)
        return conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname",
            [tables],
        ).fetchall()

    def run_parallel(self, groups: list[list[str]]) -> None:
        """Each group of statements in order on a connection of its own, the groups at once (2 cores)."""

        def work(statements: list[str]) -> None:
            with psycopg.connect(self.bench.db_url, autocommit=True) as conn:
                conn.execute("SET session_replication_role = replica")  # no FK triggers: consistent by construction
                conn.execute("SET maintenance_work_mem = '512MB'")
                conn.execute("SET max_parallel_maintenance_workers = 0")
                for statement in statements:
                    conn.execute(statement)

        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            for future in [pool.submit(work, group) for group in groups if group]:
                future.result()

    def grow(self, size: int) -> dict:
        first, last = self.loaded, size
        gen = self.generator
        with psycopg.connect(self.bench.db_url, autocommit=True) as conn:
            indexes = self.secondary_indexes(conn)
            before = self.row_counts(conn)
            started = time.perf_counter()
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
        self.run_parallel(
            [
                [
                    gen.customers(first, last),
                    gen.users(first, last),
                    gen.payment_methods(first, last),
                    gen.accounts(first, last),
                    gen.balances(first, last),
                ],
                [gen.ledger(first, last), gen.events(first, last)],
            ]
        )
        inserted_seconds = time.perf_counter() - started
        # The indexes built again, the biggest first, shared between the two connections.
        with psycopg.connect(self.bench.db_url) as conn:
            sizes = dict(
                conn.execute(
                    "SELECT c.relname, coalesce(sum(pg_relation_size(p.oid)), 0) + pg_relation_size(c.oid) "
                    "FROM pg_class c LEFT JOIN pg_inherits i ON i.inhparent = c.oid LEFT JOIN pg_class p ON "
                    "p.oid = i.inhrelid WHERE c.relname = ANY(%s) GROUP BY c.relname, c.oid",
                    [list(CUSTOMER_TABLES + HISTORY_TABLES)],
                ).fetchall()
            )
        by_table = sorted(indexes, key=lambda item: -sizes.get(table_of(item[1]), 0))
        # A partitioned table's index is listed `ON ONLY` the parent: built here on the parent and every partition.
        statements = [sql.replace(" ON ONLY ", " ON ", 1) for _, sql in by_table]
        self.run_parallel([statements[0::2], statements[1::2]])
        tables = list(CUSTOMER_TABLES + HISTORY_TABLES)
        self.run_parallel(
            [[f"VACUUM ANALYZE {t}" for t in tables[0::2]], [f"VACUUM ANALYZE {t}" for t in tables[1::2]]]
        )
        with psycopg.connect(self.bench.db_url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
            seconds = time.perf_counter() - started
            rebuilt = {name for name, _ in self.secondary_indexes(conn)}
            if rebuilt != {name for name, _ in indexes}:
                raise RuntimeError(f"indexes not rebuilt: {sorted({name for name, _ in indexes} - rebuilt)}")
            after = self.row_counts(conn)
            default_rows = conn.execute(
                "SELECT (SELECT count(*) FROM credit_creditledgerentry_default) + "
                "(SELECT count(*) FROM core_event_default)"
            ).fetchone()[0]
        rows = sum(after.values()) - sum(before.values())
        self.loaded = size
        return {
            "seconds": seconds,
            "insert_seconds": inserted_seconds,
            "rows": rows,
            "rows_per_second": rows / seconds,
            "counts": after,
            "default_rows": default_rows,
        }

    def row_counts(self, conn) -> dict[str, int]:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in CUSTOMER_TABLES + HISTORY_TABLES
        }

    def table_sizes(self) -> dict[str, int]:
        """Bytes (heap + indexes + TOAST) of each loaded table, partitions included."""
        with psycopg.connect(self.bench.db_url) as conn:
            return {
                table: int(
                    conn.execute(
                        # A plain table is no partition tree; a partitioned one's own size is 0, its partitions'.
                        "SELECT pg_total_relation_size(%(t)s::regclass) + coalesce((SELECT sum(pg_total_relation_size("
                        "relid)) FROM pg_partition_tree(%(t)s::regclass)), 0)",
                        {"t": table},
                    ).fetchone()[0]
                )
                for table in CUSTOMER_TABLES + HISTORY_TABLES
            }

    # --- measure ---------------------------------------------------------------------------------------------------
    def scenarios(self) -> list[tuple[str, str]]:
        bench = self.bench
        with psycopg.connect(bench.db_url) as conn:
            # The same search term at every size (the first size's): the same query over more rows.
            self.search_term = getattr(self, "search_term", bench.search_term)
            bench.search_term = self.search_term
            bench.search_matches = conn.execute(
                "SELECT count(*) FROM customers_customer WHERE status = 'active' AND search_document LIKE %s",
                [f"%{self.search_term.split()[0].lower()}%"],
            ).fetchone()[0]
            count = conn.execute("SELECT count(*) FROM credit_creditbalance").fetchone()[0]
            self.ledger_customer = conn.execute(
                "SELECT customer_id FROM credit_creditbalance ORDER BY customer_id OFFSET %s LIMIT 1", [count // 2]
            ).fetchone()[0]
        term = urllib.parse.quote(bench.search_term.split()[0].lower())
        return [
            ("get one", f"/api/v1/customers/{bench.some_id}"),
            ("list first page", "/api/v1/customers?per_page=50"),
            ("list at 99% depth", f"/api/v1/customers?per_page=50&after={bench.deep_id}"),
            ("search=", f"/api/v1/customers?search={term}"),
            ("ledger page", f"/api/v1/customers/{self.ledger_customer}/ledger"),
            ("credit-balances", f"/api/v1/customers/{self.ledger_customer}/credit-balances"),
        ]

    def measure(self, size: int, load: dict):
        bench = self.bench
        bench.prepare()
        paths = self.scenarios()
        latencies, load_before = {}, os.getloadavg()[0]
        with bench.serve():
            for scenario, path in paths:
                result = bench.measure(path, connections=2)
                bench.record(scenario, f"{size:,}", result)
                latencies[scenario] = result
            # The size in the email: wrk's random numbers repeat from one run to the next.
            body = f'{{"email": "scale{size}-t%dc%dr%d@example.com", "name": "Scale Co", "country": "US"}}'
            result = bench.measure("/api/v1/customers", method="POST", body_format=body, connections=2)
            bench.record("create", f"{size:,}", result)
            latencies["create"] = result
        self.results.append(
            {
                "size": size,
                "load": load,
                "latencies": latencies,
                "sizes": self.table_sizes(),
                "search_matches": bench.search_matches,
                "search_term": bench.search_term.split()[0].lower(),
                "load_average": (load_before, os.getloadavg()[0]),
            }
        )

    def run(self):
        started = time.perf_counter()
        try:
            print(f"bench-scale: migrating {self.bench.db_name} …", flush=True)
            self.bench.manage("migrate", "--no-input", "-v", "0")
            self.make_partitions()
            for size in self.args.sizes:
                print(f"bench-scale: growing from {self.loaded:,} to {size:,} customers …", flush=True)
                load = self.grow(size)
                print(
                    f"bench-scale: loaded {load['rows']:,} rows in {load['seconds']:.1f} s "
                    f"({load['rows_per_second']:,.0f} rows/s); totals {load['counts']}",
                    flush=True,
                )
                self.measure(size, load)
            self.total_seconds = time.perf_counter() - started
            self.report()
        finally:
            if not self.args.keep:
                with psycopg.connect(run.with_database(self.bench.db_url, "postgres"), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.bench.db_name}" WITH (FORCE)')
                print(f"bench-scale: dropped {self.bench.db_name}", flush=True)

    # --- report ----------------------------------------------------------------------------------------------------
    def report(self):
        text = "\n".join(self.section_lines())
        out = run.ROOT / "docs" / "benchmarks.md"
        current = out.read_text() if out.exists() else "# Benchmarks\n"
        if BEGIN in current and END in current:
            current = current[: current.index(BEGIN)] + text + current[current.index(END) + len(END) :]
        else:
            current = current.rstrip("\n") + "\n\n" + text + "\n"
        out.write_text(current)
        print(text)
        print(f"bench-scale: wrote {out.relative_to(run.ROOT)}")

    def section_lines(self) -> list[str]:
        results = self.results
        labels = [f"{result['size']:,}" for result in results]
        command = "make bench-scale" + (f' ARGS="--sizes {self.args.sizes_text}"' if self.args.sizes_text else "")
        load_avg = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        lines = [
            BEGIN,
            "## Growth: 100k → 1M → 10M customers (`make bench-scale`)",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command}` (bench/scale.py) in "
            f"{self.total_seconds / 60:.1f} min. Machine: {platform.machine()}, {os.cpu_count()} cores shared with "
            f"other work (load average {load_avg} at the end), PostgreSQL {self.bench.pg_version()}. One database "
            "grown size by size; at each, the same gunicorn as `make bench` (production settings, 2 sync workers), "
            f"wrk at 2 clients, {self.args.seconds} s per scenario after a {run.WARM_UP_SECONDS} s warm-up.",
            "",
        ]
        if 10_000_000 not in self.args.sizes:
            lines += [
                "**The 10,000,000-customer size has not been run yet** (this run's sizes: "
                f"{', '.join(labels)}); its load time and disk below are extrapolated from the measured rows/s and "
                "bytes per million customers.",
                "",
            ]
        previous = labels[-2] if len(labels) > 1 else None
        header = "| scenario | " + " | ".join(f"p50 / p99 ms at {label}" for label in labels)
        header += f" | p50 {labels[-1]} / {previous} | target |" if previous else " |"
        lines += [header, "|---|" + "---:|" * len(labels) + ("---:|---|" if previous else "")]
        for scenario in [*TARGETED, "create"]:
            cells = [
                f"{result['latencies'][scenario].p50_ms:.2f} / {result['latencies'][scenario].p99_ms:.2f}"
                for result in results
            ]
            row = f"| {scenario} | " + " | ".join(cells) + " |"
            if previous:
                ratio = results[-1]["latencies"][scenario].p50_ms / results[-2]["latencies"][scenario].p50_ms
                target = f"≤ {TARGET_RATIO} (10M / 1M)" if scenario in TARGETED else "reported"
                verdict = ""
                if scenario in TARGETED and results[-1]["size"] == 10_000_000:
                    verdict = " pass" if ratio <= TARGET_RATIO else " FAIL"
                row += f" {ratio:.2f} | {target}{verdict} |"
            lines.append(row)
        errors = sum(r.non_2xx + r.errors for result in results for r in result["latencies"].values())
        lines += ["", f"Non-2xx responses and socket errors over every scenario and size: {errors}.", ""]
        lines += [
            "| size | rows added | load s | rows/s | ledger entries | events | in default partitions | "
            "customers' tables MB / M customers | ledger MB / M | events MB / M | total GB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label, result in zip(labels, results, strict=True):
            load, sizes, millions = result["load"], result["sizes"], result["size"] / 1_000_000
            customers_bytes = sum(sizes[table] for table in CUSTOMER_TABLES)
            lines.append(
                f"| {label} | {load['rows']:,} | {load['seconds']:.1f} | {load['rows_per_second']:,.0f} | "
                f"{load['counts']['credit_creditledgerentry']:,} | {load['counts']['core_event']:,} | "
                f"{load['default_rows']} | {customers_bytes / 2**20 / millions:,.0f} | "
                f"{sizes['credit_creditledgerentry'] / 2**20 / millions:,.0f} | "
                f"{sizes['core_event'] / 2**20 / millions:,.0f} | {sum(sizes.values()) / 2**30:.2f} |"
            )
        last = results[-1]
        rows_per_customer = sum(last["load"]["counts"].values()) / last["size"]
        bytes_per_customer = sum(last["sizes"].values()) / last["size"]
        rate = last["load"]["rows_per_second"]
        lines += [
            "",
            f"- Rows per customer: {rows_per_customer:.2f} (customer, user for one in two, payment method, "
            f"account and balance for three in ten, {ENTRIES_PER_BALANCE} ledger entries per balance, "
            f"{EVENTS_PER_CUSTOMER} events per customer). Load time counts the inserts, the secondary indexes' "
            "rebuild, VACUUM ANALYZE and a checkpoint.",
        ]
        if last["size"] < 10_000_000:
            lines.append(
                f"- At the last size's pace ({rate:,.0f} rows/s), growing from {last['size']:,} to 10,000,000 "
                f"customers would take about {(10_000_000 - last['size']) * rows_per_customer / rate / 60:.0f} min, "
                f"and 10M customers would take about {bytes_per_customer * 10_000_000 / 2**30:.0f} GB of tables and "
                "indexes (the pace falls as indexes outgrow memory: an estimate, not a measurement)."
            )
        for label, result in zip(labels, results, strict=True):
            before, after = result["load_average"]
            lines.append(
                f"- At {label}: search term `{result['search_term']}` ({result['search_matches']:,} active customers "
                f"contain it); ledger page and credit-balances of a customer with {ENTRIES_PER_BALANCE} entries; "
                f"load average (1 min) of the shared machine {before:.1f} before the scenarios, {after:.1f} after."
            )
        lines.append(END)
        return lines


def table_of(create_index: str) -> str:
    """The table a `CREATE INDEX name ON [ONLY] schema.table USING …` statement builds on."""
    target = create_index.split(" ON ", 1)[1].removeprefix("ONLY ").split(" ", 1)[0]
    return target.rsplit(".", 1)[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="", help="customers at each size, ascending (default 100000,1000000,10000000)"
    )
    parser.add_argument("--seconds", type=int, default=10, help="per scenario at each size")
    parser.add_argument("--keep", action="store_true", help="keep the grown database afterwards")
    args = parser.parse_args()
    args.sizes_text = args.sizes
    args.sizes = [int(size) for size in (args.sizes or "100000,1000000,10000000").split(",") if size.strip()]
    if args.sizes != sorted(set(args.sizes)) or args.sizes[0] <= 0:
        parser.error("--sizes: positive and ascending, e.g. 100000,1000000")
    ScaleBench(args).run()


if __name__ == "__main__":
    main()
