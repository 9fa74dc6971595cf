"""Reads: what a person may see."""

from django.db.models import Q, QuerySet

from .models import Meeting, MeetingChange, Organization


def organization_list(*, user) -> QuerySet[Organization]:
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(members=user)


def meeting_list(*, user, query: str = "") -> QuerySet[Meeting]:
    meetings = Meeting.objects.visible_to(user).select_related("organization")
    query = query.strip()
    if query:
        meetings = meetings.filter(Q(title__icontains=query) | Q(schedule_conference_id__icontains=query))
    return meetings


def meeting_get(*, user, pk: int) -> Meeting:
    """The meeting, if the person may see it; Meeting.DoesNotExist otherwise (a 404, not a 403)."""
    return Meeting.objects.visible_to(user).select_related("organization").get(pk=pk)


def meeting_change_list(*, meeting: Meeting) -> QuerySet[MeetingChange]:
    return meeting.changes.select_related("user")
