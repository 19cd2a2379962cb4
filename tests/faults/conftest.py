import os
from contextlib import contextmanager

import pytest
from django.conf import settings

from config.celery import app as celery_app
from core.outage import BROKER
from tests.faults.stack import AppServer, Postgres, Redis, app_environment, manage


def suite_database_url() -> str:
    """The pytest test database, for processes started by a test (they see what `transaction=True` tests commit)."""
    return f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{settings.DATABASES['default']['NAME']}"


@contextmanager
def publishing_to(broker_url: str):
    """Point this process's Celery producer at another broker (the app caches its pools per URL)."""
    previous = celery_app.conf.broker_url

    def switch(url: str) -> None:
        celery_app.conf.broker_url = url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        BROKER.reset()

    switch(broker_url)
    try:
        yield
    finally:
        switch(previous)


@pytest.fixture(scope="module")
def own_postgres():
    """A migrated PostgreSQL of this module's own, which its tests may stop and restart."""
    server = Postgres()
    try:
        server.start()
        server.create_database("app")
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="module")
def own_redis():
    server = Redis()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="module")
def app_on_own_services(own_postgres, own_redis):
    """gunicorn (2 workers of 4 threads, persistent connections) on the module's own PostgreSQL and Redis, and an API
    key with every scope: (server, token, environment)."""
    env = app_environment(database_url=own_postgres.url("app"), redis_url=own_redis.url(),
                          API_RATE_LIMIT_PER_MINUTE="1000000000")  # fmt: skip
    manage("migrate", "--no-input", "-v", "0", env=env)
    token = manage("create_api_key", "--name", "faults", env=env).strip().splitlines()[-1]
    server = AppServer(env, workers=2, threads=4, log_name="pg-restart")
    server.start()
    try:
        yield server, token, env
    finally:
        server.stop()
