"""The Celery application, wired the standard way (settings under CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamcrm.settings.local")

app = Celery("kamcrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
