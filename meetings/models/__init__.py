"""The meetings app's models, one module per concern; Django and callers import them from here.

- `organization`: an organization, its DingTalk credentials, and `visible_to` (who may see which rows);
- `meeting`: a booked meeting;
- `change`: the audit trail, one `MeetingChange` per attempt to change a meeting;
- `jobs`: the background work over many meetings (bulk rename, import);
- `submission`: the edit form's submissions, so that a repeated one is not saved twice;
- `budget`: DingTalk's rate limit, one budget for every process (meetings/dingtalk/pacing.py).
"""

from .budget import DingTalkBudget
from .change import MeetingChange
from .jobs import BulkRename, BulkRenameItem, MeetingImport, MeetingImportLine
from .meeting import Meeting
from .organization import Organization, OrganizationQuerySet, VisibleQuerySet
from .submission import EditSubmission

__all__ = [
    "BulkRename",
    "BulkRenameItem",
    "DingTalkBudget",
    "EditSubmission",
    "Meeting",
    "MeetingChange",
    "MeetingImport",
    "MeetingImportLine",
    "Organization",
    "OrganizationQuerySet",
    "VisibleQuerySet",
]
