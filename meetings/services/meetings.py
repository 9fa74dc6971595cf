"""Use cases for meetings: update, refresh from DingTalk. DingTalk first, then the database.

What every change of a stored meeting shares lives beside: the lease (leases.py), the audit row (audit.py),
the DingTalk calls (dingtalk_calls.py).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
import uuid
from typing import NoReturn

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import dingtalk, texts, validators
from ..clock import database_now
from ..dingtalk import credentials
from ..models import Meeting, MeetingChange
from .audit import change_for, fail, note_error, stop
from .dingtalk_calls import change_as_creator, read_conference, within_one_deadline
from .errors import (
    MeetingCanceled,
    MeetingChangedInDingTalk,
    MeetingConflict,
    MeetingError,
    MeetingOutcomeUnknown,
    SubmissionRepeated,
)
from .leases import check_earlier_save, release_lease, saved_since, schedule_check, take_lease

logger = logging.getLogger(__name__)


RESCHEDULE_PERMISSION = "meetings.reschedule_meeting"
_TOKEN = re.compile(r"[0-9a-f]{32}")


def form_token() -> str:
    """A new token for an edit or booking form, rendered into it as a hidden field at every page load."""
    return uuid.uuid4().hex


def form_submission_key(
    *, token: str, user: AbstractUser, posted: dict[str, str], meeting: Meeting | None = None
) -> str:
    """The key of one submission of the edit form (of `meeting`) or the booking form (no meeting yet): its
    token, the person, the meeting and the values sent.

    The same form sent again with the same values (a second click, Back and submit) has the same key, so
    meeting_update / meeting_create find the attempt of its first arrival; the same form with other values
    (Back, retype) is an attempt of its own. A missing or malformed token gets a key of its own.
    """
    if not _TOKEN.fullmatch(token or ""):
        return form_token()
    identity = json.dumps([token, meeting.pk if meeting else None, user.pk, posted], sort_keys=True)
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


@within_one_deadline
def meeting_update(
    *,
    meeting: Meeting,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by: AbstractUser,
    based_on_version: int,
    submission_key: str | None = None,
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
    (save_checks.meeting_save_check checks it then).
    `submission_key` (form_submission_key) makes the row the edit form's submission: posted again, the same
    form finds this attempt, and SubmissionRepeated answers it with that attempt, at once and without
    writing or sending anything. The attempt costs two commits: the lease with the IN_PROGRESS row, before
    the first byte goes to DingTalk; the meeting's new values with the row's outcome, after the answer.

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
        earlier = None
        if submission_key and meeting.version != based_on_version:  # perhaps this very form, saved already
            earlier = meeting.changes.filter(submission_key=submission_key).first()
        if earlier is not None:
            raise SubmissionRepeated(earlier)
        return None

    check_earlier_save(meeting)  # a save is based on what DingTalk really has, not a pending guess
    change = change_for(
        meeting, MeetingChange.Action.UPDATE, by=by, based_on_version=based_on_version, submission_key=submission_key
    )
    change.new_title, change.new_starts_at, change.new_ends_at = title, starts_at, ends_at
    if meeting.version != based_on_version:
        stop(change, saved_since(change))
    lease = take_lease(change, record_start=True)
    try:
        current = _read_or_fail(change)
        based_on = (meeting.title, meeting.starts_at, meeting.ends_at)
        there = (current.title, current.starts_at, current.ends_at)
        if (based_on if may_reschedule else based_on[:1]) != (there if may_reschedule else there[:1]):
            text = texts.CHANGED_IN_DINGTALK % {
                "title": validators.reveal_invisible(current.title),
                "start": texts.local_time(current.starts_at, meeting.organization),
                "end": texts.local_time(current.ends_at, meeting.organization),
                "time_zone": texts.zone_name(meeting.organization.time_zone, current.starts_at),
            }
            change.dingtalk_values = {
                "title": current.title,
                "starts_at": current.starts_at.isoformat(),
                "ends_at": current.ends_at.isoformat(),
            }
            stop(change, MeetingChangedInDingTalk(text, current=current))
        if not may_reschedule and (current.starts_at, current.ends_at) != (starts_at, ends_at):
            # A title fix keeps the times DingTalk has now, never the portal's possibly stale copy; the
            # IN_PROGRESS row says so before the update goes out, for a check after a crash to compare.
            starts_at, ends_at = change.new_starts_at, change.new_ends_at = current.starts_at, current.ends_at
            change.save(update_fields=["new_starts_at", "new_ends_at"])
        try:
            change.request_id = change_as_creator(
                meeting,
                dingtalk.DingTalkClient.update_schedule_conference,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
            )
        except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
            if isinstance(error, dingtalk.DingTalkError) and error.may_have_been_applied:
                outcome_unknown(change, lease=lease, error=error)
            fail(change, error)
        except Exception as error:  # noqa: BLE001 -- whatever failed after sending, the update may be in DingTalk
            logger.exception("Meeting %s: the update failed after it was sent", meeting.pk)
            outcome_unknown(change, lease=lease, error=error)
        _store(change, lease=lease, title=title, starts_at=starts_at, ends_at=ends_at)
    finally:
        release_lease(meeting, lease)
    return change


@within_one_deadline
def meeting_refresh(*, meeting: Meeting, by: AbstractUser) -> MeetingChange | None:
    """Take DingTalk's current title and times into the portal (the way out of a DingTalk conflict).

    Returns None when the portal already has them. Raises MeetingError with the sentence to show, and
    MeetingCanceled when DingTalk reports the meeting canceled (it is then marked so).
    """
    if meeting.is_canceled:
        raise MeetingCanceled(str(texts.MEETING_CANCELED_READ_ONLY))
    check_earlier_save(meeting)
    change = change_for(meeting, MeetingChange.Action.REFRESH, by=by, based_on_version=meeting.version)
    lease = take_lease(change)
    try:
        current = _read_or_fail(change)
        _remember_number(meeting, current)
        if (current.title, current.starts_at, current.ends_at) == (meeting.title, meeting.starts_at, meeting.ends_at):
            return None
        change.new_title, change.new_starts_at, change.new_ends_at = current.title, current.starts_at, current.ends_at
        _store(change, lease=lease, title=current.title, starts_at=current.starts_at, ends_at=current.ends_at)
    finally:
        release_lease(meeting, lease)
    return change


def _remember_number(meeting: Meeting, current: dingtalk.Conference) -> None:
    """Keep the meeting number and join link DingTalk now shows (meetings added before they were stored)."""
    number = {
        "meeting_number": current.meeting_number or meeting.meeting_number,
        "join_url": current.url or meeting.join_url,
    }
    if (number["meeting_number"], number["join_url"]) != (meeting.meeting_number, meeting.join_url):
        Meeting.objects.filter(pk=meeting.pk).update(**number)
        meeting.meeting_number, meeting.join_url = number["meeting_number"], number["join_url"]


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
            version=change.based_on_version + 1,  # the filter pins the version: no expression to compile
            update_lease_until=None,
            updated_by_id=change.user_id,
            updated_at=updated_at,
        )
        change.http_status, change.check_after = 200, None
        if stored:
            change.outcome = MeetingChange.Outcome.SUCCESS
            if change.pk is None:  # a refresh: its row is written now, whole
                change.save()
            else:  # an update's row since the lease: only what the answer changed (a save's CPU, issue 23)
                # Kept as its code: History reads in the reader's language, not the saver's.
                said = texts.Sentence(
                    texts.MEETING_UPDATED,
                    {
                        "title": title,
                        "start": texts.local_time(starts_at, meeting.organization),
                        "end": texts.local_time(ends_at, meeting.organization),
                        "time_zone": texts.Zone(meeting.organization.time_zone, starts_at),
                    },
                )
                change.message, change.message_sentence = str(said), said.as_data()
                fields = ["outcome", "http_status", "check_after", "request_id", "message", "message_sentence"]
                change.save(update_fields=fields)
    if not stored and change.action == MeetingChange.Action.UPDATE:
        # DingTalk took our update after our lease ran out: another save or check may have stored the
        # meeting meanwhile, on what DingTalk had before ours landed. Nothing of theirs is overwritten.
        _lease_lost(change)
    if not stored:
        # A refresh sent nothing: someone else's save since then is newer than what it read.
        logger.error("Meeting %s: lease lost during a DingTalk read", meeting.pk)
        stop(change, MeetingConflict(str(texts.CHANGED_IN_PORTAL_WHILE_SAVING)))
    # What the UPDATE wrote; reading the row back would cost a query, and another for its organization.
    meeting.title, meeting.starts_at, meeting.ends_at = title, starts_at, ends_at
    meeting.version = change.based_on_version + 1
    meeting.update_lease_until = None
    meeting.updated_by, meeting.updated_at = change.user, updated_at


def outcome_unknown(
    change: MeetingChange, *, lease: datetime.datetime, error: Exception, sentence=None, params=None
) -> NoReturn:
    """The change (an update; a cancel or settings change: their `sentence`, with its `params`; never a time)
    may have reached DingTalk: keep the row UNKNOWN, keep the meeting locked until no try of it can still
    arrive (_check_time: now is after the last try was sent), have it checked then, and raise
    MeetingOutcomeUnknown. With the lease lost meanwhile, _lease_lost says what happens instead.
    """
    meeting = change.meeting
    check_after = _check_time()
    change.outcome = MeetingChange.Outcome.UNKNOWN
    change.check_after = check_after
    note_error(change, error)
    if sentence is None:
        sentence = _unknown_sentence(error)
    # No time in it: the wait is said when a page is shown, from the lock and the database's clock. Kept as
    # its code too: the page reads in the reader's language.
    said = texts.Sentence(sentence, params)
    change.message, change.message_sentence = str(said), said.as_data()
    with transaction.atomic():
        # Only our own lease: it is moved, not released, so nobody saves before the check.
        moved = Meeting.objects.filter(pk=meeting.pk, update_lease_until=lease).update(update_lease_until=check_after)
        if moved:
            meeting.update_lease_until = check_after
            change.save()
    if not moved:
        _lease_lost(change, error=error)
    schedule_check(meeting, at=check_after)
    raise MeetingOutcomeUnknown(change.message, check_after=check_after) from error


def _unknown_sentence(error: Exception):
    """What happened to an update that may have reached DingTalk, in words of its own for each cause."""
    if isinstance(error, dingtalk.DingTalkTimeout):
        return texts.OUTCOME_UNKNOWN
    if isinstance(error, dingtalk.DingTalkAPIError) and error.code == dingtalk.Code.SYSTEM_ERROR:
        return texts.OUTCOME_UNKNOWN_SYSTEM_ERROR
    if isinstance(error, dingtalk.DingTalkConnectionDropped):
        return texts.OUTCOME_UNKNOWN_DROPPED
    if isinstance(error, dingtalk.DingTalkNotConfirmed):
        return texts.OUTCOME_UNKNOWN_NOT_CONFIRMED
    if isinstance(error, dingtalk.DingTalkBadReply):
        return texts.OUTCOME_UNKNOWN_UNREADABLE
    return texts.OUTCOME_UNKNOWN_UNCLEAR


def _check_time() -> datetime.datetime:
    """When no try of an update sent until now can still arrive (so DingTalk can be read to check it).

    DingTalk may answer up to a read timeout after the last try -- the configured one, not a shortened last
    try's -- and may still be working on it as long again."""
    return database_now() + datetime.timedelta(seconds=2 * settings.DINGTALK_READ_TIMEOUT + 2)


