"""GET /health, which HAProxy asks every 2 s in `make cluster`: 200 while the database answers, 503 when it does not,
and answered (not redirected to HTTPS) under the production settings."""

import secrets

import pytest
import requests

from tests.faults.stack import AppServer, Postgres, app_environment, wait_until

pytestmark = pytest.mark.django_db


def test_health_says_the_database_answers(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}  # no replica configured: nothing said of one
    assert "no-cache" in response["Cache-Control"]
    assert response["X-Request-ID"].startswith("req_")


def test_health_only_reads(client):
    assert client.post("/health").status_code == 405


@pytest.fixture
def own_postgres():
    postgres = Postgres()
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.cleanup()


@pytest.mark.slow
def test_health_is_503_while_the_database_is_down_under_production_settings(own_postgres):
    """A gunicorn under the production settings on a PostgreSQL of its own (it needs no tables for this)."""
    env = app_environment(
        database_url=own_postgres.url("postgres"),
        redis_url="redis://127.0.0.1:1/0",  # unused by /health
        settings="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        EMAIL_URL="smtp://127.0.0.1:25",  # unused by /health; production refuses to start without one
        DEFAULT_FROM_EMAIL="credit@example.com",
        DATABASE_POOLER="",  # its own server, reached directly, whatever the suite's pass
    )
    server = AppServer(env, workers=1, threads=1, log_name="health")
    server.start()
    try:
        health = f"{server.url}/health"
        assert requests.get(f"{server.url}/staff/", allow_redirects=False, timeout=10).status_code == 301  # to HTTPS
        assert requests.get(health, timeout=10).json() == {"status": "ok", "database": "ok"}
        own_postgres.stop()
        down = requests.get(health, timeout=10)
        assert (down.status_code, down.json()) == (503, {"status": "unavailable", "database": "unavailable"})
        own_postgres.start()
        wait_until(lambda: requests.get(health, timeout=10).status_code == 200, timeout=30, what="healthy again")
    finally:
        server.stop()
