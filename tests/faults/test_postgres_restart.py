"""PostgreSQL restarted while gunicorn serves a steady load over persistent connections: the requests caught by the
restart are answered 503 service_unavailable in the API's error format, quickly; the same processes serve again once
PostgreSQL is back; and no customer is lost or created twice (clients retry with their Idempotency-Key)."""

import time
from pathlib import Path

import psycopg
import pytest

from tests.faults.load import CustomerLoad
from tests.faults.stack import SLOW_FAULT, wait_until

pytestmark = [pytest.mark.faults, SLOW_FAULT]

CLIENTS = 8
DOWNTIME = 1.5  # seconds between the stop and the start


def gunicorn_workers(server) -> list[int]:
    pid = server.process.pid
    return sorted(int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


def assert_error_format(answer) -> None:
    assert answer.content_type.startswith("application/json"), answer
    error = answer.body["error"]
    assert (error["type"], error["code"]) == ("api_error", "service_unavailable"), answer.body
    assert error["detail"] and error["documentation_url"].endswith("#errors-service_unavailable")
    assert answer.body["meta"]["request_id"] == answer.headers["X-Request-ID"]
    assert int(answer.headers["Retry-After"]) >= 1
    assert "Traceback" not in str(answer.body) and "psycopg" not in str(answer.body)


@pytest.mark.parametrize("mode", ["fast", "immediate"], ids=["clean-restart", "crash-restart"])
def test_postgres_restart_under_load(app_on_own_services, own_postgres, mode):
    server, token, _ = app_on_own_services
    workers = gunicorn_workers(server)
    load = CustomerLoad(server.url, token, label=f"pg-{mode}", clients=CLIENTS)
    load.start()
    try:
        wait_until(lambda: len(load.created) >= 2 * CLIENTS, timeout=60, what="load warmed up")
        outage_start = time.monotonic()
        own_postgres.stop(mode)
        time.sleep(DOWNTIME)
        own_postgres.start()
        outage_end = time.monotonic()
        # Keep the load on until every client has had successes after the restart.
        wait_until(
            lambda: (
                {a.client for a in load.answers if a.started > outage_end + 1 and a.status in (200, 201)}
                == set(range(CLIENTS))
            ),
            timeout=60,
            what="every client served again",
        )
    finally:
        load.stop()

    statuses = load.statuses()
    first_success_after = min(a.started for a in load.answers if a.started > outage_end and a.status in (200, 201))
    print(f"\nPostgreSQL {mode} restart, {CLIENTS} clients: {len(load.answers)} answers {statuses}, "
          f"{len(load.created)} customers; slowest answer {max(a.elapsed for a in load.answers):.2f} s; "
          f"served again {first_success_after - outage_end:.2f} s after the start command returned")  # fmt: skip
    assert set(statuses) <= {200, 201, 503}, statuses
    unavailable = [answer for answer in load.answers if answer.status == 503]
    assert unavailable, f"the restart caught no request: {statuses}"
    for answer in unavailable:
        assert_error_format(answer)
        # Not hung: refused at once, or after the connect timeout at worst.
        assert answer.elapsed < 5, answer
    assert max(answer.elapsed for answer in load.answers) < 10
    # Recovered without a restart of the app: the same gunicorn workers, answering again soon after the outage.
    assert gunicorn_workers(server) == workers
    failures_after = [a for a in load.answers if a.status == 503 and a.started > outage_end + 5]
    assert failures_after == [], failures_after[:3]
    assert outage_end - outage_start < DOWNTIME + 10

    # Nothing lost, nothing doubled: each wanted customer exists once, with the id its 201 reported.
    assert set(load.created) == load.wanted
    with psycopg.connect(own_postgres.url("app")) as connection:
        rows = connection.execute(
            "SELECT email, id FROM customers_customer WHERE email LIKE %s", [f"pg-{mode}-%"]
        ).fetchall()
        events = connection.execute(
            "SELECT count(*) FROM core_event WHERE event_type = 'customer.created' AND customer_id = ANY(%s)",
            [[customer_id for _, customer_id in rows]],
        ).fetchone()[0]
    emails = [email for email, _ in rows]
    assert sorted(emails) == sorted(set(emails)) and set(emails) == load.wanted
    assert dict(rows) == load.created
    assert events == len(rows)
