"""Use cases for meetings: update, refresh from DingTalk. DingTalk first, then the database."""

from __future__ import annotations

import datetime
import logging
from typing import NoReturn

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import credentials, dingtalk, selectors, texts, validators
from ..models import Meeting, MeetingChange, Organization
from .dingtalk_values import conference_check
from .errors import (
    MeetingCanceled,
    MeetingChangedInDingTalk,
    MeetingConflict,
    MeetingError,
    MeetingOutcomeUnknown,
    error_message,
)

logger = logging.getLogger(__name__)


RESCHEDULE_PERMISSION = "meetings.reschedule_meeting"


def meeting_update(
    *,
    meeting: Meeting,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by: AbstractUser,
    based_on_version: int,
) -> MeetingChange | None:
    """Send the new title and times to DingTalk and, only if DingTalk says yes, store them.

    `based_on_version` is the meeting's version the person's form was opened with. The save is refused
    (MeetingConflict) when someone saved the meeting in the portal since then, or is saving it now.
    Before anything is sent, DingTalk's current state is read: when its title -- or, for someone who
    may reschedule, its times -- differ from the stored values the form was based on, the save stops
    with MeetingChangedInDingTalk instead of overwriting a change made in DingTalk directly. A person
    without the reschedule permission changes the title only; the times sent are DingTalk's current ones.

    Every attempt that gets past the form leaves a MeetingChange row, whatever the outcome; it is written
    IN_PROGRESS before the update is sent, so a process killed meanwhile leaves it on record. When the
    update may have reached DingTalk without an answer saying so, the row is UNKNOWN, the meeting stays
    locked until no try of it can still arrive, and MeetingOutcomeUnknown says when the portal will know
    (reconcile.meeting_reconcile settles it then).
    Returns None when nothing differs from what is stored (nothing is sent).
    Raises MeetingError (or a subclass) with the sentence to show; MeetingCanceled when the meeting is,
    or DingTalk now says it is, canceled.
    """
    if meeting.is_canceled:
        raise MeetingCanceled(str(texts.MEETING_CANCELED_READ_ONLY))
    may_reschedule = by.has_perm(RESCHEDULE_PERMISSION)
    if not may_reschedule and (starts_at, ends_at) != (meeting.starts_at, meeting.ends_at):
        logger.warning("User %s without %s tried to move meeting %s", by.pk, RESCHEDULE_PERMISSION, meeting.pk)
        raise MeetingError(str(texts.RESCHEDULE_NOT_ALLOWED))
    if (title, starts_at, ends_at) == (meeting.title, meeting.starts_at, meeting.ends_at):
        return None

    _settle_earlier_save(meeting)  # a save is based on what DingTalk really has, not a pending guess
    change = _change(meeting, MeetingChange.Action.UPDATE, by=by, based_on_version=based_on_version)
    change.new_title, change.new_starts_at, change.new_ends_at = title, starts_at, ends_at
    if meeting.version != based_on_version:
        _stop(change, _saved_since(change))
    lease = _take_lease(change)
    try:
        current = _read_or_fail(change)
        based_on = (meeting.title, meeting.starts_at, meeting.ends_at)
        there = (current.title, current.starts_at, current.ends_at)
        if (based_on if may_reschedule else based_on[:1]) != (there if may_reschedule else there[:1]):
            text = texts.CHANGED_IN_DINGTALK % {
                "title": validators.reveal_invisible(current.title),
                "start": texts.local_time(current.starts_at, meeting.organization),
                "end": texts.local_time(current.ends_at, meeting.organization),
                "time_zone": meeting.organization.time_zone,
            }
            _stop(change, MeetingChangedInDingTalk(text, current=current))
        if not may_reschedule:
            # A title fix keeps the times DingTalk has now, never the portal's possibly stale copy.
            starts_at, ends_at = change.new_starts_at, change.new_ends_at = current.starts_at, current.ends_at
        organization = meeting.organization
        client = dingtalk.client_for(organization.api_base)
        _start(change, lease=lease)
        try:
            change.request_id = credentials.call_with_token(
                organization=organization,
                call=lambda access_token: client.update_schedule_conference(
                    access_token=access_token,
                    creator_union_id=meeting.creator_union_id,
                    schedule_conference_id=meeting.schedule_conference_id,
                    title=title,
                    starts_at=starts_at,
                    ends_at=ends_at,
                ),
            )
        except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
            if isinstance(error, dingtalk.DingTalkError) and error.may_have_been_applied:
                _unknown(change, lease=lease, error=error)
            _fail(change, error)
        except Exception as error:  # noqa: BLE001 -- whatever failed after sending, the update may be in DingTalk
            logger.exception("Meeting %s: the update failed after it was sent", meeting.pk)
            _unknown(change, lease=lease, error=error)
        _store(change, lease=lease, title=title, starts_at=starts_at, ends_at=ends_at)
    finally:
        _release_lease(meeting, lease)
    return change


