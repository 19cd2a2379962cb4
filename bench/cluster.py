"""`make bench-cluster`: the main API scenarios through the cluster (HAProxy → 2 gunicorns → PgBouncer → primary)
beside a direct run (one gunicorn → primary), then a run during which one gunicorn instance goes away and comes back.

Uses the cluster `make cluster` started (var/cluster), or starts one and stops it afterwards; loads N customers into
its database with bench/load.py unless it holds them already (the cluster's state is kept between runs).

Equal concurrency: the same wrk (2 threads, the same connections, the same seconds) against the same database and
Redis, with the same number of processes and threads serving it:

    cluster   HAProxy → web1 + web2 (each gunicorn -w 2 --threads 5 --preload, at most 8 requests at once: HAProxy's
              maxconn; the spare thread per worker answers /health) → PgBouncer (transaction pooling) → primary
    direct    one gunicorn -w 4 --threads 4 --preload (the cluster's options otherwise) → the primary, no PgBouncer

Both use the cluster's production settings and environment; the API rate limit is lifted for the run (the cluster's
gunicorns are restarted with it and restarted without it afterwards). Each scenario is measured in ROUNDS rounds,
cluster and direct alternating first (ABBA…), each GET after an unrecorded warm-up; a row is the mean over rounds.

Restart runs: wrk through HAProxy, counting non-2xx answers and socket errors as wrk sees them, while one instance at
a time goes away and comes back (the next action GAP seconds after HAProxy sees both up again). A reload and a restart
are planned (scripts/cluster/web.sh drains the instance in HAProxy first and puts it back once its /health answers);
a kill is not (SIGKILL of master and workers, no draining, then started again):
    GET one customer (RESTART_SECONDS): web1 reloads (SIGHUP), web2 restarts (SIGTERM), web1 is killed;
    POST create (RESTART_SECONDS): web1 reloads, web2 restarts;
    POST create, KILL_SECONDS, web1 killed: without an Idempotency-Key (HAProxy never replays those: a write cut off
    may have been done), and with one per request (HAProxy replays a cut-off request on the other instance; the API
    runs it once).

--restart-only runs the restart runs alone and keeps the comparison table already in docs/benchmarks.md.

Writes its section of docs/benchmarks.md (between the bench-cluster markers; `make bench` keeps it)."""

import argparse
import csv
import os
import platform
import secrets
import signal
import socket
import statistics
import string
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import wrk
from bench.load import load

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / "var" / "cluster"
WARM_UP_SECONDS = 2
BEGIN, END = "<!-- bench-cluster -->", "<!-- /bench-cluster -->"
# Where the restart runs' part of the section starts (--restart-only keeps what is above it).
RESTARTS = (
    "One gunicorn going away during a run through HAProxy (target: no error). A reload and a restart are planned: "
    "scripts/cluster/web.sh drains the instance in HAProxy first (no new requests; the ones it has finish) and puts it "
    "back once its /health answers. A kill is not: SIGKILL of the master and its workers, then started again."
)
# Letters only in the run's mark (digit groups joined by dashes can look like a card number, which the API refuses);
# wrk's counters and unseeded random numbers repeat from run to run, the mark does not.
CREATE_BODY = '{"email": "cluster-%s-t%%dc%%dr%%d@example.com", "name": "Bench Co", "country": "US"}'


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cluster_running() -> bool:
    return subprocess.run(["bash", "scripts/cluster/stop.sh", "--check"], cwd=ROOT, capture_output=True).returncode == 0


