"""Use cases that bring a booked meeting into the portal, correct its creator, and take it out again.

People know a meeting by its meeting number; DingTalk's update and query APIs need its
scheduleConferenceId and its creator's unionId. Registration finds the first from the number
(meeting_numbers.py) and has DingTalk confirm the second (its query API answers only the creator) before
anything is stored.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .. import dingtalk, texts
from ..dingtalk import credentials
from ..models import Meeting, MeetingChange, Organization
from .audit import change_for
from .dingtalk_calls import maybe_paced, read_conference
from .errors import MeetingConflict, MeetingError, error_sentence
from .meeting_numbers import Candidate, meeting_find

logger = logging.getLogger(__name__)


class MeetingNumberNotFound(MeetingError):
    """DingTalk has no booked meeting behind the number."""


class SeveralMeetings(MeetingError):
    """Several booked meetings share the number (a reused personal room): the person must choose one."""

    def __init__(self, message: str, *, candidates: list[Candidate]):
        super().__init__(message)
        self.candidates = candidates


class CreatorRefused(MeetingError):
    """DingTalk did not accept the creator given or found; `candidate` is the meeting, when it was found by number."""

    def __init__(self, message: str, *, candidate: Candidate | None = None):
        super().__init__(message)
        self.candidate = candidate


class MeetingAlreadyRegistered(MeetingError):
    """The booked meeting is in the portal already (on this DingTalk host); `meeting` is that one."""

    def __init__(self, message: str, *, meeting: Meeting):
        super().__init__(message)
        self.meeting = meeting


def meeting_register_by_number(
    *,
    organization: Organization,
    meeting_number: str,
    by: AbstractUser,
    schedule_conference_id: str = "",
    creator_union_id: str = "",
    paced: bool = False,
) -> Meeting:
    """Register the booked meeting behind a meeting number.

    One booked meeting behind the number (however many instances): registered with the creator DingTalk
    names, once its query API accepts that creator. Several: SeveralMeetings, until the person chooses one
    (`schedule_conference_id`). A creator DingTalk refuses: CreatorRefused, until the person gives one
    (`creator_union_id`) that DingTalk accepts. Nothing is stored before then.
    """
    candidates = meeting_find(organization=organization, meeting_number=meeting_number, paced=paced)
    if not candidates:
        number = {"number": texts.group_digits(meeting_number)}
        raise MeetingNumberNotFound(texts.Sentence(texts.MEETING_NUMBER_UNKNOWN, number))
    if schedule_conference_id:
        chosen = [c for c in candidates if c.schedule_conference_id == schedule_conference_id]
        if not chosen:
            raise SeveralMeetings(str(texts.MEETING_NUMBER_CHOICE_GONE), candidates=candidates)
        candidates = chosen
    if len(candidates) > 1:
        raise SeveralMeetings(
            texts.MEETING_NUMBER_SEVERAL % {"number": texts.group_digits(meeting_number)}, candidates=candidates
        )
    [candidate] = candidates
    _refuse_duplicate(organization=organization, schedule_conference_id=candidate.schedule_conference_id)
    creator = creator_union_id or candidate.creator_union_id
    if not creator:
        raise CreatorRefused(texts.Sentence(texts.CREATOR_UNKNOWN), candidate=candidate)
    try:
        return meeting_register(
            organization=organization,
            schedule_conference_id=candidate.schedule_conference_id,
            creator_union_id=creator,
            by=by,
            paced=paced,
        )
    except CreatorRefused as refused:
        raise CreatorRefused(refused.sentence or refused.message, candidate=candidate) from refused


def meeting_register(
    *,
    organization: Organization,
    schedule_conference_id: str,
    creator_union_id: str,
    by: AbstractUser,
    paced: bool = False,
) -> Meeting:
    """Look a booked meeting up in DingTalk as its creator, and keep its ID, creator, title, times, number, link.

    A meeting this organization removed earlier comes back with its history (one another organization
    removed is added as a new row: its history is that organization's). Raises CreatorRefused when
    DingTalk does not accept the creator, MeetingAlreadyRegistered when the meeting is in the portal (on
    this DingTalk host, under any organization), MeetingError for any other failure; nothing is stored then.
    """
    removed = _refuse_duplicate(organization=organization, schedule_conference_id=schedule_conference_id)
    current = _read_as_creator(
        organization=organization,
        schedule_conference_id=schedule_conference_id,
        creator_union_id=creator_union_id,
        paced=paced,
    )
    values = {
        "organization": organization,
        "creator_union_id": creator_union_id,
        "title": current.title,
        "starts_at": current.starts_at,
        "ends_at": current.ends_at,
        "meeting_number": current.meeting_number,
        "join_url": current.url,
        "updated_by": by,
    }
    try:
        with transaction.atomic():
            if removed is not None:
                restored = Meeting.objects.filter(pk=removed.pk, removed_at__isnull=False).update(
                    **values,
                    status=Meeting.Status.ACTIVE,
                    removed_at=None,
                    version=F("version") + 1,
                    updated_at=timezone.now(),
                )
                if not restored:
                    raise IntegrityError("restored meanwhile")
                meeting = Meeting.objects.get(pk=removed.pk)
            else:
                meeting = Meeting.objects.create(schedule_conference_id=schedule_conference_id, **values)
            MeetingChange.objects.create(
                meeting=meeting,
                organization=organization,
                user=by,
                action=MeetingChange.Action.REGISTER,
                outcome=MeetingChange.Outcome.SUCCESS,
                new_title=current.title,
                new_starts_at=current.starts_at,
                new_ends_at=current.ends_at,
                http_status=200,
            )
    except IntegrityError:
        # Someone registered the same meeting while DingTalk was answering us: the database's rule
        # (Meeting.Meta.constraints) refused this row; answer as the check above would have.
        existing = _registered(organization, schedule_conference_id).filter(removed_at__isnull=True).first()
        if existing is None:
            raise MeetingError(texts.Sentence(texts.CONFERENCE_ALREADY_REGISTERED)) from None
        raise _already(existing, organization=organization) from None
    return meeting


def meeting_check(
    *, organization: Organization, schedule_conference_id: str, creator_union_id: str, paced: bool = False
) -> dingtalk.Conference:
    """What registering would store, without storing it (an import's preview). Raises as meeting_register."""
    _refuse_duplicate(organization=organization, schedule_conference_id=schedule_conference_id)
    return _read_as_creator(
        organization=organization,
        schedule_conference_id=schedule_conference_id,
        creator_union_id=creator_union_id,
        paced=paced,
    )


def meeting_change_creator(*, meeting: Meeting, creator_union_id: str, by: AbstractUser) -> MeetingChange | None:
    """Store another creator for the meeting, once DingTalk's query API accepts it; audited either way.

    Returns None when it is the stored one. Raises CreatorRefused (a FAILED audit row is kept) or MeetingError;
    MeetingConflict (a CONFLICT row) when someone else stored another creator while DingTalk was asked: the
    store is conditional on the creator this change started from, so neither change undoes the other unseen.
    """
    old = meeting.creator_union_id
    if creator_union_id == old:
        return None
    change = change_for(meeting, MeetingChange.Action.CREATOR, by=by, based_on_version=meeting.version)
    change.message = texts.CREATOR_CHANGE_AUDIT % {"old": old, "new": creator_union_id}
    try:
        current = _read_as_creator(
            organization=meeting.organization,
            schedule_conference_id=meeting.schedule_conference_id,
            creator_union_id=creator_union_id,
        )
    except MeetingError as refused:
        error = refused.__cause__
        change.outcome = MeetingChange.Outcome.FAILED
        if isinstance(error, dingtalk.DingTalkError):
            change.dingtalk_code, change.request_id, change.http_status = error.code, error.request_id, error.status
        change.message = f"{change.message}. {refused.message}"
        change.save()
        raise
    with transaction.atomic():
        stored = Meeting.objects.filter(pk=meeting.pk, creator_union_id=old).update(
            creator_union_id=creator_union_id,
            meeting_number=current.meeting_number or F("meeting_number"),
            join_url=current.url or F("join_url"),
            updated_by=by,
            updated_at=timezone.now(),
        )
        change.http_status = 200
        if stored:
            change.outcome = MeetingChange.Outcome.SUCCESS
        else:
            meeting.refresh_from_db(fields=["creator_union_id"])
            conflict = texts.CREATOR_CHANGED_MEANWHILE % {"creator": meeting.creator_union_id}
            change.outcome, change.message = MeetingChange.Outcome.CONFLICT, f"{change.message}. {conflict}"
        change.save()
    meeting.refresh_from_db()
    if not stored:
        raise MeetingConflict(conflict)
    return change


def meeting_remove(*, meeting: Meeting, by: AbstractUser) -> MeetingChange | None:
    """Take the meeting out of the portal's list. DingTalk is not called; its audit rows stay.

    None when it was out already (two people removed it at once): one removal, one audit row.
    """
    with transaction.atomic():
        removed = Meeting.objects.filter(pk=meeting.pk, removed_at__isnull=True).update(
            removed_at=timezone.now(), updated_by=by
        )
        if not removed:
            return None
        change = change_for(meeting, MeetingChange.Action.REMOVE, by=by, based_on_version=meeting.version)
        change.outcome = MeetingChange.Outcome.SUCCESS
        change.save()
    return change


def _registered(organization: Organization, schedule_conference_id: str):
    """The portal's rows of this booked meeting on the organization's DingTalk host (removed ones too)."""
    return Meeting.objects.filter(
        schedule_conference_id=schedule_conference_id, api_base=organization.api_base
    ).select_related("organization")


def _refuse_duplicate(*, organization: Organization, schedule_conference_id: str) -> Meeting | None:
    """Raise MeetingAlreadyRegistered for a meeting in the portal; return this organization's removed row
    of it to bring back, if any. A row another organization removed stays that organization's, with its
    history: bringing it here would show that history to this organization's people."""
    rows = list(_registered(organization, schedule_conference_id))
    for row in rows:
        if row.removed_at is None:
            raise _already(row, organization=organization)
    return next((row for row in rows if row.organization_id == organization.pk), None)


def _already(meeting: Meeting, *, organization: Organization) -> MeetingAlreadyRegistered:
    """The answer to adding `meeting` again under `organization`. Its sentence names the meeting only to its
    own organization (an import keeps it on a line every member of `organization` reads); the page links to
    the meeting for the person who may open it (views/registration.py)."""
    if meeting.organization_id != organization.pk:
        return MeetingAlreadyRegistered(texts.Sentence(texts.MEETING_ALREADY_ELSEWHERE), meeting=meeting)
    named = {"organization": meeting.organization.name, "title": meeting.title}
    return MeetingAlreadyRegistered(texts.Sentence(texts.MEETING_ALREADY_IN_PORTAL, named), meeting=meeting)


def _read_as_creator(
    *, organization: Organization, schedule_conference_id: str, creator_union_id: str, paced: bool = False
) -> dingtalk.Conference:
    """DingTalk's meeting, read with `creator_union_id` as requestUnionId: DingTalk answers only the creator."""
    try:
        return maybe_paced(
            organization,
            lambda: read_conference(
                organization=organization,
                schedule_conference_id=schedule_conference_id,
                creator_union_id=creator_union_id,
            ),
            paced=paced,
        )
    except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
        if isinstance(error, dingtalk.DingTalkAPIError) and error.code == dingtalk.Code.PERMISSION_ERROR:
            raise CreatorRefused(texts.Sentence(texts.CREATOR_REFUSED, {"creator": creator_union_id})) from error
        if isinstance(error, dingtalk.DingTalkAPIError) and error.code == dingtalk.Code.PARAMS_ERROR:
            text = texts.Sentence(texts.LOOKUP_NO_SUCH_CONFERENCE, {"detail": error.detail or error.code})
            if error.request_id:
                suffix = texts.Sentence(texts.REQUEST_ID_SUFFIX, {"request_id": error.request_id})
                text = texts.Sentence.joined(text, suffix)
            raise MeetingError(text, field="schedule_conference_id") from error
        raise MeetingError(error_sentence(error, organization=organization)) from error
