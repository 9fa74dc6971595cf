"""Restore: the edit form opened with an earlier change's old values (history -> "Restore these values").

Only a prefill: the person reviews the values and saves them through the edit form, with all its checks.
Kept apart from the edit view so that view only asks `restore_initial()` for its initial values.
"""

from django.contrib import messages
from django.http import HttpRequest

from .. import selectors, services, texts
from ..models import Meeting

RESTORE_PARAMETER = "restore"


def restore_initial(request: HttpRequest, meeting: Meeting) -> dict:
    """The edit form's initial values for `?restore=<change id>`; {} when there is nothing to restore."""
    change_id = request.GET.get(RESTORE_PARAMETER, "")
    if request.method != "GET" or not change_id:
        return {}  # a POST from the prefilled form carries the values itself
    changes = selectors.meeting_change_list(meeting=meeting, user=request.user)
    change = changes.filter(pk=change_id).first() if change_id.isdigit() else None
    if change is None or not change.is_restorable:
        messages.warning(request, texts.RESTORE_NOT_POSSIBLE)
        return {}
    when = texts.local_time(change.created_at, meeting.organization)
    messages.info(request, texts.RESTORE_PREFILLED % {"time": when})
    initial = {"title": change.old_title}
    if request.user.has_perm(services.RESCHEDULE_PERMISSION):
        initial.update(start_time=change.old_starts_at, end_time=change.old_ends_at)
    return initial
