"""Use cases: the only code that changes meetings and organizations. DingTalk first, then the database.

One module per concern; the public names are re-exported here, so callers write `services.meeting_update(...)`.
"""

from .bulk_rename import (
    PreviewRow,
    Progress,
    Rename,
    bulk_rename_preview,
    bulk_rename_progress,
    bulk_rename_resume_if_stalled,
    bulk_rename_run,
    bulk_rename_start,
)
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
from .scheduling import (
    MeetingCreateUnknown,
    SettingsChangedInDingTalk,
    meeting_cancel,
    meeting_create,
    meeting_settings_get,
    meeting_settings_update,
)

__all__ = [
    "RESCHEDULE_PERMISSION",
    "MeetingCanceled",
    "MeetingChangedInDingTalk",
    "MeetingConflict",
    "MeetingCreateUnknown",
    "MeetingError",
    "MeetingOutcomeUnknown",
    "error_message",
    "meeting_reconcile",
    "PreviewRow",
    "Progress",
    "Rename",
    "SettingsChangedInDingTalk",
    "bulk_rename_preview",
    "bulk_rename_progress",
    "bulk_rename_resume_if_stalled",
    "bulk_rename_run",
    "bulk_rename_start",
    "meeting_cancel",
    "meeting_create",
    "meeting_refresh",
    "meeting_register",
    "meeting_settings_get",
    "meeting_settings_update",
    "meeting_update",
    "meetings_to_reconcile",
    "organization_save",
]
