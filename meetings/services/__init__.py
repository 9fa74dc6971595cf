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
from .imports import MAX_LINES, import_confirm, import_counts, import_create, import_lines, import_preview, import_run
from .meetings import RESCHEDULE_PERMISSION, UPDATE_LEASE, meeting_refresh, meeting_update
from .organizations import organization_save
from .registration import (
    Candidate,
    CreatorRefused,
    MeetingAlreadyRegistered,
    MeetingNumberNotFound,
    SeveralMeetings,
    meeting_change_creator,
    meeting_check,
    meeting_find,
    meeting_number_digits,
    meeting_register,
    meeting_register_by_number,
    meeting_remove,
)

__all__ = [
    "MAX_LINES",
    "import_confirm",
    "import_counts",
    "import_create",
    "import_lines",
    "import_preview",
    "import_run",
    "meeting_check",
    "Candidate",
    "CreatorRefused",
    "MeetingAlreadyRegistered",
    "MeetingNumberNotFound",
    "SeveralMeetings",
    "meeting_change_creator",
    "meeting_find",
    "meeting_number_digits",
    "meeting_register_by_number",
    "meeting_remove",
    "RESCHEDULE_PERMISSION",
    "UPDATE_LEASE",
    "MeetingCanceled",
    "MeetingChangedInDingTalk",
    "MeetingConflict",
    "MeetingError",
    "error_message",
    "meeting_refresh",
    "meeting_register",
    "meeting_update",
    "organization_save",
]
