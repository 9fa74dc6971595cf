"""The audit row (MeetingChange) of an attempt: opened from the stored values, kept as a conflict or a failure."""

from __future__ import annotations

from typing import NoReturn

from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import dingtalk, texts
from ..dingtalk import credentials
from ..models import Meeting, MeetingChange
from .errors import MeetingCanceled, MeetingError, SubmissionRepeated, error_sentence


def change_for(
    meeting: Meeting, action: str, *, by: AbstractUser, based_on_version: int, submission_key: str | None = None
) -> MeetingChange:
    """An audit row for an attempt, starting from the stored values; `submission_key` for a save from the
    edit form (unique: the same form posted again finds this row, see `repeated`)."""
    return MeetingChange(
        meeting=meeting,
        organization=meeting.organization,
        user=by,
        action=action,
        based_on_version=based_on_version,
        old_title=meeting.title,
        old_starts_at=meeting.starts_at,
        old_ends_at=meeting.ends_at,
        submission_key=submission_key,
    )


def repeated(change: MeetingChange, error: IntegrityError) -> NoReturn:
    """After the INSERT of `change` failed on `error`: raise SubmissionRepeated with the attempt that holds
    its submission key (the same edit or booking form, arrived earlier), or `error` again if it was not about
    the key."""
    earlier = (
        MeetingChange.objects.filter(submission_key=change.submission_key).first() if change.submission_key else None
    )
    if earlier is None:
        raise error
    raise SubmissionRepeated(earlier) from None


def stop(change: MeetingChange, conflict: MeetingError) -> NoReturn:
    """Keep the attempt as a CONFLICT row and raise the conflict (or SubmissionRepeated: see `repeated`)."""
    change.outcome = MeetingChange.Outcome.CONFLICT
    change.message = conflict.message
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError as error:
        repeated(change, error)
    raise conflict


def record_failure(change: MeetingChange, error: dingtalk.DingTalkError | credentials.CredentialsError) -> None:
    """The failed attempt's code, request ID, status and sentence on its audit row (not saved yet)."""
    change.outcome, change.check_after = MeetingChange.Outcome.FAILED, None
    note_error(change, error)
    sentence = error_sentence(error, organization=change.organization)
    change.message, change.message_sentence = str(sentence), sentence.as_data()


def note_error(change: MeetingChange, error: Exception) -> None:
    """The error's DingTalk code, request ID and HTTP status on the row; without a code, its type's name."""
    change.dingtalk_code = type(error).__name__  # missing credentials or the portal's own failure: no code
    if isinstance(error, dingtalk.DingTalkError):
        change.dingtalk_code = error.code or change.dingtalk_code
        change.request_id, change.http_status = error.request_id, error.status


def fail(change: MeetingChange, error: dingtalk.DingTalkError | credentials.CredentialsError) -> NoReturn:
    """Keep the attempt on a stored meeting as a FAILED row and raise its sentence; DingTalk saying
    canceled marks the meeting so."""
    meeting = change.meeting
    record_failure(change, error)
    canceled = change.dingtalk_code == dingtalk.Code.RESOURCE_CANCEL
    if change.dingtalk_code == dingtalk.Code.PERMISSION_ERROR:
        sentence = texts.Sentence.from_data(change.message_sentence)
        parts = sentence.parts or [sentence]
        refused = texts.Sentence(texts.SAVE_REFUSED_CHANGE_CREATOR)
        if parts[-1].code == "REQUEST_ID_SUFFIX":  # the request ID stays last
            parts = [*parts[:-1], refused, parts[-1]]
        else:
            parts = [*parts, refused]
        sentence = texts.Sentence.joined(*parts)
        change.message, change.message_sentence = str(sentence), sentence.as_data()
    with transaction.atomic():
        if canceled:
            Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELED, updated_at=timezone.now())
            meeting.status = Meeting.Status.CANCELED
        change.save()
    said = texts.Sentence.from_data(change.message_sentence) if change.message_sentence else change.message
    raise (MeetingCanceled if canceled else MeetingError)(said) from error
