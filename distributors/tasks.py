from celery import shared_task

from kamcrm.imports import sheets as imports


@shared_task(ignore_result=True)
def purge_stale_imports() -> None:
    imports.purge_stale_stashes()
