"""Use cases: the only code that changes meetings and organizations. DingTalk first, then the database.

One module per concern; the public names are re-exported here, so callers write `services.meeting_update(...)`.
"""

from .errors import (
    MeetingCanceled,
    MeetingChangedInDingTalk,
    MeetingConflict,
    MeetingError,
    error_message,
)
from .meetings import RESCHEDULE_PERMISSION, UPDATE_LEASE, meeting_refresh, meeting_register, meeting_update
from .organizations import organization_save
from .submissions import edit_submission_finish, edit_submission_key, edit_submission_start, edit_submission_wait

__all__ = [
    "RESCHEDULE_PERMISSION",
    "UPDATE_LEASE",
    "MeetingCanceled",
    "MeetingChangedInDingTalk",
    "MeetingConflict",
    "MeetingError",
    "edit_submission_finish",
    "edit_submission_key",
    "edit_submission_start",
    "edit_submission_wait",
    "error_message",
    "meeting_refresh",
    "meeting_register",
    "meeting_update",
    "organization_save",
]
