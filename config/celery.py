"""The Celery application. Tasks are thin: they load ids and call a service."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("written_authority")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
