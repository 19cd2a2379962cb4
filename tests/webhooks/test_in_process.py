"""The embedded default (no broker, tasks in process): `run_periodic_tasks`, which `make run` starts beside the web
server, stands in for celery beat, so webhook retries are sent once due, as with a broker."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command

from core.actors import SYSTEM
from core.models import WebhookDelivery
from customers.services import customer_create
from tests.factories import WebhookEndpointFactory
from tests.reading import reloaded

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]


def test_a_retry_is_not_run_early_and_is_sent_by_the_periodic_tasks_once_due(receiver, settings):
    settings.WEBHOOKS_SWEEP_GRACE_SECONDS = 0  # as in the embedded default (no REDIS_URL)
    with time_machine.travel(datetime(2031, 3, 3, 9, 0, tzinfo=UTC), tick=False) as clock:
        endpoint = WebhookEndpointFactory(url=receiver.url)
        receiver.stop()
        customer_create(actor=SYSTEM, email="ap@acme.example")
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert (delivery.status, delivery.attempt_count) == ("pending", 1)
        receiver.start()

        call_command("run_periodic_tasks", "--once")  # the retry is due in 30 s: not yet
        delivery = reloaded(delivery)
        assert delivery.attempt_count == 1 and receiver.requests == []

        clock.shift(31)
        call_command("run_periodic_tasks", "--once")
        delivery = reloaded(delivery)
        assert (delivery.status, delivery.attempt_count) == ("delivered", 2)
        assert len(receiver.requests) == 1


def test_every_periodic_task_runs_in_process(capsys):
    call_command("run_periodic_tasks", "--once")
    announced = capsys.readouterr().err
    for name in django_settings.CELERY_BEAT_SCHEDULE:
        assert name in announced


def test_the_command_runs_on_its_own_as_make_run_starts_it():
    """In a fresh process (as `make run` starts it), not only inside the test process that imported every task."""
    import os

    from tests.faults.stack import app_environment, manage

    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = app_environment(
        database_url=f"{base_url}/{django_settings.DATABASES['default']['NAME']}",
        redis_url="",  # no broker: tasks in process, as in the embedded default
        settings="config.settings.local",
    )
    manage("run_periodic_tasks", "--once", env=env)
