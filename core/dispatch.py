"""Handing work to Celery from the services, without the services importing their tasks modules.

Work is a database row first (a credit check, an import, an email) and a task second, so a publish that fails loses
nothing: each kind of row has a periodic sweep that hands over again what no task is known to be working on. Tasks
are named, not imported (`"credit.decide_credit_check"`): the tasks modules import the services, never the reverse.

`dispatch` is the one way a row's task is handed over: it stamps the row's `dispatched_at` (and counts the hand-over
in `dispatch_count` where the model keeps one), which is what the sweeps read, then publishes the task (no retry
loop: with the broker down it fails at once, the stamp is taken back and the breaker pauses publishing for a few
seconds). In the embedded default (no broker) the task runs in the calling process; its failure is logged, not
raised: the caller's change has committed, and the sweep will try again. Long work (an import) asks to run `beside`
the caller there: on a thread of its own, so the request that started it answers at once and its page can show the
progress, as it does with a worker."""

import logging
import threading
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db import connections
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


def tasks_run_in_process() -> bool:
    """True in the embedded default (no broker): tasks run in the process that publishes them."""
    return bool(current_app.conf.task_always_eager)


def dispatch(
    task_name: str, object_id: str, *, waiting: QuerySet, eta: datetime | None = None, beside: bool = False
) -> bool:
    """Hand `task_name(object_id)` to the broker (to run at `eta`, for a retry) if the row is still in `waiting` (its
    model's rows that want the task). Never raises and never waits long. True when handed over. With `beside`, a task
    run in process runs on a thread of its own instead of inside the caller where settings.TASKS_BESIDE_REQUESTS says
    so (the embedded default).

    The row is stamped first (`dispatched_at`, and one more `dispatch_count` where the model counts them) and the stamp
    taken back if the broker refuses the task: in the embedded default the task runs inside the publish and may itself
    change the row (finish it, or reschedule it), and what it wrote must stand."""
    if eta is not None and eta > timezone.now() and tasks_run_in_process():
        # No broker to hold a task until its time (the embedded default): the row says when it is due, and its sweep
        # hands it over then.
        return False
    if BROKER.open:
        logger.warning("%s %s not handed over (broker failed moments ago); its sweep will", task_name, object_id)
        return False
    counted = any(field.name == "dispatch_count" for field in waiting.model._meta.concrete_fields)
    stamp = {"dispatched_at": timezone.now(), **({"dispatch_count": F("dispatch_count") + 1} if counted else {})}
    if not waiting.filter(pk=object_id).update(**stamp):
        return False
    if beside and tasks_run_in_process() and settings.TASKS_BESIDE_REQUESTS:
        threading.Thread(target=_run_beside, args=(task_name, object_id), name=task_name, daemon=True).start()
        return True
    try:
        published = publish(task_named(task_name), object_id, eta=eta)
    except Exception:
        logger.exception("%s %s: the task failed in process; its sweep will retry", task_name, object_id)
        return True
    if not published:
        undo = {"dispatched_at": None, **({"dispatch_count": F("dispatch_count") - 1} if counted else {})}
        waiting.model._default_manager.filter(pk=object_id).update(**undo)
        logger.warning("%s %s not handed to the broker; its sweep will retry", task_name, object_id)
    return published


def _run_beside(task_name: str, object_id: str) -> None:
    """Run a task in process on this (new) thread; the thread's database connections are closed when it ends. A
    failure is logged: the row stays stamped and its sweep hands it over again."""
    try:
        task_named(task_name).apply(args=(object_id,), throw=True)
    except Exception:
        logger.exception("%s %s: the task failed in process; its sweep will retry", task_name, object_id)
    finally:
        connections.close_all()