def _lease_lost(change: MeetingChange, *, error: Exception | None = None) -> NoReturn:
    """The update was sent under a lease that has run out: it may have landed in DingTalk after another save
    or a check stored what DingTalk had -- even after this attempt's own row was checked by that check, on what
    DingTalk had before. Nothing of the meeting and nothing of another attempt is written: this attempt's row
    is pending again (UNKNOWN) with a check after any try of it can arrive, the meeting is locked for that
    check if nobody holds it (else save_checks.meeting_save_check finds the row when the holder is done), and
    the person is told just that -- not that the meeting is locked by them, nor that it was saved."""
    meeting = change.meeting
    now = database_now()
    check_after = _check_time()
    logger.error(
        "Meeting %s: change %s was sent under a lease that ran out; checked after %s",
        meeting.pk,
        change.pk,
        check_after,
    )
    change.outcome, change.check_after, change.checked_at = MeetingChange.Outcome.UNKNOWN, check_after, None
    if error is not None:
        note_error(change, error)
    change.message = str(texts.OUTCOME_UNKNOWN_LEASE_LOST)
    with transaction.atomic():
        free = Q(update_lease_until__isnull=True) | Q(update_lease_until__lt=now)
        if Meeting.objects.filter(free, pk=meeting.pk).update(update_lease_until=check_after):
            meeting.update_lease_until = check_after
        change.save()
    schedule_check(meeting, at=check_after)
    raise MeetingOutcomeUnknown(change.message, check_after=check_after) from error


def _read_or_fail(change: MeetingChange) -> dingtalk.Conference:
    meeting = change.meeting
    try:
        return read_conference(
            organization=meeting.organization,
            schedule_conference_id=meeting.schedule_conference_id,
            creator_union_id=meeting.creator_union_id,
        )
    except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
        fail(change, error)
