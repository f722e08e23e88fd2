from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    services.clear_expired_sessions()
