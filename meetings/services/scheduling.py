"""Use cases for booking, canceling and a meeting's settings. DingTalk first, then the database.

Each attempt leaves a MeetingChange row, as meeting_update does: the same lease keeps a cancel or a
settings change from crossing a title save of the same meeting.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from typing import NoReturn

from django.contrib.auth.models import AbstractUser
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .. import dingtalk, texts
from ..clock import database_now
from ..dingtalk import credentials
from ..models import Meeting, MeetingChange, Organization
from .audit import change_for, fail, note_error, record_failure, repeated
from .dingtalk_calls import call_dingtalk, change_as_creator, within_one_deadline
from .errors import MeetingCanceled, MeetingError, error_message
from .leases import release_lease, take_lease, update_lease
from .meetings import outcome_unknown

logger = logging.getLogger(__name__)


class MeetingCreateUnknown(MeetingError):
    """The create was sent and no answer came back: DingTalk may have booked the meeting; `meeting_number`
    is the number DingTalk gave it, when it gave one (empty otherwise)."""

    def __init__(self, message: str, *, meeting_number: str = ""):
        super().__init__(message)
        self.meeting_number = meeting_number


class SettingsChangedInDingTalk(MeetingError):
    """DingTalk's settings differ from those the form was based on; `current` is what DingTalk has."""

    def __init__(self, message: str, *, current: dingtalk.ConferenceSettings):
        super().__init__(message)
        self.current = current


def meeting_create(
    *,
    organization: Organization,
    creator_union_id: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by: AbstractUser,
    submission_key: str | None = None,
) -> Meeting:
    """Book a meeting in DingTalk and keep it with its join link, number and phones.

    Written ahead like an update: the audit row is stored IN_PROGRESS before anything goes to DingTalk
    (saying what to look for, should the process die before the answer), and settled after. Never
    retried: when the request went out and no usable answer came back, the outcome is unknown (the row
    says so, with the meeting number when DingTalk gave one) and MeetingCreateUnknown tells the person how
    to look for the meeting before booking again. What of DingTalk's answer cannot be stored is left out
    (replies.read_created); the meeting is kept with the rest. Raises MeetingError when DingTalk
    certainly booked nothing.
    `submission_key` (form_submission_key) makes the row the booking form's submission, as for an edit: the
    same form posted again -- a second click, Back and submit -- fails on the key's unique constraint when it
    writes its row, and SubmissionRepeated answers it with the first arrival's attempt (perhaps still in
    progress) without sending anything to DingTalk.
    """
    details = {
        "title": title,
        "start": texts.local_time(starts_at, organization),
        "time_zone": texts.zone_name(organization.time_zone, starts_at),
        "creator": creator_union_id,
    }
    change = MeetingChange(
        organization=organization,
        user=by,
        action=MeetingChange.Action.CREATE,
        outcome=MeetingChange.Outcome.IN_PROGRESS,
        new_title=title,
        new_starts_at=starts_at,
        new_ends_at=ends_at,
        message=texts.CREATE_OUTCOME_UNKNOWN % {**details, "error": texts.CREATE_INTERRUPTED},
        # After then no answer to it can arrive: a row still in progress is a dead process's (creates_settle).
        check_after=database_now() + update_lease(),
        submission_key=submission_key,
    )
    try:
        with transaction.atomic():
            change.save()  # committed before the first byte goes to DingTalk
    except IntegrityError as error:
        repeated(change, error)
    try:
        created = call_dingtalk(
            organization,
            dingtalk.DingTalkClient.create_schedule_conference,
            creator_union_id=creator_union_id,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
        record_failure(change, error)
        if isinstance(error, dingtalk.DingTalkError) and error.may_have_been_applied:
            reason, meeting_number = change.message, getattr(error, "meeting_number", "")
            _create_unknown(change, details, reason=reason, meeting_number=meeting_number, error=error)
        if isinstance(error, dingtalk.DingTalkAPIError) and error.code == dingtalk.Code.PERMISSION_ERROR:
            # The sentence for a change of a booked meeting names its creator and page; a booking's is the
            # creator typed in the form.
            change.message = texts.CREATE_REFUSED_CREATOR % {"creator": creator_union_id, "detail": error.detail}
            if error.request_id:
                change.message = f"{change.message} {texts.REQUEST_ID_SUFFIX % {'request_id': error.request_id}}"
        change.save()
        raise MeetingError(change.message) from error
    except Exception as error:  # noqa: BLE001 -- whatever failed after sending, DingTalk may have booked it
        logger.exception("Organization %s: a create failed after it was sent", organization.pk)
        note_error(change, error)
        _create_unknown(change, details, reason=str(texts.CREATE_INTERRUPTED), meeting_number="", error=error)
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                organization=organization,
                schedule_conference_id=created.schedule_conference_id,
                creator_union_id=creator_union_id,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                join_url=created.url,
                meeting_number=created.meeting_number,
                phones=list(created.phones),
                updated_by=by,
            )
            change.meeting = meeting
            change.outcome, change.check_after = MeetingChange.Outcome.SUCCESS, None
            change.request_id, change.http_status = created.request_id, 200
            change.message = ""
            change.save()
    except IntegrityError:
        # DingTalk gave an ID the portal already has: keep the attempt, say what happened.
        logger.error(
            "Organization %s: DingTalk returned known conference ID %s", organization.pk, created.schedule_conference_id
        )
        change.outcome, change.check_after = MeetingChange.Outcome.FAILED, None
        change.request_id, change.http_status = created.request_id, 200
        change.message = str(texts.CONFERENCE_ALREADY_REGISTERED)
        change.save()
        raise MeetingError(change.message) from None
    except DatabaseError as error:
        # DingTalk booked it and the portal could not keep it: never lost, the row names it.
        logger.exception("Organization %s: could not store the booked meeting", organization.pk)
        change.request_id, change.http_status = created.request_id, 200
        note_error(change, error)
        reason = str(texts.CREATE_NOT_STORED)
        _create_unknown(change, details, reason=reason, meeting_number=created.meeting_number, error=error)
    return meeting