def meeting_refresh(*, meeting: Meeting, by: AbstractUser) -> MeetingChange | None:
    """Take DingTalk's current title and times into the portal (the way out of a DingTalk conflict).

    Returns None when the portal already has them. Raises MeetingError with the sentence to show, and
    MeetingCanceled when DingTalk reports the meeting canceled (it is then marked so).
    """
    if meeting.is_canceled:
        raise MeetingCanceled(str(texts.MEETING_CANCELED_READ_ONLY))
    _settle_earlier_save(meeting)
    change = _change(meeting, MeetingChange.Action.REFRESH, by=by, based_on_version=meeting.version)
    lease = _take_lease(change)
    try:
        current = _read_or_fail(change)
        _remember_number(meeting, current)
        if (current.title, current.starts_at, current.ends_at) == (meeting.title, meeting.starts_at, meeting.ends_at):
            return None
        change.new_title, change.new_starts_at, change.new_ends_at = current.title, current.starts_at, current.ends_at
        _store(change, lease=lease, title=current.title, starts_at=current.starts_at, ends_at=current.ends_at)
    finally:
        _release_lease(meeting, lease)
    return change


def _remember_number(meeting: Meeting, current: dingtalk.Conference) -> None:
    """Keep the meeting number and join link DingTalk now shows (meetings added before they were stored)."""
    number = {"room_code": current.room_code or meeting.room_code, "join_url": current.url or meeting.join_url}
    if (number["room_code"], number["join_url"]) != (meeting.room_code, meeting.join_url):
        Meeting.objects.filter(pk=meeting.pk).update(**number)
        meeting.room_code, meeting.join_url = number["room_code"], number["join_url"]


def _change(meeting: Meeting, action: str, *, by: AbstractUser, based_on_version: int) -> MeetingChange:
    """An audit row for an attempt, starting from the stored values."""
    return MeetingChange(
        meeting=meeting,
        organization=meeting.organization,
        user=by,
        action=action,
        based_on_version=based_on_version,
        old_title=meeting.title,
        old_starts_at=meeting.starts_at,
        old_ends_at=meeting.ends_at,
    )


def _stop(change: MeetingChange, conflict: MeetingError) -> NoReturn:
    """Keep the attempt as a CONFLICT row and raise the conflict."""
    change.outcome = MeetingChange.Outcome.CONFLICT
    change.message = conflict.message
    change.save()
    raise conflict


def _saved_since(change: MeetingChange) -> MeetingConflict:
    """The conflict of a form opened before the saves since: by the same person, it was another tab."""
    savers = set(
        selectors.meeting_changes_since(meeting=change.meeting, version=change.based_on_version).values_list(
            "user", flat=True
        )
    )
    mine = savers == {change.user.pk}
    return MeetingConflict(str(texts.SAVED_BY_YOU_ELSEWHERE if mine else texts.SAVED_BY_SOMEONE_ELSE))


def update_lease() -> datetime.timedelta:
    """How long one save may hold a meeting (settings.DINGTALK_UPDATE_LEASE): longer than any save can take."""
    return datetime.timedelta(seconds=settings.DINGTALK_UPDATE_LEASE)


def _settle_earlier_save(meeting: Meeting) -> None:
    """Settle a pending save of the meeting whose wait is over, before anyone saves on top of it."""
    from .reconcile import meeting_reconcile  # reconcile.py builds on this module's helpers

    if meeting.update_lease_until is not None and meeting.update_lease_until <= timezone.now():
        meeting_reconcile(meeting=meeting)


