"""Background jobs (Django's tasks API: django-tasks, run by `manage.py db_worker`). Each one calls a service."""

from django_tasks import task

from . import services


@task()
def import_preview(import_id: int) -> None:
    services.import_preview(import_id=import_id)


@task()
def import_run(import_id: int) -> None:
    services.import_run(import_id=import_id)
