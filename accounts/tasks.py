from celery import shared_task

from . import services
from .notifications import send_notification_email  # noqa: F401  (registers the task)


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    services.clear_expired_sessions()
