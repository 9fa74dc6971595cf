"""Use cases: the only code that changes meetings. DingTalk first, then the database."""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import credentials, dingtalk, messages
from .models import Meeting, MeetingChange, Organization

logger = logging.getLogger(__name__)


class MeetingError(Exception):
    """A use case failed; `message` is the sentence to show the person."""

    def __init__(self, message: str, *, error: dingtalk.DingTalkError | None = None):
        super().__init__(message)
        self.message = message
        self.error = error


def client_for(organization: Organization) -> dingtalk.DingTalkClient:
    return dingtalk.DingTalkClient(organization.api_base)


def meeting_update(
    *,
    meeting: Meeting,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by,
) -> MeetingChange | None:
    """Send the new title and times to DingTalk and, only if DingTalk says yes, store them.

    Every attempt that reaches for DingTalk leaves a MeetingChange row, whatever the outcome.
    Returns None when nothing differs from what is stored (nothing is sent).
    Raises MeetingError with the sentence to show.
    """
    if meeting.is_canceled:
        raise MeetingError(str(messages.MEETING_CANCELED_READ_ONLY))
    if (title, starts_at, ends_at) == (meeting.title, meeting.starts_at, meeting.ends_at):
        return None

    organization = meeting.organization
    change = MeetingChange(
        meeting=meeting,
        organization=organization,
        user=by,
        action=MeetingChange.Action.UPDATE,
        old_title=meeting.title,
        new_title=title,
        old_starts_at=meeting.starts_at,
        new_starts_at=starts_at,
        old_ends_at=meeting.ends_at,
        new_ends_at=ends_at,
    )
    # The HTTP call stays outside any transaction: no row lock is held while DingTalk thinks.
    try:
        client = client_for(organization)
        request_id = credentials.call_with_token(
            organization=organization,
            call=lambda access_token: client.update_schedule_conference(
                access_token=access_token,
                creator_union_id=meeting.creator_union_id,
                schedule_conference_id=meeting.schedule_conference_id,
                title=title,
                start_ms=dingtalk.epoch_ms(starts_at),
                end_ms=dingtalk.epoch_ms(ends_at),
            ),
        )
    except dingtalk.DingTalkError as error:
        _record_failure(change, error)
        raise MeetingError(change.message, error=error) from error

    with transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            version=F("version") + 1,
            updated_by=by,
            updated_at=timezone.now(),
        )
        change.outcome = MeetingChange.Outcome.SUCCESS
        change.request_id = request_id
        change.http_status = 200
        change.save()
    meeting.refresh_from_db()
    return change


def _record_failure(change: MeetingChange, error: dingtalk.DingTalkError) -> None:
    meeting = change.meeting
    change.outcome = MeetingChange.Outcome.FAILED
    change.dingtalk_code = error.code or type(error).__name__
    change.request_id = error.request_id
    change.http_status = error.status
    change.message = messages.for_error(error, organization=change.organization)
    with transaction.atomic():
        if error.code == dingtalk.Code.RESOURCE_CANCEL:
            Meeting.objects.filter(pk=meeting.pk).update(
                status=Meeting.Status.CANCELED, updated_at=timezone.now()
            )
            meeting.status = Meeting.Status.CANCELED
        change.save()


def meeting_register(
    *, organization: Organization, schedule_conference_id: str, creator_union_id: str, by
) -> Meeting:
    """Look a booked meeting up in DingTalk and keep its ID, title and times.

    Raises MeetingError when DingTalk cannot be asked or says no; nothing is stored then.
    """
    try:
        client = client_for(organization)
        conference = credentials.call_with_token(
            organization=organization,
            call=lambda access_token: client.get_schedule_conference(
                access_token=access_token,
                schedule_conference_id=schedule_conference_id,
                request_union_id=creator_union_id,
            ),
        )
    except dingtalk.DingTalkError as error:
        raise MeetingError(messages.for_error(error, organization=organization), error=error) from error

    try:
        starts_at = _from_epoch_ms(conference.start_ms)
        ends_at = _from_epoch_ms(conference.end_ms)
    except (OverflowError, OSError, ValueError):
        error = dingtalk.DingTalkBadReply("DingTalk sent times out of range", status=200)
        raise MeetingError(messages.for_error(error, organization=organization), error=error) from None
    try:
        meeting = _meeting_create(
            organization=organization,
            schedule_conference_id=schedule_conference_id,
            creator_union_id=creator_union_id,
            title=conference.title,
            starts_at=starts_at,
            ends_at=ends_at,
            by=by,
        )
    except IntegrityError:
        # Someone registered the same meeting while DingTalk was answering us.
        raise MeetingError(str(messages.CONFERENCE_ALREADY_REGISTERED)) from None
    return meeting


@transaction.atomic
def _meeting_create(
    *, organization, schedule_conference_id, creator_union_id, title, starts_at, ends_at, by
) -> Meeting:
    meeting = Meeting.objects.create(
        organization=organization,
        schedule_conference_id=schedule_conference_id,
        creator_union_id=creator_union_id,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        updated_by=by,
    )
    MeetingChange.objects.create(
        meeting=meeting,
        organization=organization,
        user=by,
        action=MeetingChange.Action.REGISTER,
        outcome=MeetingChange.Outcome.SUCCESS,
        new_title=title,
        new_starts_at=starts_at,
        new_ends_at=ends_at,
        http_status=200,
    )
    return meeting


def _from_epoch_ms(value: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(value / 1000, tz=datetime.UTC)
