"""Test settings for a worker started after another was killed outright: the killed worker's unacknowledged task
comes back after 5 s instead of the production hour (visibility_timeout), and the new worker looks for such tasks
every second instead of every 100 s. Everything else is config.settings.test."""

from config.settings.test import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": 5,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
