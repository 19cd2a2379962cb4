import socket

import pytest

from config.celery import app as celery_app


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
