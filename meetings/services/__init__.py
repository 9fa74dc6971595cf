"""Use cases: the only code that changes meetings and organizations. DingTalk first, then the database.

One module per concern; the public names are re-exported here, so callers write `services.meeting_update(...)`.
"""

from .action_checks import creates_settle
from .bulk_rename import PreviewRow, Rename, bulk_rename_preview, bulk_rename_start
from .bulk_rename_worker import bulk_rename_run
from .errors import (
    MeetingCanceled,
    MeetingChangedInDingTalk,
    MeetingConflict,
    MeetingError,
    MeetingOutcomeUnknown,
    SubmissionRepeated,
    error_message,
)
from .imports import MAX_LINES, import_confirm, import_create, import_lines, import_preview, import_run
from .jobs import jobs_take_over_stalled, periodic_jobs_queue_due, task_results_fail_orphaned, worker_beat
from .meeting_numbers import Candidate, meeting_find, meeting_number_digits
from .meetings import RESCHEDULE_PERMISSION, form_submission_key, form_token, meeting_refresh, meeting_update
from .organizations import OrganizationHostTaken, organization_check_connection, organization_save
from .prune import old_records_prune
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
from .save_checks import meeting_save_check, meetings_save_check
from .scheduling import (
    MeetingCreateUnknown,
    SettingsChangedInDingTalk,
    meeting_cancel,
    meeting_create,
    meeting_settings_get,
    meeting_settings_update,
)
from .sync import meeting_sync, meetings_sync

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
    "RESCHEDULE_PERMISSION",
    "Rename",
    "SettingsChangedInDingTalk",
    "SeveralMeetings",
    "SubmissionRepeated",
    "bulk_rename_preview",
    "bulk_rename_run",
    "bulk_rename_start",
    "error_message",
    "form_submission_key",
    "form_token",
    "import_confirm",
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
    "jobs_take_over_stalled",
    "task_results_fail_orphaned",
    "worker_beat",
    "creates_settle",
    "meeting_save_check",
    "meetings_save_check",
    "meeting_sync",
    "meetings_sync",
    "old_records_prune",
    "periodic_jobs_queue_due",
    "meeting_refresh",
    "meeting_register",
    "meeting_register_by_number",
    "meeting_remove",
    "meeting_settings_get",
    "meeting_settings_update",
    "meeting_update",
    "OrganizationHostTaken",
    "organization_check_connection",
    "organization_save",
]
