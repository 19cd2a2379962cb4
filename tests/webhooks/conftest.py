import re
import socket
from pathlib import Path

import pytest

from config.celery import app as celery_app
from core.models import EventType
from core.outage import BROKER
from tests.webhooks.receiver import Receiver

README = Path(__file__).resolve().parents[2] / "README.md"
# Every type a receiver of the application's data subscribes to: all but the endpoint's own changes, which an
# endpoint subscribed to them receives too (its creation among them).
DATA_EVENT_TYPES = [event_type for event_type in EventType.values if not event_type.startswith("webhook_endpoint.")]


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def verify_signature():
    """The receiver-side verification exactly as the README documents it (its Python example, executed)."""
    text = README.read_text()
    section = text[text.index("### Verifying a delivery's signature") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(code, str(README), "exec"), namespace)
    return namespace["verify_signature"]


def _publish_to(url: str) -> None:
    celery_app.conf.broker_url = url
    # The app caches its connection and producer pools for the current URL (kombu keeps them per URL).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class BrokerOutage:
    """Makes this process publish to a loopback port nothing listens on: a real 'connection refused' from Redis's
    address, as when the broker is down. `end()` points it back at the suite's Redis."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.dead_url = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
        self.live_url = celery_app.conf.broker_url
        self.active = False

    def begin(self) -> None:
        _publish_to(self.dead_url)
        self.active = True

    def end(self) -> None:
        if self.active:
            _publish_to(self.live_url)
            BROKER.reset()
            self.active = False


@pytest.fixture
def broker_outage():
    outage = BrokerOutage()
    outage.begin()
    yield outage
    outage.end()


@pytest.fixture(autouse=True)
def _forget_subscription_snapshot():
    """Each test starts with no cached subscription snapshot (the cache is a real Redis shared across tests)."""
    from django.core.cache import cache

    from core.webhooks.subscriptions import CACHE_KEY

    cache.delete(CACHE_KEY)
