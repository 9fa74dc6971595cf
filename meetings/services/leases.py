"""One save at a time per meeting: the lease a save holds (`Meeting.update_lease_until`), the check when it ends.

A save claims the meeting with a conditional UPDATE of its version and lease; a cancel or a settings change
takes the same lease, so none of them crosses another. A save whose outcome is unknown keeps the lease until
no try of it can still arrive; reconcile.py settles it then.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import selectors, texts
from ..models import Meeting, MeetingChange
from ..queue import job_queue
from .audit import stop
from .errors import MeetingCanceled, MeetingConflict

logger = logging.getLogger(__name__)


def update_lease() -> datetime.timedelta:
    """How long one save may hold a meeting (settings.DINGTALK_UPDATE_LEASE): longer than any save can take."""
    return datetime.timedelta(seconds=settings.DINGTALK_UPDATE_LEASE)


def settle_earlier_save(meeting: Meeting) -> None:
    """Settle a pending save of the meeting whose wait is over, before anyone saves on top of it."""
    from .reconcile import meeting_reconcile  # reconcile.py builds on this module

    if meeting.update_lease_until is not None and meeting.update_lease_until <= timezone.now():
        meeting_reconcile(meeting=meeting)


def take_lease(change: MeetingChange, *, record_start: bool = False) -> datetime.datetime:
    """Claim the meeting for one save (a conditional UPDATE); raise the reason when that is refused.

    With `record_start`, the attempt's audit row is written IN_PROGRESS in the same transaction, before
    anything goes to DingTalk: if the process dies mid-save, the row and the lease remain, and whoever
    settles saves whose lease ran out (reconcile.py) settles it.
    """
    meeting = change.meeting
    now = timezone.now()
    lease = now + update_lease()
    with transaction.atomic():
        claimed = (
            Meeting.objects.filter(pk=meeting.pk, version=change.based_on_version, status=Meeting.Status.ACTIVE)
            .filter(Q(update_lease_until__isnull=True) | Q(update_lease_until__lt=now))
            .update(update_lease_until=lease)
        )
        if claimed and record_start:
            change.outcome, change.check_after = MeetingChange.Outcome.IN_PROGRESS, lease
            change.save()
    if claimed:
        meeting.update_lease_until = lease  # mirrors the row, so release_lease knows whether it is still ours
        return lease
    stored = Meeting.objects.filter(pk=meeting.pk).values("version", "status").first() or {}
    if stored.get("status") == Meeting.Status.CANCELED:
        meeting.status = Meeting.Status.CANCELED
        raise MeetingCanceled(str(texts.MEETING_CANCELED_READ_ONLY))
    if stored.get("version") != change.based_on_version:
        stop(change, saved_since(change))
    pending = meeting.changes.filter(outcome=MeetingChange.Outcome.UNKNOWN, reconciled_at=None).first()
    if pending is not None and pending.check_after is not None:
        # Not "someone else is saving": the lock is the wait for an earlier save's uncertain outcome.
        stop(change, MeetingConflict(texts.WAITING_FOR_CHECK % check_time_params(pending.check_after, meeting)))
    stop(change, MeetingConflict(str(texts.SAVE_IN_PROGRESS)))


def release_lease(meeting: Meeting, lease: datetime.datetime) -> None:
    if meeting.update_lease_until != lease:
        return  # a stored save's UPDATE already cleared it, with the new values
    # Only our own lease: after it expired, someone else's may stand there.
    Meeting.objects.filter(pk=meeting.pk, update_lease_until=lease).update(update_lease_until=None)
    meeting.update_lease_until = None


def saved_since(change: MeetingChange) -> MeetingConflict:
    """The conflict of a form opened before the saves since: by the same person, it was another tab."""
    savers = set(
        selectors.meeting_changes_since(meeting=change.meeting, version=change.based_on_version).values_list(
            "user", flat=True
        )
    )
    mine = savers == {change.user.pk}
    return MeetingConflict(str(texts.SAVED_BY_YOU_ELSEWHERE if mine else texts.SAVED_BY_SOMEONE_ELSE))


def check_time_params(moment: datetime.datetime, meeting: Meeting) -> dict:
    """`time` and `time_zone` of a sentence saying when the meeting is checked (and unlocked)."""
    return {"time": texts.local_clock_time(moment, meeting.organization), "time_zone": meeting.organization.time_zone}


def schedule_check(meeting: Meeting, *, at: datetime.datetime) -> None:
    """Have a job settle the meeting at `at`, so it is settled even if nobody opens it. The page, the
    periodic settling (jobs.py) and `manage.py reconcile_meetings` settle it too."""
    job_queue("meeting_reconcile_job", run_after=at, meeting_id=meeting.pk)
