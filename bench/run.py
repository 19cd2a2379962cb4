"""`make bench`: seed N customers into PostgreSQL, serve the app with gunicorn under production settings, drive
load with wrk from a separate process, and compare each scenario with baselines measured in the same run.

Writes docs/benchmarks.md and prints the same table. One script, longer than our ~400-line habit: each scenario is a
method next to the baseline it is measured against, and the harness (servers, workers, wrk) is shared by all of
them; split apart, a reader would lose what a ratio compares."""

import argparse
import csv
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import cluster, paired, staff, wrk
from bench.load import load
from bench.receivables import load_receivables

ROOT = Path(__file__).resolve().parent.parent
WARM_UP_SECONDS = 2
PY = sys.executable
# `make bench-scale`'s section of docs/benchmarks.md (bench/scale.py), kept when this report rewrites the rest.
SCALE_BEGIN, SCALE_END = "<!-- bench-scale -->", "<!-- /bench-scale -->"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def recreate_database(server_url: str, name: str) -> str:
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(server_url, name)


class Bench:
    def __init__(self, args):
        self.args = args
        self.rows: list[dict] = []
        self.notes: list[str] = []
        server_url = os.environ["DATABASE_URL"]
        # On a server shared with other work, BENCH_DATABASE and BENCH_REDIS_DB name the bench's own.
        self.db_name = os.environ.get("BENCH_DATABASE", "creditdesk_bench")
        self.db_url = (
            with_database(server_url, self.db_name)
            if self.reusable(server_url)
            else recreate_database(server_url, self.db_name)
        )
        self.redis_url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/" + os.environ.get("BENCH_REDIS_DB", "9")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "REDIS_URL": self.redis_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Required in production (links made outside a request); the bench's own server.
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            # Required in production; no benchmarked operation sends email.
            "EMAIL_URL": "smtp://127.0.0.1:25",
            "DEFAULT_FROM_EMAIL": "credit@example.com",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "BENCH_MODE": "1",
            "API_RATE_LIMIT_PER_MINUTE": "100000000",
            "LOG_LEVEL": "WARNING",
        }

    # --- setup -----------------------------------------------------------------------------------------------------
    def manage(self, *args: str) -> str:
        result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def reusable(self, server_url: str) -> bool:
        """With --reuse, an earlier run's database holding at least N customers is kept instead of reloaded (to
        iterate on one scenario; what earlier runs wrote stays, so a report is made from a fresh load)."""
        self.reused = False
        if not self.args.reuse:
            return False
        try:
            with psycopg.connect(with_database(server_url, self.db_name)) as conn:
                count = conn.execute("SELECT count(*) FROM customers_customer").fetchone()[0]
        except psycopg.Error:
            return False
        self.reused = count >= self.args.customers
        return self.reused

    def setup(self):
        if self.reused:
            print(f"bench: reusing the loaded {self.db_name} database (--reuse)", flush=True)
            self.manage("migrate", "--no-input", "-v", "0")
            self.load_stats = {"customers": self.args.customers, "reused": True}
        else:
            print(f"bench: migrating and loading {self.args.customers:,} customers …", flush=True)
            self.manage("migrate", "--no-input", "-v", "0")
            self.load_stats = load(self.db_url, self.args.customers)
            print(f"bench: loaded {self.load_stats}", flush=True)
        self.receivables_stats = None
        if "staff" in self.args.scenarios:
            with psycopg.connect(self.db_url) as conn:
                loaded = conn.execute("SELECT count(*) FROM credit_credittransaction").fetchone()[0]
            if loaded < self.args.purchases * 0.9:
                print(f"bench: loading {self.args.purchases:,} purchases with their ledger and notes …", flush=True)
                self.receivables_stats = load_receivables(self.db_url, self.args.purchases)
                print(f"bench: loaded {self.receivables_stats}", flush=True)
            else:
                self.receivables_stats = {"purchases": loaded, "reused": True}
        if not self.reused:
            with psycopg.connect(self.db_url, autocommit=True) as conn:
                conn.execute("CHECKPOINT")  # the load's dirty pages written now, not during the first scenario
        self.prepare()

    def prepare(self):
        """The API key and the subjects the scenarios measure (a customer half-way, one at 99 % depth, a search
        term, balances to reserve on), picked from what is loaded (bench/scale.py calls it again after each size)."""
        key = (
            self.manage(
                "create_api_key",
                "--name",
                "bench",
                "--scopes",
                "customers:read customers:write credit:read credit:write",
            )
            .strip()
            .splitlines()[-1]
        )
        self.auth = f"Bearer {key}"
        with psycopg.connect(self.db_url) as conn:
            active = conn.execute("SELECT count(*) FROM customers_customer WHERE status = 'active'").fetchone()[0]
            self.active = active
            self.deep_id = conn.execute(
                "SELECT id FROM customers_customer WHERE status = 'active' ORDER BY id OFFSET %s LIMIT 1",
                [int(active * 0.99)],
            ).fetchone()[0]
            self.deep_page = int(active * 0.99) // 50 + 1
            self.some_id, self.search_term = conn.execute(
                "SELECT id, name FROM customers_customer WHERE status = 'active' ORDER BY id OFFSET %s LIMIT 1",
                [active // 2],
            ).fetchone()
            self.search_matches = conn.execute(
                "SELECT count(*) FROM customers_customer WHERE status = 'active' AND search_document LIKE %s",
                [f"%{self.search_term.split()[0].lower()}%"],
            ).fetchone()[0]
            approved = conn.execute(
                "SELECT customer_id FROM credit_creditbalance ORDER BY customer_id LIMIT 2"
            ).fetchall()
            self.reserve_api_customer, self.reserve_floor_customer = (row[0] for row in approved)
            # The floor moves money with a bare UPDATE and no ledger: on a scratch copy, not the real books.
            conn.execute("DROP TABLE IF EXISTS bench_floor_balance")
            conn.execute("CREATE TABLE bench_floor_balance (LIKE credit_creditbalance INCLUDING ALL)")
            conn.execute(
                "INSERT INTO bench_floor_balance SELECT * FROM credit_creditbalance WHERE customer_id = %s",
                [self.reserve_floor_customer],
            )

    @contextmanager
    def serve(self):
        command = [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{self.port}",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            str(ROOT / "var/bench-gunicorn.log"),
        ]
        (ROOT / "var").mkdir(exist_ok=True)
        self.manage("collectstatic", "--no-input", "-v", "0")
        server = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        worker = subprocess.Popen(
            [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-P",
                "solo",
                "-c",
                "1",
                "-l",
                "warning",
                "-n",
                f"bench-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=open(ROOT / "var/bench-worker.log", "w"),  # noqa: SIM115 (closed with the process)
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"{self.base}/bench/floor/customers?per_page=1", timeout=2)
                    break
                except OSError:
                    time.sleep(0.3)
            else:
                raise RuntimeError("gunicorn did not come up; see var/bench-gunicorn.log")
            self.server_pid = server.pid
            yield
        finally:
            for process in (server, worker):
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)

    # --- helpers ---------------------------------------------------------------------------------------------------
    def measure(self, path: str, *, auth: bool = True, **kwargs) -> wrk.WrkResult:
        seconds = kwargs.pop("seconds", self.args.seconds)
        connections = kwargs.pop("connections", 16)
        headers = kwargs.pop("headers", None)
        credentials = self.auth if auth else ""
        if "method" in kwargs:
            kwargs["path"] = path
            # Each write variant starts with no dirty pages left by the one before: a checkpoint falling in one of
            # them would slow it alone.
            with psycopg.connect(self.db_url, autocommit=True) as conn:
                conn.execute("CHECKPOINT")
        else:
            # Warm-up, not recorded: the same requests for a couple of seconds, so every variant is measured with
            # its pages cached and its code paths warm, whichever ran before it.
            wrk.run(
                self.base + path, seconds=WARM_UP_SECONDS, connections=connections, auth=credentials, headers=headers
            )
        return wrk.run(
            self.base + path, seconds=seconds, connections=connections, auth=credentials, headers=headers, **kwargs
        )

    def record(self, scenario: str, variant: str, result: wrk.WrkResult, **extra):
        row = {
            "scenario": scenario,
            "variant": variant,
            "rps": result.requests_per_second,
            "p50": result.p50_ms,
            "p99": result.p99_ms,
            "requests": result.requests,
            "non_2xx": result.non_2xx,
            **extra,
        }
        self.rows.append(row)
        print(
            f"  {scenario:<28} {variant:<22} {row['rps']:>9.1f} req/s  p50 {row['p50']:>8.2f} ms  "
            f"p99 {row['p99']:>8.2f} ms  non-2xx {row['non_2xx']}",
            flush=True,
        )
        return row

    def worker_peak_rss_mb(self) -> float:
        children = subprocess.run(["pgrep", "-P", str(self.server_pid)], capture_output=True, text=True).stdout.split()
        peaks = []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks) if peaks else 0.0

    # --- scenarios -------------------------------------------------------------------------------------------------
    def scenario_list(self):
        api = self.record("list per_page=50", "api", self.measure("/api/v1/customers?per_page=50"))
        floor = self.record("list per_page=50", "floor", self.measure("/bench/floor/customers?per_page=50"))
        naive = self.record("list per_page=50", "naive DRF", self.measure("/bench/naive/customers?per_page=50"))
        self.ratios["list throughput / floor"] = (api["rps"] / floor["rps"], ">= 0.5")
        self.ratios["list throughput / naive"] = (api["rps"] / naive["rps"], ">= 3")
        self.first_page = {"api": api, "naive": naive}

    def scenario_depth(self):
        # Latency is compared at low concurrency (2 clients), so it measures the query, not the queue.
        c = 2
        first = self.record(
            "list first page (2 clients)", "api", self.measure("/api/v1/customers?per_page=50", connections=c)
        )
        deep = self.record(
            "list at 99% depth (2 clients)",
            "api",
            self.measure(f"/api/v1/customers?per_page=50&after={self.deep_id}", connections=c),
        )
        naive_first = self.record(
            "list first page (2 clients)",
            "naive DRF",
            self.measure("/bench/naive/customers?per_page=50", connections=c),
        )
        naive_deep = self.record(
            "list at 99% depth (2 clients)",
            "naive DRF (OFFSET)",
            self.measure(f"/bench/naive/customers?per_page=50&page={self.deep_page}", connections=c),
        )
        self.ratios["99% depth p50 / first page p50 (naive)"] = (naive_deep["p50"] / naive_first["p50"], "reported")
        # The target ratio from the two pages sent in turn in the same seconds (bench/paired.py): the windows above
        # are measured one after the other, and whatever else the machine does in one of them counts for one page.
        first_path, deep_path = "/api/v1/customers?per_page=50", f"/api/v1/customers?per_page=50&after={self.deep_id}"
        paired.run(self.base, [first_path, deep_path], seconds=WARM_UP_SECONDS, connections=c, auth=self.auth)
        first_in_turn, deep_in_turn = paired.run(
            self.base, [first_path, deep_path], seconds=self.args.seconds, connections=c, auth=self.auth
        )
        for label, result in (("list first page", first_in_turn), ("list at 99% depth", deep_in_turn)):
            self.record(f"{label} (in turn, 2 clients)", "api", result)
        self.ratios["99% depth p50 / first page p50 (api, in turn)"] = (
            deep_in_turn.p50_ms / first_in_turn.p50_ms,
            "<= 1.3",
        )
        self.ratios["99% depth p50 / first page p50 (api, one window each)"] = (deep["p50"] / first["p50"], "reported")
        self.notes.append(
            "99 % depth: the target ratio is from the two pages sent in turn by the same two clients "
            "(bench/paired.py); the windows measured one after the other are reported beside it (docs/scaling.md, "
            '"A deep page under contention").'
        )

    def scenario_search(self):
        term = urllib.parse.quote(self.search_term.split()[0].lower())
        api = self.record("search= (2 clients)", "api", self.measure(f"/api/v1/customers?search={term}", connections=2))
        scan = self.record(
            "search= (2 clients)",
            "unindexed ILIKE (same answer: page + total)",
            self.measure(f"/bench/unindexed/customers?search={term}", connections=2),
        )
        page_only = self.record(
            "search= (2 clients)",
            "unindexed ILIKE, page only",
            self.measure(f"/bench/unindexed/customers/page-only?search={term}", connections=2),
        )
        self.ratios["search p50 / unindexed ILIKE p50 (same answer)"] = (api["p50"] / scan["p50"], "<= 0.05")
        self.ratios["search p50 / unindexed ILIKE page-only p50"] = (api["p50"] / page_only["p50"], "reported")
        self.notes.append(
            f"search term `{term}` (the first word of a name; {self.search_matches} active customers contain it). "
            "The page-only scan walks the primary key and stops at the 51st match, about "
            f"{self.active * 51 // max(self.search_matches, 1):,} rows in; the API's answer also carries "
            "`estimated_total`, which without an index means reading every row."
        )

    def scenario_get(self):
        api = self.record("get one", "api", self.measure(f"/api/v1/customers/{self.some_id}"))
        floor = self.record("get one", "floor", self.measure(f"/bench/floor/customers/{self.some_id}"))
        self.ratios["get one throughput / floor"] = (api["rps"] / floor["rps"], ">= 0.5")

    def scenario_create(self):
        # Letters between the numbers: dash-joined digit groups can look like a card number, which the API refuses.
        body = '{"email": "bench-t%dc%dr%d@example.com", "name": "Bench Co", "country": "US"}'
        api = self.record("create", "api", self.measure("/api/v1/customers", method="POST", body_format=body))
        floor_body = body.replace("bench-", "floor-")
        floor = self.record(
            "create", "floor", self.measure("/bench/floor/customers/create", method="POST", body_format=floor_body)
        )
        self.ratios["create throughput / floor"] = (api["rps"] / floor["rps"], ">= 0.5")

    def scenario_reserve(self):
        body = '{"amount": "100", "currency_code": "USD", "reference": "bench-t%dc%dr%d"}'
        path = f"/api/v1/customers/{self.reserve_api_customer}/credit-transactions"
        api = self.record("reserve, 16 clients, 1 customer", "api", self.measure(path, method="POST", body_format=body))
        floor = self.record(
            "reserve, 16 clients, 1 customer",
            "floor (conditional UPDATE)",
            self.measure(
                f"/bench/floor/customers/{self.reserve_floor_customer}/reserve", method="POST", body_format=body
            ),
        )
        with psycopg.connect(self.db_url) as conn:
            available, reserved, used = conn.execute(
                "SELECT available, reserved, used FROM credit_creditbalance WHERE customer_id = %s",
                [self.reserve_api_customer],
            ).fetchone()
            billed = conn.execute(
                "SELECT coalesce(sum(amount), 0) FROM credit_credittransaction WHERE customer_id = %s "
                "AND status = 'billed'",
                [self.reserve_api_customer],
            ).fetchone()[0]
        reconcile = subprocess.run(
            [PY, "manage.py", "reconcile_credit"], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        overdraft = min(available, reserved, used) < 0 or billed != reserved
        self.notes.append(
            f"Reservations: {api['requests'] - api['non_2xx']} billed through the API; balance after: available "
            f"{available}, reserved {reserved} (= sum of billed transactions {billed}); overdraft: "
            f"{'YES' if overdraft else 'none'}; `reconcile_credit` exit code {reconcile.returncode}."
        )
        if reconcile.returncode:
            print(reconcile.stdout[-3000:], reconcile.stderr[-3000:], sep="\n", flush=True)
            self.notes.append(f"`reconcile_credit` said: {reconcile.stderr.strip().splitlines()[-1:]}")
        self.ratios["reserve throughput / floor"] = (api["rps"] / floor["rps"], "reported")
        self.ratios["reservation overdraft / reconcile"] = (
            0.0 if not overdraft and reconcile.returncode == 0 else 1.0,
            "0 (none, reconciled)",
        )

    def scenario_credit_check(self):
        with psycopg.connect(self.db_url) as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    # The oldest unchecked customers: a realistic business age, so clear cases decide instantly.
                    "SELECT id FROM customers_customer c WHERE status = 'active' AND NOT EXISTS "
                    "(SELECT 1 FROM credit_creditaccount a WHERE a.customer_id = c.id) ORDER BY id LIMIT %s",
                    [self.args.credit_checks],
                ).fetchall()
            ]
        latencies, referred = [], 0
        for customer_id in ids:
            started = time.perf_counter()
            self.http(
                "POST",
                f"/api/v1/customers/{customer_id}/credit-check",
                {"amount_requested": 50000, "has_purchase_history": True},
            )
            # Decided when a decision exists; a check the engine refers to staff review has none (counted apart).
            while not self.http("GET", f"/api/v1/customers/{customer_id}/credit-decisions")["data"]:
                if time.perf_counter() - started > 10:
                    referred += 1
                    break
                time.sleep(0.005)
            else:
                latencies.append((time.perf_counter() - started) * 1000)
        if referred:
            self.notes.append(f"Credit checks: {referred} of {len(ids)} were referred to review (no instant decision).")
        if not latencies:
            return
        latencies.sort()
        self.rows.append(
            {
                "scenario": "credit check → decision",
                "variant": "api + worker",
                "rps": None,
                "p50": statistics.median(latencies),
                "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                "requests": len(latencies),
                "non_2xx": 0,
            }
        )
        print(f"  credit check → decision: p50 {self.rows[-1]['p50']:.1f} ms over {len(latencies)} checks")

    def http(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": self.auth, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else {}

    def scenario_memory(self):
        before = self.worker_peak_rss_mb()
        api = self.record("list per_page=200 (memory)", "api", self.measure("/api/v1/customers?per_page=200"))
        after = self.worker_peak_rss_mb()
        api["peak_rss_mb"] = after
        self.notes.append(
            f"Web worker peak RSS (VmHWM): {before:.1f} MB before the per_page=200 run, {after:.1f} MB after it."
        )

    def scenario_import(self):
        rows = self.args.import_rows
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "import.csv"
            with path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["email", "name", "legal_name", "country", "city", "state", "postal_code", "ein"])
                for index in range(rows):
                    writer.writerow(
                        [
                            f"import{index}@importco{index}.com",
                            f"Import Co {index}",
                            f"Import Co {index} LLC",
                            "US",
                            "Chicago",
                            "IL",
                            "60601",
                            "12-3456789",
                        ]
                    )
            started = time.perf_counter()
            self.manage("import_customers", str(path))
            import_seconds = time.perf_counter() - started
            with psycopg.connect(self.db_url) as conn:
                imported = conn.execute(
                    "SELECT count(*) FROM customers_customer WHERE email LIKE 'import%%@importco%%'"
                ).fetchone()[0]
                started = time.perf_counter()
                # The same rows as the file, as the import stores them (search document, import_meta), under
                # other emails (the imported ones are taken) and ids; rolled back afterwards.
                with conn.cursor().copy(
                    "COPY customers_customer (id, email, name, legal_name, country, city, state, postal_code, ein, "
                    "street_address, sub_premise, locale, status, marketing_consent, search_document, import_meta, "
                    "created_at, updated_at) FROM STDIN"
                ) as copy:
                    now = datetime.now(UTC)
                    for index in range(rows):
                        customer_id = f"ctm_copy{index:022d}"
                        email, name = f"copy{index}@copyco{index}.com", f"Copy Co {index}"
                        legal_name = f"{name} LLC"
                        meta = json.dumps({"source": "csv_import", "import_id": "cim_copy", "line": index + 2})
                        search_document = f"{name} {legal_name} {email} {customer_id}".lower()
                        copy.write_row(
                            (
                                customer_id,
                                email,
                                name,
                                legal_name,
                                "US",
                                "Chicago",
                                "IL",
                                "60601",
                                "12-3456789",
                                "",
                                "",
                                "en",
                                "active",
                                False,
                                search_document,
                                meta,
                                now,
                                now,
                            )
                        )
                copy_seconds = time.perf_counter() - started
                conn.rollback()
        scenario = f"bulk import {rows:,} rows"
        for variant, seconds, count in (("import_customers", import_seconds, imported), ("COPY", copy_seconds, rows)):
            self.rows.append(
                {
                    "scenario": scenario,
                    "variant": variant,
                    "rps": rows / seconds,
                    "p50": None,
                    "p99": None,
                    "requests": count,
                    "non_2xx": 0,
                }
            )
        self.ratios["bulk import rows/s / COPY rows/s"] = (copy_seconds / import_seconds, ">= 0.3")
        print(f"  import: {import_seconds:.1f} s ({imported:,} rows), COPY: {copy_seconds:.1f} s")

    def scenario_staff(self):
        staff.StaffScenario(self).run()

    def query_counts(self):
        output = self.manage("shell", "-c", QUERY_COUNT_SNIPPET)
        self.notes.append("Queries per list request: " + output.strip().splitlines()[-1])

    # --- run -------------------------------------------------------------------------------------------------------
    def run(self):
        self.ratios: dict[str, tuple[float, str]] = {}
        self.setup()
        with self.serve():
            for name in self.args.scenarios:
                print(f"bench: scenario {name}", flush=True)
                getattr(self, f"scenario_{name}")()
        if self.rows:
            self.query_counts()
        self.report()

    def report(self):
        out = ROOT / "docs" / ("benchmarks-quick.md" if self.args.quick else "benchmarks.md")
        staff_section = (
            staff.section(self) if "staff" in self.args.scenarios else kept_section(out, staff.BEGIN, staff.END)
        )
        if not self.rows:  # only the staff pages measured: the rest of the report stays as it was
            text = kept_main_part(out) + staff_section
            self.write(out, text)
            return
        lines = [
            "# Benchmarks",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{self.command}` "
            f"({'quick' if self.args.quick else 'full'} mode).",
            "",
            f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
            f"- Python {platform.python_version()}, PostgreSQL {self.pg_version()}, gunicorn 2 sync workers, "
            f"load from wrk on loopback, {self.args.seconds} s per scenario, 16 connections",
            f"- Data: {self.load_stats}",
            "",
            "| scenario | variant | requests/s | p50 ms | p99 ms | requests | non-2xx |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for row in self.rows:
            fmt = lambda v, spec: "" if v is None else format(v, spec)  # noqa: E731
            lines.append(
                f"| {row['scenario']} | {row['variant']} | {fmt(row['rps'], '.1f')} | {fmt(row['p50'], '.2f')}"
                f" | {fmt(row['p99'], '.2f')} | {row['requests']} | {row['non_2xx']} |"
            )
        lines += ["", "## Ratios (same run)", "", "| ratio | measured | target |", "|---|---:|---|"]
        for name, (value, target) in self.ratios.items():
            lines.append(f"| {name} | {value:.3f} | {target} |")
        lines += ["", "## Notes", ""] + [f"- {note}" for note in self.notes]
        self.write(out, "\n".join(lines) + "\n" + staff_section)

    def write(self, out: Path, text: str):
        if self.reused:
            print(text)
            print("bench: --reuse: report not written (data left over from earlier runs)")
            return
        out.parent.mkdir(exist_ok=True)
        out.write_text(text + kept_section(out, cluster.BEGIN, cluster.END) + kept_section(out, SCALE_BEGIN, SCALE_END))
        print(text)
        print(f"bench: wrote {out.relative_to(ROOT)}")

    @property
    def command(self) -> str:
        return "make bench-quick" if self.args.quick else "make bench"

    def pg_version(self) -> str:
        with psycopg.connect(self.db_url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("shared_buffers", "fsync", "synchronous_commit")
            }
        return f"{version} ({', '.join(f'{name} {value}' for name, value in settings.items())})"


def kept_section(path: Path, begin: str, end: str) -> str:
    """A section of the file another run writes (`make bench-cluster`'s, bench/cluster.py; the staff pages',
    bench/staff.py), kept when this report rewrites the rest."""
    text = path.read_text() if path.exists() else ""
    if begin not in text or end not in text:
        return ""
    return "\n" + text[text.index(begin) : text.index(end) + len(end)] + "\n"


def kept_main_part(path: Path) -> str:
    """The report before its kept sections, when a run measured only the staff pages."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    for marker in (staff.BEGIN, cluster.BEGIN, SCALE_BEGIN):
        if marker in text:
            text = text[: text.index(marker)]
    return text.rstrip("\n") + "\n"


QUERY_COUNT_SNIPPET = """
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from core.services import api_key_create
_, key = api_key_create(name="bench-queries", scopes="customers:read")
client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
counts = []
for per_page in (1, 50, 200):
    client.get(f"/api/v1/customers?per_page={per_page}")
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/api/v1/customers?per_page={per_page}")
    counts.append(f"per_page={per_page}: {len(ctx)}")
print(", ".join(counts))
"""

ALL_SCENARIOS = ["list", "depth", "search", "get", "create", "reserve", "credit_check", "memory", "import", "staff"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="about two minutes: fewer rows, shorter runs")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--purchases", type=int, help="purchases on credit for the staff pages' scenario")
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--scenarios", default=",".join(ALL_SCENARIOS))
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded bench database (no report)")
    args = parser.parse_args()
    args.customers = args.customers or (50_000 if args.quick else 1_000_000)
    args.purchases = args.purchases or (100_000 if args.quick else 1_000_000)
    args.seconds = args.seconds or (5 if args.quick else 20)
    args.import_rows = 10_000 if args.quick else 100_000
    args.credit_checks = 20 if args.quick else 100
    args.scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    Bench(args).run()


if __name__ == "__main__":
    main()