def _take_lease(change: MeetingChange) -> datetime.datetime:
    """Claim the meeting for one save (a conditional UPDATE); raise the reason when that is refused."""
    meeting = change.meeting
    now = timezone.now()
    lease = now + update_lease()
    claimed = (
        Meeting.objects.filter(pk=meeting.pk, version=change.based_on_version, status=Meeting.Status.ACTIVE)
        .filter(Q(update_lease_until__isnull=True) | Q(update_lease_until__lt=now))
        .update(update_lease_until=lease)
    )
    if claimed:
        meeting.update_lease_until = lease  # mirrors the row, so _release_lease knows whether it is still ours
        return lease
    stored = Meeting.objects.filter(pk=meeting.pk).values("version", "status").first() or {}
    if stored.get("status") == Meeting.Status.CANCELED:
        meeting.status = Meeting.Status.CANCELED
        raise MeetingCanceled(str(texts.MEETING_CANCELED_READ_ONLY))
    if stored.get("version") != change.based_on_version:
        _stop(change, _saved_since(change))
    pending = meeting.changes.filter(outcome=MeetingChange.Outcome.UNKNOWN, reconciled_at=None).first()
    if pending is not None and pending.check_after is not None:
        # Not "someone else is saving": the lock is the wait for an earlier save's uncertain outcome.
        _stop(change, MeetingConflict(texts.WAITING_FOR_CHECK % _time_params(pending.check_after, meeting)))
    _stop(change, MeetingConflict(str(texts.SAVE_IN_PROGRESS)))


def _time_params(moment: datetime.datetime, meeting: Meeting) -> dict:
    return {"time": texts.local_clock_time(moment, meeting.organization), "time_zone": meeting.organization.time_zone}


def _release_lease(meeting: Meeting, lease: datetime.datetime) -> None:
    if meeting.update_lease_until != lease:
        return  # a stored save's UPDATE already cleared it, with the new values
    # Only our own lease: after it expired, someone else's may stand there.
    Meeting.objects.filter(pk=meeting.pk, update_lease_until=lease).update(update_lease_until=None)
    meeting.update_lease_until = None


def _store(change: MeetingChange, *, lease, title, starts_at, ends_at) -> None:
    """DingTalk has the values: store them (only if our lease still holds) and keep the SUCCESS row."""
    meeting = change.meeting
    updated_at = timezone.now()
    with transaction.atomic():
        stored = Meeting.objects.filter(
            pk=meeting.pk, version=change.based_on_version, update_lease_until=lease
        ).update(
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            version=F("version") + 1,
            update_lease_until=None,
            updated_by=change.user,
            updated_at=updated_at,
        )
        change.http_status, change.check_after = 200, None
        if not stored:
            # Our lease ran out and someone else saved meanwhile: say so rather than overwrite theirs.
            logger.error("Meeting %s: lease lost during a DingTalk call", meeting.pk)
            change.outcome = MeetingChange.Outcome.CONFLICT
            change.message = str(texts.CHANGED_IN_PORTAL_WHILE_SAVING)
            change.save()
        else:
            change.outcome = MeetingChange.Outcome.SUCCESS
            change.save()
    if not stored:
        raise MeetingConflict(change.message)
    # What the UPDATE wrote; reading the row back would cost a query, and another for its organization.
    meeting.title, meeting.starts_at, meeting.ends_at = title, starts_at, ends_at
    meeting.version = change.based_on_version + 1
    meeting.update_lease_until = None
    meeting.updated_by, meeting.updated_at = change.user, updated_at


def _start(change: MeetingChange, *, lease: datetime.datetime) -> None:
    """Keep the attempt as IN_PROGRESS before the update's first byte goes out (autocommitted), and have
    it checked when the lease runs out: if this process dies mid-save, the row and the check remain."""
    change.outcome = MeetingChange.Outcome.IN_PROGRESS
    change.check_after = lease
    change.save()
    schedule_check(change.meeting, at=lease)


