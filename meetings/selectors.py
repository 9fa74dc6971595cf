"""Reads: what a person may see."""

import datetime
import zoneinfo

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import Meeting, MeetingChange, Organization


def organization_list(*, user) -> QuerySet[Organization]:
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(members=user)


def person_list(*, user) -> QuerySet:
    """The people whose activity `user` may filter by: the members of their organizations."""
    people = get_user_model().objects.order_by("username")
    if user.is_superuser:
        return people
    return people.filter(dingtalk_organizations__members=user).distinct()


def meeting_list(*, user, query: str = "") -> QuerySet[Meeting]:
    meetings = Meeting.objects.visible_to(user).select_related("organization")
    query = query.strip()
    if query:
        meetings = meetings.filter(Q(title__icontains=query) | Q(schedule_conference_id__icontains=query))
    return meetings


def meeting_get(*, user, pk: int, with_last_editor: bool = True) -> Meeting:
    """The meeting, if the person may see it; Meeting.DoesNotExist otherwise (a 404, not a 403).

    With its organization, and -- unless `with_last_editor` is off -- the person who changed it last, whom
    a page shows. A save has no use for that person: reading them costs a join and a user object, about
    3 % of a save's CPU (benchmarks/save_overhead.py).
    """
    related = ("organization", "updated_by") if with_last_editor else ("organization",)
    return Meeting.objects.visible_to(user).select_related(*related).get(pk=pk)


def meeting_change_list(*, meeting: Meeting) -> QuerySet[MeetingChange]:
    return meeting.changes.select_related("user")


def meeting_changes_since(*, meeting: Meeting, version: int) -> QuerySet[MeetingChange]:
    """The saves that moved the meeting past `version`, oldest first: what a stale form did not see."""
    return (
        meeting.changes.filter(outcome=MeetingChange.Outcome.SUCCESS, based_on_version__gte=version)
        .select_related("user")
        .order_by("created_at", "id")
    )


def activity_list(
    *,
    user,
    organization: Organization | None = None,
    person=None,
    outcome: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[MeetingChange]:
    """Attempts across the meetings `user` may see, newest first.

    Dates are calendar days in each organization's own time zone, as the activity page shows the times.
    """
    changes = MeetingChange.objects.visible_to(user).select_related("meeting", "organization", "user")
    if organization is not None:
        changes = changes.filter(organization=organization)
    if person is not None:
        changes = changes.filter(user=person)
    if outcome:
        changes = changes.filter(outcome=outcome)
    if date_from or date_to:
        if organization is not None:
            zones = [organization.time_zone]
        else:
            zones = organization_list(user=user).order_by().values_list("time_zone", flat=True).distinct()
        in_range = Q(pk__in=[])
        for zone_name in zones:
            zone = zoneinfo.ZoneInfo(zone_name)
            days = Q(organization__time_zone=zone_name)
            if date_from:
                days &= Q(created_at__gte=_midnight(date_from, zone))
            if date_to:
                days &= Q(created_at__lt=_midnight(date_to + datetime.timedelta(days=1), zone))
            in_range |= days
        changes = changes.filter(in_range)
    return changes


def _midnight(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
