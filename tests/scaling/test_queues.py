"""Split queues (CELERY_TASK_QUEUE_TASKS): every task is routed to the queue of its kind of work, a published task
lands in that queue alone, and a flooded import queue does not hold up credit decisions served by workers of their
own. The latency figures of the same setup are `make bench-queues`'s; the test asserts the ordering."""

import os

import pytest
import redis
from django.conf import settings

from config.celery import app as celery_app
from credit.models import CreditCheck
from credit.services import credit_check_request
from customers.imports import customer_import_create
from customers.models import CustomerImport, CustomerImportStatus
from tests.credit.builders import API
from tests.factories import CustomerFactory
from tests.faults.stack import CeleryWorker, app_environment, wait_until

QUEUES = settings.CELERY_TASK_QUEUE_TASKS
PROJECT_PACKAGES = ("core.", "customers.", "credit.")


def test_every_project_task_is_named_in_one_queue():
    celery_app.loader.import_default_modules()
    project_tasks = {name for name in celery_app.tasks if name.startswith(PROJECT_PACKAGES)}
    routed = [task for tasks in QUEUES.values() for task in tasks]
    assert len(routed) == len(set(routed))  # no task in two queues
    assert project_tasks == set(routed)  # a new task must be given a queue, not land in the default by accident


def test_tasks_are_routed_to_their_queues():
    route = celery_app.amqp.router.route
    assert route({}, "credit.decide_credit_check")["queue"].name == "credit"
    assert route({}, "core.webhooks.deliver")["queue"].name == "notifications"
    assert route({}, "customers.run_customer_import_part")["queue"].name == "imports"
    assert route({}, "core.ensure_partitions")["queue"].name == "housekeeping"
    assert "core.ensure_partitions" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {route({}, entry["task"])["queue"].name for entry in settings.CELERY_BEAT_SCHEDULE.values()} == {
        "housekeeping"
    }


@pytest.fixture
def isolated_broker():
    """A Redis database of this test's own as the broker, for this process and the workers it starts: the suite's
    session worker (which serves every queue) must not take these tasks."""
    base, db = os.environ["REDIS_URL"].rsplit("/", 1)
    url = f"{base}/{(int(db or 0) + 8) % 16}"  # eight from the suite's (each test process has its own, one apart)
    client = redis.Redis.from_url(url)
    client.flushdb()
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield url, client
    celery_app.conf.broker_url = previous
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    client.flushdb()
    client.close()


def test_a_published_task_lands_in_its_own_queue_only(isolated_broker):
    _, client = isolated_broker
    for task in ("credit.decide_credit_check", "customers.run_customer_import", "core.webhooks.deliver"):
        celery_app.send_task(task, args=["x"])
    celery_app.send_task("credit.expire_enrollments")
    assert {name: client.llen(name) for name in QUEUES} == {
        "credit": 1,
        "notifications": 1,
        "imports": 1,
        "housekeeping": 1,
    }


def csv_rows(count: int, batch: int) -> bytes:
    lines = ["email,name,country"] + [f"f{batch}-{n}@flood.example,Flood {batch} {n},US" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def queue_workers(isolated_broker, transactional_db):
    """Real workers as the cluster runs them: one for imports, one for credit decisions, on the test database."""
    url, client = isolated_broker
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = app_environment(
        database_url=f"{base}/{settings.DATABASES['default']['NAME']}",
        redis_url=url,
        DATABASE_POOLER=os.environ.get("DATABASE_POOLER", ""),  # through PgBouncer in its pass, as the cluster's
        DB_CONN_MAX_AGE="0",
    )
    workers = [CeleryWorker(env, name="imports", queues="imports"), CeleryWorker(env, name="credit", queues="credit")]
    try:
        for worker in workers:
            worker.start()
        yield client
    finally:
        client.delete(*QUEUES)  # the flood left behind: a stopping worker finishes its task and takes no other
        for worker in workers:
            worker.stop()


@pytest.mark.celery_worker
@pytest.mark.slow
def test_a_flooded_import_queue_does_not_hold_up_credit_decisions(queue_workers):
    imports = [customer_import_create(file_name=f"flood-{n}.csv", content=csv_rows(3_000, n)).id for n in range(20)]
    wait_until(
        lambda: CustomerImport.objects.filter(status=CustomerImportStatus.RUNNING).exists(),
        timeout=60,
        what="the import worker busy with the flood",
    )
    checks = [
        credit_check_request(
            customer=CustomerFactory(), actor=API, amount_requested=1_000, has_purchase_history=True
        ).id
        for _ in range(5)
    ]
    wait_until(
        lambda: not CreditCheck.objects.filter(id__in=checks, decided_at__isnull=True).exists(),
        timeout=60,
        what="every credit check decided",
    )
    still_queued = queue_workers.llen("imports")
    imports_done = CustomerImport.objects.filter(id__in=imports, status=CustomerImportStatus.COMPLETED).count()
    # Every check was requested after the whole flood was queued, and decided while most of it still waited.
    assert still_queued >= 10, f"{still_queued} import tasks still queued"
    assert imports_done < 10
    last_decision = max(CreditCheck.objects.filter(id__in=checks).values_list("decided_at", flat=True))
    unfinished = CustomerImport.objects.filter(id__in=imports).exclude(finished_at__lt=last_decision).count()
    assert unfinished >= 10
