import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import CommandError
from django.test import TransactionTestCase

from config.celery import app as celery_app
from core import ids
from core.outage import BROKER, CACHE
from tests.smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parent.parent

_fixture_teardown = TransactionTestCase._fixture_teardown


def _fixture_teardown_retried_on_deadlock(self):
    """A `transaction=True` test ends by truncating every table. A server process the test started (gunicorn, a
    Celery worker) may still be finishing a request that reads some of them; PostgreSQL then ends one of the two as a
    deadlock victim, sometimes the truncation. The server's work is over by then: truncate again."""
    for attempt in range(3):
        try:
            return _fixture_teardown(self)
        except CommandError as error:
            if attempt == 2 or "deadlock detected" not in str(error.__cause__):
                raise
            time.sleep(0.5)


TransactionTestCase._fixture_teardown = _fixture_teardown_retried_on_deadlock


@pytest.fixture(autouse=True)
def _id_generator_follows_the_real_clock():
    """Ids stay monotonic within a process, so after a test that travelled to the future every later id would be an
    increment of the last future one (and near-identical ids confuse the trigram search tests). Forget them."""
    previous = ids._last
    yield
    ids._last = previous


@pytest.fixture(autouse=True)
def _outage_breakers_closed():
    """A test that makes the broker or the cache fail trips its breaker (core.outage) for 10 s of wall time: the
    next test must not start with Redis skipped."""
    for breaker in (BROKER, CACHE):
        breaker.reset()
    yield
    for breaker in (BROKER, CACHE):
        breaker.reset()


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in process for this test (enqueueing still goes through transaction.on_commit)."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture(scope="session")
def smtp_server():
    """The suite's real SMTP server (tests/smtp_server.py), on a port of its own for the whole session: the Celery
    worker process sends to it (EMAIL_URL). It listens only while a test uses `mailbox`, so no thread of it runs
    under the other tests."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server, settings):
    """The suite's SMTP server, listening for this test, which sends to it from this process too;
    `mailbox.messages` is what arrived. A test may stop and start it (a server down, then back)."""
    smtp_server.clear()
    smtp_server.start()
    settings.MAILERS = {"default": smtp_server.mailer}
    yield smtp_server
    smtp_server.stop()
    smtp_server.clear()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, smtp_server):
    """A real `celery worker` process on the suite's Redis, reading the test database and sending email to the
    suite's SMTP server. Tests that use it must be `django_db(transaction=True)` so the worker sees their committed
    rows."""
    test_db = settings.DATABASES["default"]["NAME"]
    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"test-{os.getpid()}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"{base_url}/{test_db}",
        "DB_CONN_MAX_AGE": "0",
        "EMAIL_URL": smtp_server.url,
    }
    log = open(ROOT / f".tmp-celery-worker{os.environ.get('PYTEST_XDIST_WORKER', '')}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-c", "1", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-n", name, "-l", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited early; see {log.name}")
        if celery_app.control.ping(destination=[name], timeout=0.5):
            break
    else:
        process.kill()
        raise RuntimeError("celery worker did not answer a ping within 60 s")
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def broker_down():
    """Point this process's Celery producer at a closed local port: publishing fails as it does in an outage."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    previous_url = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.broker_url = previous_url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
