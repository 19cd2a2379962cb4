"""A bulk import uploaded while the broker is down: the upload still succeeds, and the stalled-import sweep hands
the job to a worker once the broker is back, so the rows are imported, once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from config.celery import app as celery_app
from core.outage import BROKER
from customers.imports import customer_import_create
from customers.models import Customer, CustomerImport
from customers.tasks import sweep_stalled_customer_imports
from tests.reading import reloaded

pytestmark = pytest.mark.django_db(transaction=True)

CSV = b"email,name\na@import.example,A\nb@import.example,B\n"


@pytest.fixture
def in_process():
    def switch(on: bool):
        celery_app.conf.task_always_eager = on
        celery_app.conf.task_eager_propagates = on

    yield switch
    switch(False)


def test_an_upload_while_the_broker_is_down_is_imported_by_the_sweep_later(broker_down, in_process):
    job = customer_import_create(file_name="a.csv", content=CSV)  # publishes after commit: refused
    job = reloaded(job)
    assert (job.status, job.dispatched_at) == ("pending", None)
    assert BROKER.open  # later publishes skip the broker for a while instead of each waiting on it

    # Within the grace period the sweep leaves it alone (its own dispatch may still be on the way).
    assert sweep_stalled_customer_imports() == {"dispatched": 0, "failed": 0}

    BROKER.reset()
    in_process(True)  # the broker is back: here, tasks run in this process
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert sweep_stalled_customer_imports() == {"dispatched": 1, "failed": 0}
        assert sweep_stalled_customer_imports() == {"dispatched": 0, "failed": 0}  # done: nothing left

    job = reloaded(job)
    assert (job.status, job.created_count, job.error_count) == ("completed", 2, 0)
    assert Customer.objects.filter(email__endswith="@import.example").count() == 2


def test_a_handed_over_import_is_not_sent_again_until_it_looks_lost(in_process):
    in_process(False)
    job = customer_import_create(file_name="a.csv", content=CSV, enqueue=False)
    CustomerImport.objects.filter(pk=job.pk).update(dispatched_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(seconds=300)):
        assert sweep_stalled_customer_imports() == {"dispatched": 0, "failed": 0}
    in_process(True)
    with time_machine.travel(timezone.now() + timedelta(seconds=601)):
        assert sweep_stalled_customer_imports() == {"dispatched": 1, "failed": 0}
    job = reloaded(job)
    assert job.status == "completed"
