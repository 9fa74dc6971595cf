"""Checking a save whose outcome is not known: read DingTalk, and record what it has.

A save is pending when its audit row is UNKNOWN (DingTalk's answer was lost) or IN_PROGRESS (its process
died mid-save). Its meeting stays locked (`update_lease_until`) until no try of the update can still
arrive; after that, whoever comes first -- the edit or history page, the next save, the job queued for
that moment, `manage.py check_saves` -- reads DingTalk once and checks it here.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from .. import dingtalk, selectors, texts
from ..clock import database_now
from ..dingtalk import credentials, pacing
from ..models import Meeting, MeetingChange
from . import action_checks
from .dingtalk_calls import read_conference
from .errors import MeetingCanceled, MeetingError, MeetingOutcomeUnknown, error_message
from .leases import release_lease, schedule_check, update_lease

logger = logging.getLogger(__name__)

# When reading DingTalk fails, the meeting stays locked and the check is tried again this much later.
CHECK_RETRY = datetime.timedelta(minutes=1)


def meeting_save_check(*, meeting: Meeting) -> MeetingChange | None:
    """Check the meeting's pending save, once its wait is over; return the checked row, or None.

    None when there is nothing to check yet: no lock, a lock that still runs, or someone else checking
    it right now. The meeting is claimed with a conditional UPDATE of its lease, so two viewers never both
    read DingTalk for it. DingTalk having the change's values makes the row SUCCESS, anything else
    NOT_APPLIED; either way the portal then stores what DingTalk has. A cancel or a settings change is
    recorded as DingTalk has it too (action_checks.py).

    Raises MeetingOutcomeUnknown (the meeting stays locked, and is checked again a minute later) when
    DingTalk cannot be read, and MeetingCanceled when DingTalk says the meeting is canceled.
    """
    if meeting.update_lease_until is None:
        # Unlocked, yet a row may be due: a save that lost its lease while another held the meeting
        # (services.meetings._lease_lost). Only a job or the command gets here; the pages never ask.
        if not meeting.changes.filter(outcome__in=MeetingChange.PENDING, check_after__lte=Now()).exists():
            return None
        free = Q(update_lease_until__isnull=True)
    now = database_now()  # leases are compared on the database's clock, whichever host reads them
    if meeting.update_lease_until is not None:
        if meeting.update_lease_until > now:
            return None
        free = Q(update_lease_until__lte=now)
    lease = now + update_lease()
    if not Meeting.objects.filter(free, pk=meeting.pk).update(update_lease_until=lease):
        return None
    meeting.update_lease_until = lease
    try:
        pending = list(
            meeting.changes.filter(outcome__in=MeetingChange.PENDING)
            .select_related("user")
            .order_by("created_at", "id")
        )
        if not pending:
            return None  # a lease left by a refresh or a read whose process died: nothing was sent
        try:
            current = read_conference(
                organization=meeting.organization,
                schedule_conference_id=meeting.schedule_conference_id,
                creator_union_id=meeting.creator_union_id,
            )
            current_settings = action_checks.settings_if_pending(meeting, pending)
        except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
            _check_failed(meeting, pending, lease=lease, error=error)
        for change in pending:
            if change.action == MeetingChange.Action.CANCEL:
                action_checks.record_cancel_check(change, canceled=False)
            elif change.action == MeetingChange.Action.SETTINGS:
                action_checks.record_settings_check(change, current_settings)
            else:
                _record_check(change, current, lease=lease)
        return pending[-1]
    finally:
        release_lease(meeting, lease)


def meetings_save_check() -> int:
    """Check every pending save whose wait is over (the periodic check, jobs.py), in the background share of
    DingTalk's budget, and settle the bookings cut off mid-call (action_checks.py); returns how many were
    checked."""
    checked = len(action_checks.creates_settle())
    for meeting in selectors.meetings_to_check():
        try:
            with pacing.paced(meeting.organization_id, background=True):
                checked += meeting_save_check(meeting=meeting) is not None
        except MeetingError:
            pass  # recorded in the rows and logged; a failed check queued its own retry
    return checked


def _record_check(change: MeetingChange, current: dingtalk.Conference, *, lease: datetime.datetime) -> None:
    """Record what DingTalk has for one pending row, and store DingTalk's values in the meeting."""
    meeting = change.meeting
    # The row as it was read: a save that lost its lease may have made it pending again since (its update
    # landed after DingTalk was read here); then it waits for the next check, not for this stale answer.
    as_read = MeetingChange.objects.filter(pk=change.pk, outcome=change.outcome, check_after=change.check_after)
    there = (current.title, current.starts_at, current.ends_at)
    applied = there == (change.new_title, change.new_starts_at, change.new_ends_at)
    differs = there != (meeting.title, meeting.starts_at, meeting.ends_at)
    now = timezone.now()
    params = {
        "person": texts.person_name(change.user),
        "when": texts.local_time(change.created_at, meeting.organization),
        "title": current.title,
        "start": texts.local_time(current.starts_at, meeting.organization),
        "end": texts.local_time(current.ends_at, meeting.organization),
        "time_zone": texts.Zone(meeting.organization.time_zone, current.starts_at),
    }
    if applied:
        change.outcome, said = MeetingChange.Outcome.SUCCESS, texts.Sentence(texts.CHECKED_SAVED, params)
        updated_by = change.user
    else:
        sentence = texts.CHECKED_NOT_SAVED_PORTAL_UPDATED if differs else texts.CHECKED_NOT_SAVED
        change.outcome, said = MeetingChange.Outcome.NOT_APPLIED, texts.Sentence(sentence, params)
        updated_by = None  # changed in DingTalk directly, by someone the portal does not know
    # Kept as its code: History reads in the reader's language, not in the checking worker's.
    change.message, change.message_sentence = str(said), said.as_data()
    change.checked_at = now
    # What DingTalk had, for the page of the person's own attempt to say it (and to refill what they typed).
    change.dingtalk_values = {
        "title": current.title,
        "starts_at": current.starts_at.isoformat(),
        "ends_at": current.ends_at.isoformat(),
    }
    with transaction.atomic():
        if differs:
            stored = Meeting.objects.filter(pk=meeting.pk, update_lease_until=lease).update(
                title=current.title,
                starts_at=current.starts_at,
                ends_at=current.ends_at,
                version=F("version") + 1,
                updated_by=updated_by,
                updated_at=now,
            )
            if stored:
                meeting.title, meeting.starts_at, meeting.ends_at = there
                meeting.version += 1
                meeting.updated_by, meeting.updated_at = updated_by, now
        checked = {
            "outcome": change.outcome,
            "message": change.message,
            "message_sentence": change.message_sentence,
            "checked_at": now,
        }
        if not as_read.update(**checked, dingtalk_values=change.dingtalk_values):
            logger.warning("Meeting %s: change %s is pending again; the next check reads it", meeting.pk, change.pk)
            return
    logger.info("Meeting %s: change %s checked as %s", meeting.pk, change.pk, change.outcome)


