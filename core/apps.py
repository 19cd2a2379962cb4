"""core's AppConfig: connects the webhook dispatcher to the outbox once the app registry is ready."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        # Registers the webhook dispatcher as an after-commit hook of core.events.event_record.
        from core.webhooks import dispatcher  # noqa: F401
