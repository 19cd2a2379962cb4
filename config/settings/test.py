"""Tests: real PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (make test sets them)."""

import os
from urllib.parse import urlsplit, urlunsplit

# Run in parallel (pytest-xdist: `make test` runs two processes), each process gets its own test database (pytest-django
# names it test_<name>_gw<N>) and, here, its own Redis database: the broker's queues, the cache and the rate limits of
# one process are invisible to the other, so neither's Celery workers take the other's tasks. Set before the base
# settings read REDIS_URL; Celery workers the tests start inherit it.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw") and os.environ.get("REDIS_URL") and not os.environ.get("TEST_REDIS_DB_PER_PROCESS"):
    _parts = urlsplit(os.environ["REDIS_URL"])
    _base = int(_parts.path.strip("/") or 0)
    _db = (_base + 1 + int(_xdist_worker[2:])) % 16
    os.environ["REDIS_URL"] = urlunsplit(_parts._replace(path=f"/{_db}"))
    os.environ["TEST_REDIS_DB_PER_PROCESS"] = "1"  # a worker process a test starts inherits the moved URL as it is

from .base import *  # noqa: E402, F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

if not DATABASE_URL or not REDIS_URL:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Tests run against real PostgreSQL and Redis: use `make test`, or set DATABASE_URL and REDIS_URL."
    )
# Tests decide per test whether tasks run in process (the `eager_tasks` fixture) or on a real worker.
CELERY_TASK_ALWAYS_EAGER = False
# Tasks run in process run inside the caller (a thread would not see the test's transaction), unless a test asks.
TASKS_BESIDE_REQUESTS = False
# Webhook receivers on this machine (a local receiver, the tests' loopback server) are allowed here only.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
# Email goes to the SMTP server the tests start (tests/smtp_server.py), through EMAIL_URL (the Celery worker the tests
# start gets it in its environment) or the `mailbox` fixture; anything else is kept in memory, never in var/mail.
if not EMAIL_URL:  # noqa: F405
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