def _check_failed(meeting: Meeting, pending: list[MeetingChange], *, lease, error) -> None:
    """DingTalk could not be read: the rows stay pending (a dead process's IN_PROGRESS becomes UNKNOWN),
    the meeting stays locked a minute more, and the check is queued again."""
    canceled = isinstance(error, dingtalk.DingTalkError) and error.code == dingtalk.Code.RESOURCE_CANCEL
    if canceled:
        # A pending cancel went through. Nothing else can be saved any more, nor known: those rows keep
        # UNKNOWN, with DingTalk's sentence.
        cancels = [change for change in pending if change.action == MeetingChange.Action.CANCEL]
        for change in cancels:
            action_checks.record_cancel_check(change, canceled=True)
        now = timezone.now()
        message = error_message(error, organization=meeting.organization)
        with transaction.atomic():
            Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELED, updated_at=now)
            MeetingChange.objects.filter(pk__in=[change.pk for change in pending if change not in cancels]).update(
                outcome=MeetingChange.Outcome.UNKNOWN, check_after=None, message=message
            )
        meeting.status = Meeting.Status.CANCELED
        raise MeetingCanceled(cancels[-1].message if cancels else message) from error
    retry_at = database_now() + CHECK_RETRY
    reason = error_message(error, organization=meeting.organization)
    with transaction.atomic():
        MeetingChange.objects.filter(pk__in=[change.pk for change in pending]).update(
            outcome=MeetingChange.Outcome.UNKNOWN, check_after=retry_at
        )
        if Meeting.objects.filter(pk=meeting.pk, update_lease_until=lease).update(update_lease_until=retry_at):
            meeting.update_lease_until = retry_at
    schedule_check(meeting, at=retry_at)
    logger.warning("Meeting %s: could not check a pending save with DingTalk: %s", meeting.pk, error)
    # Said at once, on the page that asked: a wait, not a clock time.
    wait = texts.wait_in_words(CHECK_RETRY.total_seconds())
    raise MeetingOutcomeUnknown(texts.CHECK_FAILED % {"reason": reason, "wait": wait}, check_after=retry_at) from error
