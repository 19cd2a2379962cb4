"""`make bench`'s `staff` scenario: the staff pages a credit team lives in, on the receivables bench/receivables.py
loads (N purchases with their ledger and notes), served by the same gunicorn as the API scenarios and signed in as a
staff member (a session made once, sent as a cookie; no login per request).

Measured at 2 clients, so p50 and p99 are the page's own time rather than a queue: the collections worklist (first
page, a dashboard bucket in one currency, sorted by largest outstanding, a page deep in the list) and the customer
page of the customer with the most purchases, notes and ledger entries and of an ordinary one with something past
due. Each is compared with the same run's floor (an empty page in the staff layout, signed in) and judged against
the 300 ms target (p50 and p99 both under it). The queries each page makes are counted in the same database."""

import json
import os
import urllib.error
import urllib.request

import psycopg

BEGIN, END = "<!-- bench-staff -->", "<!-- /bench-staff -->"
TARGET_MS = 300
CLIENTS = 2

SESSION_SNIPPET = """
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
user, _ = get_user_model().objects.get_or_create(username="bench-viewer", defaults={"is_staff": True})
user.groups.add(Group.objects.get(name="viewer"))
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(settings.SESSION_COOKIE_NAME + "=" + session.session_key)
"""

QUERY_COUNT_SNIPPET = """
import json
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(username="bench-viewer"))
counts = {}
for path in PATHS:
    client.get(path, secure=True)
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path, secure=True).status_code
    counts[path] = len(ctx) if status == 200 else f"status {status}"
print(json.dumps(counts))
"""