def _unknown(change: MeetingChange, *, lease: datetime.datetime, error: Exception) -> NoReturn:
    """The update may have reached DingTalk: keep the row UNKNOWN, keep the meeting locked until no try of
    it can still arrive, have it checked then, and raise MeetingOutcomeUnknown.

    Now is after the last try was sent. DingTalk may answer up to a read timeout after that -- the
    configured one, not a shortened last try's -- and may still be working on it as long again.
    """
    meeting = change.meeting
    check_after = timezone.now() + datetime.timedelta(seconds=2 * settings.DINGTALK_READ_TIMEOUT + 2)
    change.outcome = MeetingChange.Outcome.UNKNOWN
    change.check_after = check_after
    if isinstance(error, dingtalk.DingTalkError):
        change.dingtalk_code = error.code or type(error).__name__
        change.request_id, change.http_status = error.request_id, error.status
    else:
        change.dingtalk_code = type(error).__name__
    sentence = texts.OUTCOME_UNKNOWN if isinstance(error, dingtalk.DingTalkTimeout) else texts.OUTCOME_UNKNOWN_UNCLEAR
    change.message = sentence % _time_params(check_after, meeting)
    with transaction.atomic():
        # Only our own lease: it is moved, not released, so nobody saves before the check.
        if Meeting.objects.filter(pk=meeting.pk, update_lease_until=lease).update(update_lease_until=check_after):
            meeting.update_lease_until = check_after
        change.save()
    schedule_check(meeting, at=check_after)
    raise MeetingOutcomeUnknown(change.message, check_after=check_after) from error


def schedule_check(meeting: Meeting, *, at: datetime.datetime) -> None:
    """Have a job settle the meeting at `at`, so it is settled even if nobody opens it. The page and
    `manage.py reconcile_meetings` settle it too, so a queue that is down costs only a log line."""
    from .. import tasks  # tasks call services

    try:
        tasks.meeting_reconcile_job.using(run_after=at).enqueue(meeting_id=meeting.pk)
    except Exception:  # noqa: BLE001 -- the save must not fail because the queue does
        logger.exception("Meeting %s: could not queue the check with DingTalk", meeting.pk)


def _read_or_fail(change: MeetingChange) -> dingtalk.Conference:
    meeting = change.meeting
    try:
        return _dingtalk_meeting(
            organization=meeting.organization,
            schedule_conference_id=meeting.schedule_conference_id,
            request_union_id=meeting.creator_union_id,
        )
    except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
        _fail(change, error)


def _dingtalk_meeting(
    *, organization: Organization, schedule_conference_id: str, request_union_id: str
) -> dingtalk.Conference:
    """DingTalk's current title and times, checked for the organization before anyone stores them.

    Raises CredentialsError or DingTalkError (DingTalkUnusableValues: values the portal cannot keep).
    """
    client = dingtalk.client_for(organization.api_base)
    current = credentials.call_with_token(
        organization=organization,
        call=lambda access_token: client.get_schedule_conference(
            access_token=access_token,
            schedule_conference_id=schedule_conference_id,
            request_union_id=request_union_id,
        ),
    )
    return conference_check(current, organization=organization)


def _fail(change: MeetingChange, error: dingtalk.DingTalkError | credentials.CredentialsError) -> NoReturn:
    """Keep the attempt as a FAILED row and raise its sentence; DingTalk saying canceled marks the meeting so."""
    meeting = change.meeting
    change.outcome, change.check_after = MeetingChange.Outcome.FAILED, None
    change.dingtalk_code = type(error).__name__  # credentials the portal lacks: no DingTalk call, no code
    if isinstance(error, dingtalk.DingTalkError):
        change.dingtalk_code = error.code or change.dingtalk_code
        change.request_id, change.http_status = error.request_id, error.status
    canceled = change.dingtalk_code == dingtalk.Code.RESOURCE_CANCEL
    change.message = error_message(error, organization=change.organization)
    if change.dingtalk_code == dingtalk.Code.PERMISSION_ERROR:
        change.message = f"{change.message} {texts.SAVE_REFUSED_CHANGE_CREATOR}"
    with transaction.atomic():
        if canceled:
            Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELED, updated_at=timezone.now())
            meeting.status = Meeting.Status.CANCELED
        change.save()
    raise (MeetingCanceled if canceled else MeetingError)(change.message) from error
