"""`make bench-queues`: how long a credit check waits for its decision while the import queue is flooded, with real
Celery workers on a throwaway PostgreSQL and Redis (scripts/services.sh), in the cluster's layout and without it.

Each mode starts its workers, optionally floods the imports queue (FILES uploads of ROWS rows each, queued at once,
the first already running), then requests CHECKS credit checks one after another (a pause between them) through the
credit service, as the API does. A check's latency is its decision time minus its request time, both stamped by the
database's clients (`decided_at - requested_at`): commit, hand-over to Redis, a worker picking it up, the engine and
the decision's transaction.

    split, idle        a worker per queue (credit -c 2; imports -c 1 at nice 10), nothing else queued
    split, flooded     the same workers, the imports queue flooded
    split, flooded, no nice   as above, the imports worker at normal CPU priority
    one queue, flooded the old layout: one worker (-c 1) serving credit and imports alike

The target (issue 18): with the flood, the decision p99 stays within 1.2 x the idle p99. The test suite asserts the
ordering (tests/scaling/test_queues.py); the figures are here.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "creditdesk_queues"


def setup_environment() -> dict:
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"{server}/{DATABASE}",
        "REDIS_URL": os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/8",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    return env


class Workers:
    def __init__(self, env: dict, specs: list[tuple[str, str, list[str], bool]]) -> None:
        self.processes: list[subprocess.Popen] = []
        for name, queues, options, niced in specs:
            command = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queues,
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "warning",
                *options,
            ]
            if niced:
                command = ["nice", "-n", "10", *command]
            log = open(ROOT / f"var/bench-queues-{name}.log", "w")  # noqa: SIM115 (closed with the process)
            self.processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=os.environ.copy(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        from config.celery import app

        names = [f"{name}@{os.uname().nodename}" for name, *_ in specs]
        deadline = time.monotonic() + 60
        while len(app.control.ping(destination=names, timeout=0.5)) < len(names):
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not answer a ping within 60 s; see var/bench-queues-*.log")

    def stop(self) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def flood(files: int, rows: int, tag: str) -> list[str]:
    from django.db import transaction

    from customers.imports import customer_import_create

    ids = []
    with transaction.atomic():  # queued together, after one commit
        for number in range(files):
            lines = ["email,name,country"] + [f"{tag}{number}-{n}@flood.example,Flood {n},US" for n in range(rows)]
            content = ("\n".join(lines) + "\n").encode()
            ids.append(customer_import_create(file_name=f"{tag}{number}.csv", content=content, limited=False).id)
    return ids


def decision_latencies(count: int, pause: float, tag: str, ein_area: int) -> list[float]:
    from core.actors import Actor
    from credit.models import CreditCheck
    from credit.services import credit_check_request
    from customers.services import customer_create

    actor = Actor.system("bench-queues")
    checks = []
    for n in range(count):
        customer = customer_create(
            actor=actor,
            email=f"ap{n}@{tag}.example",
            name=f"Queue Bench {tag} {n}",
            legal_name=f"Bench {n} LLC",
            ein=f"{ein_area}-{n:07d}",  # never shared: a shared EIN is referred to review
            street_address="1 Market St",
            city="San Francisco",
            state="CA",
            postal_code="94105",
            country="US",
        )
        checks.append(
            credit_check_request(customer=customer, actor=actor, amount_requested=10_000, has_purchase_history=True).id
        )
        time.sleep(pause)
    deadline = time.monotonic() + 300
    while CreditCheck.objects.filter(id__in=checks, status="pending").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("credit checks undecided after 300 s")
        time.sleep(0.05)
    stamps = CreditCheck.objects.filter(id__in=checks).values_list("requested_at", "decided_at")
    if any(decided is None for _, decided in stamps):
        raise RuntimeError("a credit check was referred to review instead of decided")
    return [(decided - requested).total_seconds() * 1000 for requested, decided in stamps]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


MODES = {
    "split, idle": ([("credit", "credit", ["-c", "2"], False), ("imports", "imports", ["-c", "1"], True)], False),
    "split, flooded": ([("credit", "credit", ["-c", "2"], False), ("imports", "imports", ["-c", "1"], True)], True),
    "split, flooded, no nice": (
        [("credit", "credit", ["-c", "2"], False), ("imports", "imports", ["-c", "1"], False)],
        True,
    ),
    "one queue, flooded": ([("shared", "credit,imports", ["-c", "1"], False)], True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=100)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between two credit checks")
    parser.add_argument("--files", type=int, default=30)
    parser.add_argument("--rows", type=int, default=5_000)
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    setup_environment()
    import django

    django.setup()
    import redis

    from customers.models import CustomerImport, CustomerImportStatus

    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    results = []
    for index, (mode, (specs, flooded)) in enumerate(MODES.items()):
        broker.flushdb()
        workers = Workers(os.environ.copy(), specs)
        try:
            imports = []
            if flooded:
                imports = flood(args.files, args.rows, f"m{index}f")
                deadline = time.monotonic() + 60
                while not CustomerImport.objects.filter(id__in=imports, status=CustomerImportStatus.RUNNING).exists():
                    if time.monotonic() > deadline:
                        raise RuntimeError("no import started within 60 s")
                    time.sleep(0.05)
            started = time.monotonic()
            latencies = decision_latencies(args.checks, args.pause, f"m{index}c", ein_area=20 + index)
            elapsed = time.monotonic() - started
            done = CustomerImport.objects.filter(id__in=imports, status=CustomerImportStatus.COMPLETED).count()
            results.append((mode, latencies, elapsed, broker.llen("imports"), done, len(imports)))
            print(
                f"bench-queues: {mode}: p50 {statistics.median(latencies):.0f} ms, "
                f"p99 {percentile(latencies, 0.99):.0f} ms",
                flush=True,
            )
        finally:
            broker.delete("imports", "credit")
            workers.stop()
    idle_p99 = percentile(results[0][1], 0.99)
    print()
    print(
        f"{args.checks} credit checks, {args.pause * 1000:.0f} ms apart; flood: {args.files} imports of "
        f"{args.rows:,} rows queued at once; {os.cpu_count()} CPUs."
    )
    print()
    print("| mode | p50 ms | p95 ms | p99 ms | max ms | p99 / idle p99 | imports queued at the end | imports done |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode, latencies, _, queued, done, total in results:
        p99 = percentile(latencies, 0.99)
        print(
            f"| {mode} | {statistics.median(latencies):.0f} | {percentile(latencies, 0.95):.0f} | {p99:.0f} | "
            f"{max(latencies):.0f} | {p99 / idle_p99:.2f} | {queued if total else '-'} | "
            f"{f'{done} of {total}' if total else '-'} |"
        )


if __name__ == "__main__":
    main()