class StaffScenario:
    def __init__(self, bench):
        self.bench = bench

    def run(self):
        bench = self.bench
        cookie = bench.manage("shell", "-c", SESSION_SNIPPET).strip().splitlines()[-1]
        heavy, ordinary, deep_cursor = self.subjects()
        pages = [
            ("floor: empty staff page", "/bench/floor/staff"),
            ("worklist, first page", "/staff/collections"),
            ("worklist, bucket 16-30 USD", "/staff/collections?bucket=16-30&currency_code=USD"),
            ("worklist, largest outstanding", "/staff/collections?order_by=outstanding%5BDESC%5D"),
            ("worklist, page deep in the list", f"/staff/collections?after={deep_cursor}"),
            ("customer page, heaviest customer", f"/staff/customers/{heavy['id']}"),
            ("customer page, one with past due", f"/staff/customers/{ordinary['id']}"),
        ]
        for _, path in pages:
            self.check_signed_in(path, cookie)
        counts = json.loads(
            bench.manage("shell", "-c", f"PATHS = {[path for _, path in pages]!r}\n" + QUERY_COUNT_SNIPPET)
            .strip()
            .splitlines()[-1]
        )
        bench.staff_rows, bench.staff_subjects = [], {"heavy": heavy, "ordinary": ordinary}
        load_before = os.getloadavg()[0]
        floor = None
        for name, path in pages:
            result = bench.measure(path, auth=False, connections=CLIENTS, headers={"Cookie": cookie})
            row = bench.record(f"staff: {name}", f"{CLIENTS} clients", result)
            bench.rows.remove(row)  # the staff pages have their own table (`section`)
            row.update(path=path, queries=counts.get(path))
            if floor is None:
                floor, row["verdict"] = row, "baseline"
            else:
                row["ratio"] = row["p50"] / floor["p50"]
                missed = [name for name in ("p50", "p99") if row[name] >= TARGET_MS]
                missed += ["non-2xx"] if row["non_2xx"] else []
                row["verdict"] = f"FAIL ({', '.join(missed)})" if missed else "pass"
                print(f"    {row['verdict']} against {TARGET_MS} ms; p50 {row['ratio']:.1f}x the floor", flush=True)
            bench.staff_rows.append(row)
        bench.staff_load = (load_before, os.getloadavg()[0])

    def subjects(self) -> tuple[dict, dict, str]:
        """The customer with the most purchases (and so notes and ledger), one with a few purchases past due, and
        a worklist cursor 90% of the way down its default order."""
        with psycopg.connect(self.bench.db_url) as conn:
            counts = (
                "SELECT count(*) FROM credit_credittransaction WHERE customer_id = c.id), "
                "(SELECT count(*) FROM credit_creditledgerentry WHERE customer_id = c.id), "
                "(SELECT count(*) FROM credit_customernote WHERE customer_id = c.id"
            )
            heavy = conn.execute(
                f"SELECT c.id, ({counts}) FROM customers_customer c WHERE c.id = "
                "(SELECT customer_id FROM credit_credittransaction GROUP BY customer_id ORDER BY count(*) DESC "
                "LIMIT 1)"
            ).fetchone()
            ordinary = conn.execute(
                f"SELECT c.id, ({counts}) FROM customers_customer c WHERE c.id = (SELECT customer_id FROM "
                "credit_credittransaction WHERE status = 'completed' AND amount_repaid < amount AND due_at < now() "
                "GROUP BY customer_id HAVING count(*) >= 2 ORDER BY customer_id LIMIT 1)"
            ).fetchone()
            past_due = conn.execute(
                "SELECT count(*) FROM credit_credittransaction WHERE status = 'completed' AND amount_repaid < amount "
                "AND due_at < now()"
            ).fetchone()[0]
            (tx_id,) = conn.execute(
                "SELECT id FROM credit_credittransaction WHERE status = 'completed' AND amount_repaid < amount "
                "AND due_at < now() ORDER BY due_at, id OFFSET %s LIMIT 1",
                [int(past_due * 0.9)],
            ).fetchone()
        self.bench.staff_past_due = past_due
        cursor = tx_id  # a row's id is a cursor (core.pagination): the page after it
        as_dict = lambda row: dict(zip(("id", "purchases", "ledger_entries", "notes"), row, strict=True))  # noqa: E731
        return as_dict(heavy), as_dict(ordinary), cursor

    def check_signed_in(self, path: str, cookie: str):
        """Every measured page answers 200 to the session (wrk would count a redirect to the login page as a
        success)."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        request = urllib.request.Request(self.bench.base + path, headers={"Cookie": cookie})
        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 200:
            raise RuntimeError(f"{path} answered {status} to the bench's staff session")


def section(bench) -> str:
    """The staff pages' part of docs/benchmarks.md."""
    from datetime import UTC, datetime

    rows = getattr(bench, "staff_rows", [])
    subjects = getattr(bench, "staff_subjects", {})
    lines = [
        BEGIN,
        "## Staff pages (`staff` scenario)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{bench.command}"
        f' ARGS="--scenarios {",".join(bench.args.scenarios)} --customers {bench.args.customers} '
        f'--purchases {bench.args.purchases}"` (bench/staff.py): '
        f"{bench.args.customers:,} customers, receivables loaded by bench/receivables.py: {bench.receivables_stats}; "
        f"customers' load: {bench.load_stats}.",
        "",
        f"wrk, {CLIENTS} connections, {bench.args.seconds} s per page after a warm-up, signed in as a viewer (a "
        "session cookie), served as the API scenarios are (gunicorn, 2 sync workers, production settings). "
        f"Target: p50 and p99 under {TARGET_MS} ms. Ratio: the page's "
        "p50 over the floor's (an empty page in the staff layout: session, user, roles, navigation).",
        "",
        "| page | requests/s | p50 ms | p99 ms | p50 / floor | queries | non-2xx | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = f"{row['ratio']:.2f}" if "ratio" in row else ""
        lines.append(
            f"| {row['scenario'].removeprefix('staff: ')} | {row['rps']:.1f} | {row['p50']:.2f} | {row['p99']:.2f} | "
            f"{ratio} | {row['queries']} | {row['non_2xx']} | {row['verdict']} |"
        )
    lines.append("")
    for key, label in (("heavy", "heaviest customer"), ("ordinary", "customer with past due")):
        if subject := subjects.get(key):
            lines.append(
                f"- The {label}: `{subject['id']}`, {subject['purchases']:,} purchases, "
                f"{subject['ledger_entries']:,} ledger entries, {subject['notes']:,} notes."
            )
    if hasattr(bench, "staff_load"):
        lines.append(
            f"- Load average (1 min) of this {os.cpu_count()}-core machine, shared with other work: "
            f"{bench.staff_load[0]:.1f} before the first page, {bench.staff_load[1]:.1f} after the last (the floor's "
            "p99 is the measure of what the machine itself added)."
        )
    if hasattr(bench, "staff_past_due"):
        lines.append(f"- Purchases past due (the worklist's unfiltered length): {bench.staff_past_due:,}.")
    lines += [
        "- Queries: counted by Django's test client in the same database, signed in, second request (the first "
        "warms caches).",
        END,
    ]
    return "\n" + "\n".join(lines) + "\n"
