"""The audit row (MeetingChange) of an attempt: opened from the stored values, kept as a conflict or a failure."""

from __future__ import annotations

from typing import NoReturn

from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import dingtalk, texts
from ..dingtalk import credentials
from ..models import Meeting, MeetingChange
from .errors import MeetingCanceled, MeetingError, SubmissionRepeated, error_message


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
    change.message = error_message(error, organization=change.organization)


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
        text, request_id = texts.split_request_id(change.message)  # the request ID stays last
        change.message = f"{text} {texts.SAVE_REFUSED_CHANGE_CREATOR}"
        if request_id:
            change.message += f" {texts.REQUEST_ID_SUFFIX % {'request_id': request_id}}"
    with transaction.atomic():
        if canceled:
            Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELED, updated_at=timezone.now())
            meeting.status = Meeting.Status.CANCELED
        change.save()
    raise (MeetingCanceled if canceled else MeetingError)(change.message) from error
