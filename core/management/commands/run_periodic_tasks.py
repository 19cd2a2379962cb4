"""The embedded default's stand-in for `celery beat` + `celery worker`: runs every task of CELERY_BEAT_SCHEDULE in
this process, each at its interval (the outbox sweep, which also sends webhook retries once due; the stalled
credit-check sweep; enrollment expiry; past-due holds; payment reminders; the idempotency purge) or, for a crontab entry
(the monthly statements), when its schedule says (counted from the command's start; `--once` runs every entry once).
`make run` starts it beside the web server. With a broker (REDIS_URL) run `celery beat` and workers instead."""

import logging
import time

from celery import current_app
from celery.schedules import crontab
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic tasks (CELERY_BEAT_SCHEDULE) in this process, each at its interval."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="run each task once, then exit (failing if one of them failed)"
        )

    def handle(self, *args, once: bool, **options):
        current_app.loader.import_default_modules()  # every app's tasks module, as a worker imports them
        schedule = {name: entry for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
        for name, entry in schedule.items():
            if entry["task"] not in current_app.tasks:
                raise CommandError(f"{name}: no task named {entry['task']}")
            if not isinstance(entry["schedule"], int | float | crontab):
                raise CommandError(f"{name}: only intervals in seconds and crontabs are supported here")
        due = dict.fromkeys(schedule, time.monotonic())
        # A crontab entry's last run: the command's start, so it first runs at its next time (unless --once).
        last_run = dict.fromkeys(schedule, timezone.now())
        for name, entry in schedule.items():
            if isinstance(entry["schedule"], crontab) and not once:
                due[name] = time.monotonic() + entry["schedule"].remaining_estimate(last_run[name]).total_seconds()
        failed = []
        self.stderr.write(f"Running {len(schedule)} periodic tasks in process: {', '.join(schedule)}")
        while True:
            now = time.monotonic()
            for name, entry in schedule.items():
                if due[name] <= now:
                    if not self.run_task(name, entry):
                        failed.append(name)
                    due[name] = time.monotonic() + self.interval(entry, last_run, name)
            if once:
                if failed:
                    raise CommandError(f"failed: {', '.join(failed)} (see the log)")
                return
            time.sleep(max(0.5, min(due.values()) - time.monotonic()))

    @staticmethod
    def interval(entry: dict, last_run: dict, name: str) -> float:
        """Seconds until the entry's next run, after it ran now."""
        if not isinstance(entry["schedule"], crontab):
            return entry["schedule"]
        last_run[name] = timezone.now()
        return max(1.0, entry["schedule"].remaining_estimate(last_run[name]).total_seconds())

    def run_task(self, name: str, entry: dict) -> bool:
        task = current_app.tasks[entry["task"]]
        try:
            # apply(): in this process, whatever the broker settings say.
            result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=True)
            logger.debug("Periodic task %s: %s", name, result.result)
        except Exception:
            # One failing run must not stop the others; it is retried at its next interval.
            logger.exception("Periodic task %s failed", name)
            return False
        return True
