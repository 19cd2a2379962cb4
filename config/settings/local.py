"""Development: the embedded default (SQLite, eager tasks) unless DATABASE_URL / REDIS_URL say otherwise."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "django-insecure-local-development-key-not-for-production"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Webhook receivers on this machine (a local receiver, the tests' loopback server) are allowed here only.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
