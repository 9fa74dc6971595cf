"""Background jobs (Django's tasks API; run by `manage.py db_worker`). Each is thin: it calls a service."""

from django_tasks import task

from . import services


@task()
def bulk_rename_run(*, job_id: int, run_token: str) -> None:
    services.bulk_rename_run(job_id=job_id, run_token=run_token)
