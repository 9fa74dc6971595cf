"""The meetings app's models, one module per concern; Django and callers import them from here.

- `organization`: an organization, its DingTalk credentials, and `visible_to` (who may see which rows);
- `meeting`: a booked meeting;
- `change`: the audit trail, one `MeetingChange` per attempt to change a meeting;
- `jobs`: the background work over many meetings (bulk rename, import) and the periodic work;
- `submission`: the edit form's submissions, so that a repeated one is not saved twice.
"""

from .change import MeetingChange
from .jobs import BulkRename, BulkRenameItem, Job, MeetingImport, MeetingImportLine, PeriodicJob
from .meeting import Meeting
from .organization import Organization, OrganizationQuerySet, VisibleQuerySet
from .submission import EditSubmission

__all__ = [
    "BulkRename",
    "BulkRenameItem",
    "EditSubmission",
    "Meeting",
    "MeetingChange",
    "MeetingImport",
    "MeetingImportLine",
    "Job",
    "PeriodicJob",
    "Organization",
    "OrganizationQuerySet",
    "VisibleQuerySet",
]
