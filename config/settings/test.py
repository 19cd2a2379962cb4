"""Tests: real PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (make test sets them)."""

from .base import *  # noqa: F403

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
