"""config: settings, the root URLconf and the Celery app: the top layer, which composes the apps."""

from .celery import app as celery_app

__all__ = ("celery_app",)