def _create_unknown(
    change: MeetingChange, details: dict, *, reason: str, meeting_number: str, error: Exception
) -> NoReturn:
    """The create may have booked a meeting the portal does not have: keep the row UNKNOWN with what to look
    for (the meeting number, when DingTalk gave one) and raise MeetingCreateUnknown."""
    change.outcome, change.check_after = MeetingChange.Outcome.UNKNOWN, None
    change.message = texts.CREATE_OUTCOME_UNKNOWN % {**details, "error": reason}
    change.message_sentence = None  # the failure's sentence (record_failure) is only part of this one
    if meeting_number:
        change.message = (
            f"{change.message} {texts.CREATE_UNKNOWN_NUMBER % {'number': texts.group_digits(meeting_number)}}"
        )
    change.save()
    raise MeetingCreateUnknown(change.message, meeting_number=meeting_number) from error


@within_one_deadline
def meeting_cancel(*, meeting: Meeting, by: AbstractUser) -> MeetingChange:
    """Cancel the meeting in DingTalk; on success, or when DingTalk says it already is, mark it canceled.

    Raises MeetingCanceled when the portal already knows it is canceled, MeetingConflict when a save
    of it is running, MeetingError with the sentence when DingTalk cannot be asked or says no.
    """
    if meeting.is_canceled:
        raise MeetingCanceled(str(texts.MEETING_CANCELED_READ_ONLY))
    change = change_for(meeting, MeetingChange.Action.CANCEL, by=by, based_on_version=meeting.version)
    change.new_title = meeting.title  # the history names the meeting as it was
    # Written IN_PROGRESS before the cancel goes out: a process that dies mid-call leaves it to the check.
    lease = take_lease(change, record_start=True)
    unknown = {"sentence": texts.CANCEL_OUTCOME_UNKNOWN, "params": {"title": meeting.title}}
    try:
        try:
            change.request_id = change_as_creator(meeting, dingtalk.DingTalkClient.cancel_schedule_conference)
            change.message = texts.MEETING_CANCELED_DONE % {"title": meeting.title}
        except dingtalk.DingTalkAPIError as error:
            if error.code != dingtalk.Code.RESOURCE_CANCEL:
                _may_have_arrived(change, lease=lease, error=error, **unknown)
                fail(change, error)
            # Canceled already (in DingTalk, or by our own earlier attempt whose answer was lost): done.
            change.dingtalk_code, change.request_id = error.code, error.request_id
            change.message = texts.MEETING_ALREADY_CANCELED % {"title": meeting.title}
        except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
            _may_have_arrived(change, lease=lease, error=error, **unknown)
            fail(change, error)
        except Exception as error:  # noqa: BLE001 -- whatever failed after sending, the cancel may be in DingTalk
            logger.exception("Meeting %s: the cancel failed after it was sent", meeting.pk)
            outcome_unknown(change, lease=lease, error=error, **unknown)
        now = timezone.now()
        with transaction.atomic():
            Meeting.objects.filter(pk=meeting.pk).update(
                status=Meeting.Status.CANCELED,
                version=F("version") + 1,
                update_lease_until=None,
                updated_by=by,
                updated_at=now,
            )
            change.outcome, change.check_after = MeetingChange.Outcome.SUCCESS, None
            change.http_status = 200
            change.save()
        meeting.status, meeting.version = Meeting.Status.CANCELED, meeting.version + 1
        meeting.update_lease_until, meeting.updated_by, meeting.updated_at = None, by, now
    finally:
        release_lease(meeting, lease)
    return change


