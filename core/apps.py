from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        # Registers the webhook dispatcher as an after-commit hook of core.events.event_record.
        # Registers core's Celery tasks, which core.email.dispatch publishes by name, in every process (a web or
        # management process imports no tasks module otherwise).
        from core import tasks  # noqa: F401
        from core.webhooks import dispatcher  # noqa: F401
