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
