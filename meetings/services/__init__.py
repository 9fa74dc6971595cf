"""Use cases: the only code that changes meetings and organizations. DingTalk first, then the database.

One module per concern; the public names are re-exported here, so callers write `services.meeting_update(...)`.
"""

from .bulk_rename import PreviewRow, Progress, Rename, bulk_rename_preview, bulk_rename_progress, bulk_rename_start
from .bulk_rename_worker import bulk_rename_resume_if_stalled, bulk_rename_run
from .errors import (
    MeetingCanceled,
    MeetingChangedInDingTalk,
    MeetingConflict,
    MeetingError,
    MeetingOutcomeUnknown,
    SubmissionRepeated,
    error_message,
)
from .imports import MAX_LINES, import_confirm, import_counts, import_create, import_lines, import_preview, import_run
from .leases import schedule_check_of_dead_saves
from .meeting_numbers import Candidate, meeting_find, meeting_number_digits
from .meetings import RESCHEDULE_PERMISSION, edit_form_token, edit_submission_key, meeting_refresh, meeting_update
from .organizations import OrganizationHostTaken, organization_check_connection, organization_save
from .registration import (
    CreatorRefused,
    MeetingAlreadyRegistered,
    MeetingNumberNotFound,
    SeveralMeetings,
    meeting_change_creator,
    meeting_check,
    meeting_register,
    meeting_register_by_number,
    meeting_remove,
)
from .save_checks import meeting_save_check
from .scheduling import (
    MeetingCreateUnknown,
    SettingsChangedInDingTalk,
    meeting_cancel,
    meeting_create,
    meeting_settings_get,
    meeting_settings_update,
)

__all__ = [
    "Candidate",
    "CreatorRefused",
    "MAX_LINES",
    "MeetingAlreadyRegistered",
    "MeetingCanceled",
    "MeetingChangedInDingTalk",
    "MeetingConflict",
    "MeetingCreateUnknown",
    "MeetingError",
    "MeetingNumberNotFound",
    "MeetingOutcomeUnknown",
    "PreviewRow",
    "Progress",
    "RESCHEDULE_PERMISSION",
    "Rename",
    "SettingsChangedInDingTalk",
    "SeveralMeetings",
    "SubmissionRepeated",
    "bulk_rename_preview",
    "bulk_rename_progress",
    "bulk_rename_resume_if_stalled",
    "bulk_rename_run",
    "bulk_rename_start",
    "edit_form_token",
    "edit_submission_key",
    "error_message",
    "import_confirm",
    "import_counts",
    "import_create",
    "import_lines",
    "import_preview",
    "import_run",
    "meeting_cancel",
    "meeting_change_creator",
    "meeting_check",
    "meeting_create",
    "meeting_find",
    "meeting_number_digits",
    "meeting_save_check",
    "meeting_refresh",
    "meeting_register",
    "meeting_register_by_number",
    "meeting_remove",
    "meeting_settings_get",
    "meeting_settings_update",
    "meeting_update",
    "schedule_check_of_dead_saves",
    "OrganizationHostTaken",
    "organization_check_connection",
    "organization_save",
]
