"""The meetings app's models, one module per concern; Django and callers import them from here.

- `organization`: an organization, its DingTalk credentials, and `visible_to` (who may see which rows);
- `meeting`: a booked meeting;
- `change`: the audit trail, one `MeetingChange` per attempt to change a meeting (a save from the edit form
  carries its submission's key, so that a repeated one is answered, not saved twice);
- `jobs`: the background work over many meetings (bulk rename, import) and the periodic work;
- `budget`: DingTalk's rate limit, one budget for every process (meetings/dingtalk/pacing.py).
"""

from .budget import DingTalkBudget
from .change import MeetingChange
from .jobs import BulkRename, BulkRenameItem, Job, JobWorker, MeetingImport, MeetingImportLine, PeriodicJob
from .meeting import Meeting
from .organization import Organization, OrganizationQuerySet, VisibleQuerySet

__all__ = [
    "BulkRename",
    "BulkRenameItem",
    "DingTalkBudget",
    "Meeting",
    "MeetingChange",
    "MeetingImport",
    "MeetingImportLine",
    "Job",
    "PeriodicJob",
    "JobWorker",
    "Organization",
    "OrganizationQuerySet",
    "VisibleQuerySet",
]
