"""Background jobs (Django's tasks API; `manage.py db_worker` runs them). Each one calls the service it is
named after, with `_job`; services queue them by that name through meetings/queue.py (`@queue.job`)."""

from django_tasks import task

from . import queue, services
from .models import Meeting


@queue.job
@task()
def meeting_save_check_job(*, meeting_id: int) -> None:
    """Check a save of the meeting whose outcome is not known, once its wait is over (queued for then).

    A job that finds nothing to check -- the save ended normally, a person checked it first -- does nothing.
    """
    meeting = Meeting.objects.select_related("organization").filter(pk=meeting_id).first()
    if meeting is None:
        return
    try:
        services.meeting_save_check(meeting=meeting)
    except services.MeetingError:
        pass  # recorded in the rows and logged; a failed check queued its own retry


@queue.job
@task()
def meetings_save_check_job() -> None:
    services.meetings_save_check()


@queue.job
@task()
def bulk_rename_run_job(*, job_id: int, run_token: str) -> None:
    services.bulk_rename_run(job_id=job_id, run_token=run_token)


@queue.job
@task()
def import_preview_job(*, job_id: int, run_token: str) -> None:
    services.import_preview(import_id=job_id, run_token=run_token)


@queue.job
@task()
def import_run_job(*, job_id: int, run_token: str) -> None:
    services.import_run(import_id=job_id, run_token=run_token)


@queue.job
@task()
def jobs_take_over_stalled_job() -> None:
    services.jobs_take_over_stalled()


@queue.job
@task()
def old_records_prune_job() -> None:
    services.old_records_prune()


@queue.job
@task()
def meetings_sync_job() -> None:
    services.meetings_sync()
