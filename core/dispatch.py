"""Handing work to Celery from the services, without the services importing their tasks modules.

Work is a database row first (a credit check, an import, an email) and a task second, so a publish that fails loses
nothing: each kind of row has a periodic sweep that hands over again what no task is known to be working on. Tasks
are named, not imported (`"credit.decide_credit_check"`): the tasks modules import the services, never the reverse.

`dispatch` is the one way a row's task is handed over: it publishes the task (no retry loop: with the broker down it
fails at once and the breaker pauses publishing for a few seconds), and only once the broker took it stamps the row's
`dispatched_at` (and counts it in `dispatch_count` where the model keeps one), which is what the sweeps read. In the
embedded default (no broker) the task runs in the calling process; its failure is logged, not raised: the caller's
change has committed, and the sweep will try again."""

import logging

from celery import current_app
from django.db.models import F, QuerySet
from django.utils import timezone

from core.outage import BROKER, publish

logger = logging.getLogger(__name__)


def task_named(name: str):
    """The registered Celery task called `name`. The tasks modules are found by autodiscovery (config/celery.py),
    which a worker runs at start; in a web process it runs here, the first time a task is asked for."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def dispatch(task_name: str, object_id: str, *, waiting: QuerySet) -> bool:
    """Hand `task_name(object_id)` to the broker if the row is still in `waiting` (its model's rows that want the
    task), then stamp it. Never raises and never waits long. True when handed over."""
    if not waiting.filter(pk=object_id).exists():
        return False
    if BROKER.open:
        logger.warning("%s %s not handed over (broker failed moments ago); its sweep will", task_name, object_id)
        return False
    try:
        if not publish(task_named(task_name), object_id):
            logger.warning("%s %s not handed to the broker; its sweep will retry", task_name, object_id)
            return False
    except Exception:
        logger.exception("%s %s: the task failed in process; its sweep will retry", task_name, object_id)
    model = waiting.model
    stamp = {"dispatched_at": timezone.now()}
    if any(field.name == "dispatch_count" for field in model._meta.concrete_fields):
        stamp["dispatch_count"] = F("dispatch_count") + 1
    model._default_manager.filter(pk=object_id).update(**stamp)
    return True
