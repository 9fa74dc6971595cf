"""Use cases: the only code that changes meetings and organizations. DingTalk first, then the database.

One module per concern; the public names are re-exported here, so callers write `services.meeting_update(...)`.
"""

from .errors import (
    MeetingCanceled,
    MeetingChangedInDingTalk,
    MeetingConflict,
    MeetingError,
    MeetingOutcomeUnknown,
    error_message,
)
from .meetings import RESCHEDULE_PERMISSION, meeting_refresh, meeting_register, meeting_update
from .organizations import organization_save
from .reconcile import meeting_reconcile, meetings_to_reconcile
from .submissions import edit_submission_finish, edit_submission_key, edit_submission_start, edit_submission_wait

__all__ = [
    "RESCHEDULE_PERMISSION",
    "MeetingCanceled",
    "MeetingChangedInDingTalk",
    "MeetingConflict",
    "MeetingError",
    "MeetingOutcomeUnknown",
    "edit_submission_finish",
    "edit_submission_key",
    "edit_submission_start",
    "edit_submission_wait",
    "error_message",
    "meeting_reconcile",
    "meeting_refresh",
    "meeting_register",
    "meeting_update",
    "meetings_to_reconcile",
    "organization_save",
]