def meeting_settings_get(*, meeting: Meeting) -> dingtalk.ConferenceSettings:
    """DingTalk's current settings of the meeting. Raises MeetingError (MeetingCanceled when DingTalk
    says the meeting is canceled; it is then marked so)."""
    if meeting.is_canceled:
        raise MeetingCanceled(str(texts.MEETING_CANCELED_READ_ONLY))
    try:
        return _dingtalk_settings(meeting)
    except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
        message = error_message(error, organization=meeting.organization)
        if isinstance(error, dingtalk.DingTalkAPIError) and error.code == dingtalk.Code.RESOURCE_CANCEL:
            Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELED, updated_at=timezone.now())
            meeting.status = Meeting.Status.CANCELED
            raise MeetingCanceled(message) from error
        raise MeetingError(message) from error


@within_one_deadline
def meeting_settings_update(
    *,
    meeting: Meeting,
    based_on: dingtalk.ConferenceSettings,
    settings: dingtalk.ConferenceSettings,
    by: AbstractUser,
) -> MeetingChange | None:
    """Send the settings the person changed (those where `settings` differs from `based_on`, what the
    form showed) and nothing else, so DingTalk keeps the rest as it has them.

    DingTalk's settings are read again first: when any differs from `based_on`, the save stops with
    SettingsChangedInDingTalk carrying what DingTalk has now. Returns None when nothing was changed.
    The audit row keeps old -> new per setting sent.
    """
    wanted = {name: value for name, value in dataclasses.asdict(settings).items() if value != getattr(based_on, name)}
    if not wanted:
        return None
    if meeting.is_canceled:
        raise MeetingCanceled(str(texts.MEETING_CANCELED_READ_ONLY))
    change = change_for(meeting, MeetingChange.Action.SETTINGS, by=by, based_on_version=meeting.version)
    change.old_title = change.new_title = meeting.title  # the history names the meeting as it was
    change.settings_changes = {
        name: [setting_as_stored(getattr(based_on, name)), setting_as_stored(value)] for name, value in wanted.items()
    }
    # Written IN_PROGRESS before anything goes out: a process that dies mid-call leaves it to the check.
    lease = take_lease(change, record_start=True)
    try:
        try:
            current = _dingtalk_settings(meeting)
        except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
            fail(change, error)
        if current != based_on:
            change.outcome, change.check_after = MeetingChange.Outcome.CONFLICT, None
            change.message = str(texts.SETTINGS_CHANGED_IN_DINGTALK)
            change.save()
            raise SettingsChangedInDingTalk(change.message, current=current)
        unknown = {"sentence": texts.SETTINGS_OUTCOME_UNKNOWN, "params": {"fields": change.settings_summary()}}
        try:
            change.request_id = change_as_creator(
                meeting, dingtalk.DingTalkClient.update_conference_settings, changes=wanted
            )
        except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
            _may_have_arrived(change, lease=lease, error=error, **unknown)
            fail(change, error)
        except Exception as error:  # noqa: BLE001 -- whatever failed after sending, the change may be in DingTalk
            logger.exception("Meeting %s: the settings change failed after it was sent", meeting.pk)
            outcome_unknown(change, lease=lease, error=error, **unknown)
        change.outcome, change.check_after = MeetingChange.Outcome.SUCCESS, None
        change.http_status = 200
        change.message = texts.SETTINGS_SAVED % {"fields": change.settings_summary()}
        change.save()
    finally:
        release_lease(meeting, lease)
    return change


def _may_have_arrived(change: MeetingChange, *, lease, error, sentence, params) -> None:
    """When DingTalk may have applied the change although no answer said so: keep it UNKNOWN, to be checked
    (meetings.outcome_unknown raises). Else return: it certainly failed."""
    if isinstance(error, dingtalk.DingTalkError) and error.may_have_been_applied:
        outcome_unknown(change, lease=lease, error=error, sentence=sentence, params=params)


def _dingtalk_settings(meeting: Meeting) -> dingtalk.ConferenceSettings:
    return call_dingtalk(
        meeting.organization,
        dingtalk.DingTalkClient.get_conference_settings,
        schedule_conference_id=meeting.schedule_conference_id,
    )


def setting_as_stored(value):
    """A setting's value as settings_changes (JSON) keeps it."""
    return list(value) if isinstance(value, tuple) else value
