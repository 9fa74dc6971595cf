"""Background jobs (Django's tasks API; `manage.py db_worker` runs them). Each one calls a service."""

from django_tasks import task

from . import services
from .models import Meeting


@task()
def meeting_reconcile_job(meeting_id: int) -> None:
    """Settle a save of the meeting whose outcome is not known, once its wait is over (queued for then).

    A job that finds nothing to settle -- the save ended normally, a person settled it first -- does nothing.
    """
    meeting = Meeting.objects.select_related("organization").filter(pk=meeting_id).first()
    if meeting is None:
        return
    try:
        services.meeting_reconcile(meeting=meeting)
    except services.MeetingError:
        pass  # recorded in the rows and logged; a failed check queued its own retry


@task()
def meetings_reconcile_due_job() -> None:
    """Settle every save whose wait is over (services.schedule_check_of_dead_saves queues it)."""
    for meeting in services.meetings_to_reconcile():
        meeting_reconcile_job.call(meeting.pk)


@task()
def bulk_rename_run(*, job_id: int, run_token: str) -> None:
    services.bulk_rename_run(job_id=job_id, run_token=run_token)


@task()
def import_preview(import_id: int) -> None:
    services.import_preview(import_id=import_id)


@task()
def import_run(import_id: int) -> None:
    services.import_run(import_id=import_id)
