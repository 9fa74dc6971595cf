"""One save at a time per meeting: the lease a save holds (`Meeting.update_lease_until`), the check when it ends.

A save claims the meeting with a conditional UPDATE of its version and lease; a cancel or a settings change
takes the same lease, so none of them crosses another. A save whose outcome is unknown keeps the lease until
no try of it can still arrive; save_checks.py checks it then.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Now

from .. import selectors, texts
from ..clock import database_now, set_to_now_plus
from ..models import Meeting, MeetingChange
from ..queue import job_queue
from .audit import repeated, stop
from .errors import MeetingCanceled, MeetingConflict

logger = logging.getLogger(__name__)


def update_lease() -> datetime.timedelta:
    """How long one save may hold a meeting (settings.DINGTALK_UPDATE_LEASE): longer than any save can take."""
    return datetime.timedelta(seconds=settings.DINGTALK_UPDATE_LEASE)


def check_earlier_save(meeting: Meeting) -> None:
    """Check a pending save of the meeting whose wait is over, before anyone saves on top of it."""
    from .save_checks import meeting_save_check  # save_checks.py builds on this module

    if meeting.update_lease_until is not None and meeting.update_lease_until <= database_now():
        meeting_save_check(meeting=meeting)


def take_lease(change: MeetingChange, *, record_start: bool = False) -> datetime.datetime:
    """Claim the meeting for one save (a conditional UPDATE); raise the reason when that is refused.

    With `record_start`, the attempt's audit row is written IN_PROGRESS in the same transaction, before
    anything goes to DingTalk: if the process dies mid-save, the row and the lease remain, and whoever
    checks saves whose lease ran out (save_checks.py) reads DingTalk for it. A row whose submission key is on record
    already is the same form posted again: nothing is claimed and SubmissionRepeated is raised.
    """
    meeting = change.meeting
    # Every host compares leases on the database's clock, not its own: the claim compares with it and
    # answers the end it wrote, in one statement.
    free = Q(update_lease_until__isnull=True) | Q(update_lease_until__lt=Now())
    claimable = Meeting.objects.filter(
        free, pk=meeting.pk, version=change.based_on_version, status=Meeting.Status.ACTIVE
    )
    try:
        with transaction.atomic():
            lease = set_to_now_plus(claimable, "update_lease_until", update_lease())
            if lease is not None and record_start:
                change.outcome, change.check_after = MeetingChange.Outcome.IN_PROGRESS, lease
                change.save()
    except IntegrityError as error:
        # The same form's first arrival has its row already (and has ended: it let the lease go). The
        # rollback gave the lease back; this arrival is answered with that attempt's outcome.
        repeated(change, error)
    if lease is not None:
        meeting.update_lease_until = lease  # mirrors the row, so release_lease knows whether it is still ours
        return lease
    stored = Meeting.objects.filter(pk=meeting.pk).values("version", "status").first() or {}
    if stored.get("status") == Meeting.Status.CANCELED:
        meeting.status = Meeting.Status.CANCELED
        raise MeetingCanceled(str(texts.MEETING_CANCELED_READ_ONLY))
    if stored.get("version") != change.based_on_version:
        stop(change, saved_since(change))
    pending = meeting.changes.filter(outcome=MeetingChange.Outcome.UNKNOWN, checked_at=None).first()
    if pending is not None and pending.check_after is not None:
        # Not "someone else is saving": the lock is the wait for an earlier save's uncertain outcome.
        stop(change, MeetingConflict(str(texts.WAITING_FOR_CHECK)))
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


def schedule_check(meeting: Meeting, *, at: datetime.datetime) -> None:
    """Have a job check the meeting at `at`, so it is checked even if nobody opens it. The page, the
    periodic check (jobs.py) and `manage.py check_saves` check it too."""
    job_queue("meeting_save_check_job", run_after=at, meeting_id=meeting.pk)