def web(action: str, n: int, env: dict) -> float:
    """scripts/cluster/web.sh ACTION N; the seconds it took."""
    started = time.perf_counter()
    subprocess.run(["bash", "scripts/cluster/web.sh", action, str(n)], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


class ClusterBench:
    def __init__(self, args):
        self.args = args
        self.rows: list[dict] = []
        self.restarts: list[dict] = []
        self.notes: list[str] = []

    # --- setup -----------------------------------------------------------------------------------------------------
    def start_cluster(self):
        self.started_cluster = not cluster_running()
        if self.started_cluster:
            print("bench-cluster: starting the cluster (make cluster)", flush=True)
            subprocess.run(["bash", "scripts/cluster/start.sh"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        else:
            print("bench-cluster: using the running cluster", flush=True)
        ports = read_env(STATE / "ports.env")
        cluster_env = read_env(STATE / "cluster.env")
        self.proxy = f"http://127.0.0.1:{ports['proxy_port']}"
        self.stats = f"http://127.0.0.1:{ports['stats_port']}/;csv"
        self.direct_db = cluster_env["DATABASE_URL"].replace(f":{ports['bouncer_port']}/", f":{ports['primary_port']}/")
        # The cluster's own web environment, to put its gunicorns back as they were.
        self.plain_env = {key: value for key, value in os.environ.items() if key != "API_RATE_LIMIT_PER_MINUTE"}
        lifted = {"API_RATE_LIMIT_PER_MINUTE": "100000000"}
        self.bench_env = {**self.plain_env, **lifted}  # web.sh adds cluster.env
        self.app_env = {**self.plain_env, **cluster_env, **lifted}

    def load_data(self):
        with psycopg.connect(self.direct_db) as conn:
            count = conn.execute("SELECT count(*) FROM customers_customer").fetchone()[0]
        if count >= self.args.customers:
            self.load_stats = f"{count:,} customers already in the cluster's database (kept from an earlier run)"
        else:
            print(f"bench-cluster: loading {self.args.customers:,} customers into the cluster's primary …", flush=True)
            # The app's role has a 30 s statement timeout; the load's COPY takes longer.
            stats = load(self.direct_db + "?options=-c%20statement_timeout%3D0", self.args.customers)
            self.load_stats = f"{stats} loaded with bench/load.py into the demo data"
        print(f"bench-cluster: {self.load_stats}", flush=True)
        key = subprocess.run(
            [sys.executable, "manage.py", "create_api_key", "--name", "bench-cluster", "--scopes",
             "customers:read customers:write"],
            cwd=ROOT, env=self.app_env, capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        self.auth = f"Bearer {key}"
        with psycopg.connect(self.direct_db) as conn:
            active = conn.execute("SELECT count(*) FROM customers_customer WHERE status = 'active'").fetchone()[0]
            self.some_id, name = conn.execute(
                "SELECT id, name FROM customers_customer WHERE status = 'active' ORDER BY id OFFSET %s LIMIT 1",
                [active // 2],
            ).fetchone()
        self.search_term = urllib.parse.quote(name.split()[0].lower())

    @contextmanager
    def direct_server(self):
        port = free_port()
        env = {**self.app_env, "DATABASE_URL": self.direct_db, "DATABASE_POOLER": ""}
        log = STATE / "log"
        output = (log / "bench-direct.log").open("a")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "4", "--threads", "4",
             "--preload", "--timeout", "60", "--keep-alive", "30",
             "--access-logfile", str(log / "bench-direct-access.log"),
             "--error-logfile", str(log / "bench-direct.log")],
            cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/health", timeout=2)
                    break
                except OSError as error:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"direct gunicorn not up; see {log}/bench-direct.log") from error
                    time.sleep(0.3)
            yield base
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            output.close()

    # --- measuring -------------------------------------------------------------------------------------------------
    def wrk(self, base: str, path: str, seconds: int, *, write: bool = False, keyed: bool = False) -> wrk.WrkResult:
        options = {"seconds": seconds, "connections": self.args.connections, "auth": self.auth}
        if write:
            mark = "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
            key = f"cluster-{mark}-t%dc%d" if keyed else ""
            return wrk.run(
                base + path, method="POST", body_format=CREATE_BODY % mark, path=path, idempotency_key_format=key,
                **options,
            )  # fmt: skip
        return wrk.run(base + path, **options)

    def haproxy_counts(self) -> dict[str, int]:
        """HAProxy's counters for the backend and each gunicorn: times marked down, seconds down, 5xx answers, requests
        with no server to go to (econ), retries and redispatches."""
        with urllib.request.urlopen(self.stats, timeout=5) as response:
            rows = csv.DictReader(response.read().decode().lstrip("# ").splitlines())
            counts = {}
            for row in rows:
                if row["pxname"] != "gunicorns":
                    continue
                for field in ("chkdown", "downtime", "hrsp_5xx", "econ", "eresp", "wretr", "wredis"):
                    counts[f"{row['svname']} {field}"] = int(row[field] or 0)
        return counts

    def both_up(self) -> bool:
        with urllib.request.urlopen(self.stats, timeout=5) as response:
            lines = response.read().decode().splitlines()
        return sum(1 for line in lines if line.startswith("gunicorns,web") and ",UP," in line) == 2

    def wait_both_up(self, seconds: int = 30):
        deadline = time.monotonic() + seconds
        while not self.both_up():
            if time.monotonic() > deadline:
                raise RuntimeError("HAProxy does not see both gunicorns up")
            time.sleep(0.2)

    def compare(self, direct_base: str):
        scenarios = [
            ("get one", f"/api/v1/customers/{self.some_id}", False),
            ("list first page (per_page=50)", "/api/v1/customers?per_page=50", False),
            ("search=", f"/api/v1/customers?search={self.search_term}", False),
            ("create", "/api/v1/customers", True),
        ]
        targets = {"cluster": self.proxy, "direct": direct_base}
        for scenario, path, write in scenarios:
            results: dict[str, list[wrk.WrkResult]] = {"cluster": [], "direct": []}
            for round_ in range(self.args.rounds):
                order = ["cluster", "direct"] if round_ % 2 == 0 else ["direct", "cluster"]
                for variant in order:
                    if not write:
                        self.wrk(targets[variant], path, WARM_UP_SECONDS)
                    results[variant].append(self.wrk(targets[variant], path, self.args.seconds, write=write))
            row = {"scenario": scenario}
            for variant, runs in results.items():
                row[variant] = {
                    "rps": statistics.mean(r.requests_per_second for r in runs),
                    "p50": statistics.mean(r.p50_ms for r in runs),
                    "p99": statistics.mean(r.p99_ms for r in runs),
                    "bad": sum(r.non_2xx + r.errors for r in runs),
                    "each": [round(r.requests_per_second) for r in runs],
                }
            row["ratio"] = row["cluster"]["rps"] / row["direct"]["rps"]
            self.rows.append(row)
            c, d = row["cluster"], row["direct"]
            print(
                f"  {scenario:<30} cluster {c['rps']:7.1f} req/s p50 {c['p50']:6.1f} p99 {c['p99']:6.1f} | direct "
                f"{d['rps']:7.1f} req/s p50 {d['p50']:6.1f} p99 {d['p99']:6.1f} | ratio {row['ratio']:.2f} "
                f"| errors {c['bad']}/{d['bad']}",
                flush=True,
            )

    def restart_run(
        self, name: str, path: str, actions: list[tuple[str, int]], *, write: bool = False, keyed: bool = False,
        seconds: int | None = None,
    ):  # fmt: skip
        """wrk through HAProxy for SECONDS (RESTART_SECONDS unless given) while web.sh acts on one instance at a time:
        GAP seconds in, the first action; once HAProxy sees both instances up again and GAP seconds later, the next."""
        seconds = seconds or self.args.restart_seconds
        self.wait_both_up()
        done: list[str] = []
        finished = [0.0]
        gap = self.args.gap

        def act():
            started = time.monotonic()
            for action, n in actions:
                time.sleep(gap)
                at = time.monotonic() - started
                took = web(action, n, self.bench_env)
                self.wait_both_up(60)
                finished[0] = time.monotonic() - started
                done.append(
                    f"{action} web{n} at {at:.0f} s (back in {took:.1f} s, both up in HAProxy at "
                    f"{time.monotonic() - started:.0f} s)"
                )

        before = self.haproxy_counts()
        actor = threading.Thread(target=act)
        actor.start()
        result = self.wrk(self.proxy, path, seconds, write=write, keyed=keyed)
        actor.join()
        after = self.haproxy_counts()
        changed = {name: after[name] - before.get(name, 0) for name in after if after[name] != before.get(name, 0)}
        self.notes.append(
            f"{name}, HAProxy's counters during the run: " + ", ".join(f"{k} {v}" for k, v in changed.items())
        )
        if finished[0] > seconds:
            self.notes.append(f"{name}: the last instance came back after the load ended (use more --restart-seconds).")
        row = {"scenario": name, "events": done, "result": result, "seconds": seconds}
        self.restarts.append(row)
        print(
            f"  {name}: {result.requests} requests, {result.requests_per_second:.1f} req/s, non-2xx {result.non_2xx}, "
            f"socket errors {result.errors}, p99 {result.p99_ms:.1f} ms; {'; '.join(done)}",
            flush=True,
        )

    # --- run -------------------------------------------------------------------------------------------------------
    def run(self):
        self.start_cluster()
        try:
            self.load_data()
            for n in (1, 2):  # the cluster's gunicorns, with the rate limit lifted for the run
                web("restart", n, self.bench_env)
            self.wait_both_up()
            if not self.args.restart_only:
                print("bench-cluster: cluster against direct", flush=True)
                with self.direct_server() as direct_base:
                    self.compare(direct_base)
            print("bench-cluster: one gunicorn going away during a run", flush=True)
            self.restart_run(
                "get one: reload web1, restart web2, kill web1",
                f"/api/v1/customers/{self.some_id}",
                [("reload", 1), ("restart", 2), ("kill", 1)],
            )
            self.restart_run(
                "create: reload web1, restart web2", "/api/v1/customers", [("reload", 1), ("restart", 2)], write=True
            )
            kill_seconds = self.args.kill_seconds
            self.restart_run(
                "create, no Idempotency-Key: kill web1", "/api/v1/customers", [("kill", 1)], write=True,
                seconds=kill_seconds,
            )  # fmt: skip
            self.restart_run(
                "create with an Idempotency-Key: kill web1", "/api/v1/customers", [("kill", 1)], write=True,
                keyed=True, seconds=kill_seconds,
            )  # fmt: skip
            self.pg_version = self.server_version()
        finally:
            if self.started_cluster:
                subprocess.run(["bash", "scripts/cluster/stop.sh"], cwd=ROOT, check=False)
            elif cluster_running():
                for n in (1, 2):  # as the cluster runs them, rate limit included
                    web("restart", n, self.plain_env)
        self.report()

    def server_version(self) -> str:
        with psycopg.connect(self.direct_db) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def report(self):
        load_avg = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        path = ROOT / "docs" / "benchmarks.md"
        text = path.read_text() if path.exists() else "# Benchmarks\n"
        if self.args.restart_only and BEGIN in text and RESTARTS in text:
            # The comparison as the last full run measured it; the restart runs below are this run's.
            kept = text[text.index(BEGIN) : text.index(RESTARTS)].rstrip("\n").splitlines()
            lines = [
                *kept,
                "",
                f"The restart runs below: measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by "
                f"`make bench-cluster ARGS=--restart-only` (load average {load_avg} at the end), same data.",
                "",
            ]
        else:
            lines = self.comparison_lines(load_avg)
        lines += self.restart_lines()
        section = "\n".join(line for line in lines) + "\n"
        print(section)
        if BEGIN in text and END in text:
            text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1 :]
        else:
            text = text.rstrip("\n") + "\n\n" + section
        path.write_text(text)
        print(f"bench-cluster: wrote {path.relative_to(ROOT)}")

    def comparison_lines(self, load_avg: str) -> list[str]:
        lines = [
            BEGIN,
            "## Through the cluster (`make bench-cluster`)",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-cluster` (bench/cluster.py). Machine: "
            f"{platform.machine()}, {os.cpu_count()} cores shared with other work (load average {load_avg} at the "
            f"end of the run), Python {platform.python_version()}, PostgreSQL {self.pg_version} (the cluster's: "
            "fsync and synchronous_commit on). Data: "
            f"{self.load_stats}.",
            "",
            f"wrk with 2 threads and {self.args.connections} connections, {self.args.seconds} s per measurement, "
            f"{self.args.rounds} rounds alternating which side goes first (mean of the rounds; req/s of each round in "
            "brackets). **cluster**: HAProxy → 2 gunicorns (each 2 workers x 5 threads, at most 8 requests at once by "
            "HAProxy's maxconn) → PgBouncer (transaction pooling) → primary. **direct**: one gunicorn with 4 workers x "
            "4 threads → primary. Both --preload. Same settings, "
            "database and Redis; the rate limit lifted.",
            "",
            "| scenario | cluster req/s | p50 ms | p99 ms | direct req/s | p50 ms | p99 ms | cluster / direct "
            "| errors (cluster/direct) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in self.rows:
            c, d = row["cluster"], row["direct"]
            lines.append(
                f"| {row['scenario']} | {c['rps']:.1f} {c['each']} | {c['p50']:.2f} | {c['p99']:.2f} "
                f"| {d['rps']:.1f} {d['each']} | {d['p50']:.2f} | {d['p99']:.2f} | {row['ratio']:.2f} "
                f"| {c['bad']}/{d['bad']} |"
            )
        return [*lines, ""]

    def restart_lines(self) -> list[str]:
        lines = [
            RESTARTS,
            "",
            "| run | seconds | requests | req/s | p99 ms | non-2xx | socket errors | what happened (when, how long it "
            "took) |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for row in self.restarts:
            r = row["result"]
            lines.append(
                f"| {row['scenario']} | {row['seconds']} | {r.requests} | {r.requests_per_second:.1f} | {r.p99_ms:.1f} "
                f"| {r.non_2xx} | {r.errors} | {'; '.join(row['events'])} |"
            )
        return [*lines, "", *(f"- {note}" for note in self.notes), END]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--restart-seconds", type=int, default=90)
    parser.add_argument("--kill-seconds", type=int, default=40, help="length of the runs where web1 is killed")
    parser.add_argument(
        "--restart-only", action="store_true",
        help="only the runs while an instance restarts; keeps the comparison already in docs/benchmarks.md",
    )  # fmt: skip
    parser.add_argument("--gap", type=int, default=5, help="seconds between one instance back and the next action")
    args = parser.parse_args()
    ClusterBench(args).run()


if __name__ == "__main__":
    main()
