"""core's AppConfig: connects the webhook dispatcher to the outbox once the app registry is ready, and registers
core's system checks."""

from django.apps import AppConfig
from django.core import checks

from core.links import check_public_base_url


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        checks.register(check_public_base_url)
        # Registers the webhook dispatcher as an after-commit hook of core.events.event_record.
        from core.webhooks import dispatcher  # noqa: F401
