"""The Celery app: settings from Django's (CELERY_*), every app's tasks modules found by autodiscovery."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("creditdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks modules below an app's top level.
app.autodiscover_tasks(["core.webhooks", "core.email"])
