"""Background jobs (Django's tasks API; `manage.py db_worker` runs them). Each one calls a service."""

from django_tasks import task

from . import selectors, services
from .models import Meeting


@task()
def meeting_save_check_job(meeting_id: int) -> None:
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


@task()
def meetings_save_check_job() -> None:
    """Check every save whose wait is over (services.schedule_check_of_dead_saves queues it)."""
    for meeting in selectors.meetings_to_check():
        meeting_save_check_job.call(meeting.pk)


@task()
def bulk_rename_run(*, job_id: int, run_token: str) -> None:
    services.bulk_rename_run(job_id=job_id, run_token=run_token)


@task()
def import_preview(import_id: int) -> None:
    services.import_preview(import_id=import_id)


@task()
def import_run(import_id: int) -> None:
    services.import_run(import_id=import_id)
