"""Reads: what a person may see."""

import dataclasses
import datetime
import zoneinfo

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from .models import (
    BulkRename,
    BulkRenameItem,
    Meeting,
    MeetingChange,
    MeetingImport,
    MeetingImportLine,
    Organization,
)


def organization_list(*, user) -> QuerySet[Organization]:
    return Organization.objects.visible_to(user)


def person_list(*, user) -> QuerySet:
    """The people whose activity `user` may filter by: the members of their organizations."""
    people = get_user_model().objects.order_by("username")
    if user.is_superuser:
        return people
    return people.filter(dingtalk_organizations__members=user).distinct()


def dingtalk_identity(user) -> tuple[str, str] | None:
    """The DingTalk unionId and name of an approved person who signs in with DingTalk (accounts/), else None:
    their unionId is theirs in the portal (the creator of what they book, "Meetings I booked")."""
    person = getattr(user, "dingtalk_person", None)  # a missing one is an AttributeError too
    if person is None or person.status != "approved":
        return None
    return person.union_id, person.nick


MEETINGS_UPCOMING, MEETINGS_PAST, MEETINGS_CANCELED, MEETINGS_ALL = "upcoming", "past", "canceled", "all"


def meeting_list(*, user, query: str = "", mine: bool = False, show: str = MEETINGS_ALL, now=None) -> QuerySet[Meeting]:
    """The person's meetings in the portal (not removed ones); `query` matches the title, the conference ID
    and the meeting number (digits only: "838 722 1234" and "838-722-1234" find 8387221234); `mine`: only
    those booked by the person (their DingTalk unionId is the creator; none without one).

    `show`: upcoming (not over by `now`, soonest first), past (over, latest first), canceled, or all."""
    meetings = Meeting.objects.visible_to(user).filter(removed_at__isnull=True).select_related("organization")
    if mine:
        identity = dingtalk_identity(user)
        meetings = meetings.filter(creator_union_id=identity[0]) if identity else meetings.none()
    if show == MEETINGS_CANCELED:
        meetings = meetings.filter(status=Meeting.Status.CANCELED)
    elif show == MEETINGS_UPCOMING:
        meetings = meetings.exclude(status=Meeting.Status.CANCELED).filter(ends_at__gte=now).order_by("starts_at", "id")
    elif show == MEETINGS_PAST:
        meetings = meetings.exclude(status=Meeting.Status.CANCELED).filter(ends_at__lt=now)
    query = query.strip()
    if query:
        matches = Q(title__icontains=query) | Q(schedule_conference_id__icontains=query)
        digits = meeting_number_query(query)
        if digits:
            matches |= Q(meeting_number__contains=digits)
        meetings = meetings.filter(matches)
    return meetings


# A search of at least this many digits is a meeting number: the one meeting it finds opens directly.
MEETING_NUMBER_MIN_DIGITS = 6


def meeting_number_query(query: str) -> str:
    """The digits of a search that is a meeting number, or part of one (digits, spaces, dashes); else ""."""
    compact = "".join(query.split()).replace("-", "")
    return compact if compact.isdigit() and compact.isascii() else ""


def meeting_get(*, user, pk: int, include_removed: bool = False, with_last_editor: bool = True) -> Meeting:
    """The meeting, if the person may see it; Meeting.DoesNotExist otherwise (a 404, not a 403).
    A meeting removed from the portal is gone too, unless `include_removed` (its history stays readable).

    With its organization, and -- unless `with_last_editor` is off -- the person who changed it last, whom
    a page shows. A save has no use for that person: reading them costs a join and a user object, about
    3 % of a save's CPU (benchmarks/save_overhead.py).
    """
    related = ("organization", "updated_by") if with_last_editor else ("organization",)
    meetings = Meeting.objects.visible_to(user).select_related(*related)
    if not include_removed:
        meetings = meetings.filter(removed_at__isnull=True)
    return meetings.get(pk=pk)


def import_get(*, user, pk: int) -> MeetingImport:
    """An import of one of the person's organizations; MeetingImport.DoesNotExist otherwise."""
    return MeetingImport.objects.visible_to(user).select_related("organization").get(pk=pk)


def import_counts(*, meeting_import: MeetingImport) -> dict[str, int]:
    """How far an import is: its lines, checked, addable, done (added or not), added, not added."""
    lines = meeting_import.lines.all()
    finished = {MeetingImportLine.Result.ADDED, MeetingImportLine.Result.NOT_ADDED}
    return {
        "lines": len(lines),
        "checked": sum(line.checked for line in lines),
        "addable": sum(line.addable for line in lines),
        "done": sum(line.result in finished for line in lines),
        "added": sum(line.result == MeetingImportLine.Result.ADDED for line in lines),
        "not_added": sum(line.result == MeetingImportLine.Result.NOT_ADDED for line in lines),
    }


@dataclasses.dataclass(frozen=True)
class Progress:
    """How far a bulk rename is."""

    done: int
    failed: int
    left: int
    seconds_left: int | None  # None: not known yet

    @property
    def total(self) -> int:
        return self.done + self.failed + self.left


def bulk_rename_progress(*, job: BulkRename) -> Progress:
    counts = dict(job.items.order_by().values_list("state").annotate(count=Count("id")).values_list("state", "count"))
    done = counts.get(BulkRenameItem.State.RENAMED, 0) + counts.get(BulkRenameItem.State.UNCHANGED, 0)
    failed = counts.get(BulkRenameItem.State.FAILED, 0)
    left = sum(counts.values()) - done - failed
    seconds_left = None
    if left and job.started_at and done + failed:
        elapsed = (timezone.now() - job.started_at).total_seconds()
        seconds_left = round(elapsed / (done + failed) * left)
    elif not left:
        seconds_left = 0
    return Progress(done=done, failed=failed, left=left, seconds_left=seconds_left)


def meeting_change_list(*, meeting: Meeting, user) -> QuerySet[MeetingChange]:
    """The meeting's history as `user` may read it: the rows of the organizations they belong to. A meeting
    another organization had before (a row moved by an earlier version of the portal) keeps that one's
    rows to itself."""
    return meeting.changes.visible_to(user).select_related("organization", "user")


def meeting_pending_change(*, meeting: Meeting) -> MeetingChange | None:
    """The meeting's save that is under way or whose outcome is not known yet, if any.

    Asked only while the meeting is locked (`update_lease_until` set), so the common page view pays nothing.
    """
    if meeting.update_lease_until is None:
        return None
    return meeting.changes.filter(outcome__in=MeetingChange.PENDING).first()


def meeting_checked_change(*, meeting: Meeting, pk) -> MeetingChange | None:
    """The meeting's change `pk` if it was checked with DingTalk (the page that waited for it)."""
    return meeting.changes.filter(pk=pk, checked_at__isnull=False).first() if str(pk).isdigit() else None


def settings_not_applied(*, meeting: Meeting, user) -> MeetingChange | None:
    """The meeting's latest settings change, if it is `user`'s and DingTalk was found not to have applied it
    (checked after its answer was lost): what they chose, for the settings page to bring back."""
    latest = meeting.changes.filter(action=MeetingChange.Action.SETTINGS).order_by("-created_at", "-id").first()
    if latest is None or latest.user_id != user.pk or latest.outcome != MeetingChange.Outcome.NOT_APPLIED:
        return None
    return latest


def meetings_to_check() -> list[Meeting]:
    """The meetings with a pending save whose wait is over, for `manage.py check_saves`."""
    now = Now()  # the database's clock, as the leases are written
    due = Q(update_lease_until__lte=now) | Q(update_lease_until__isnull=True, changes__check_after__lte=now)
    return list(
        Meeting.objects.filter(due, changes__outcome__in=MeetingChange.PENDING)
        .select_related("organization")
        .distinct()
        .order_by("pk")
    )


def creates_unknown(*, user) -> QuerySet[MeetingChange]:
    """The person's bookings that DingTalk may have made though the portal has no meeting for them (the answer
    was lost, or the process died before recording it), whose time has not passed: what to look for in DingTalk
    before booking again. One is no longer listed once a meeting with its title and times is in the portal
    (found in DingTalk and added, or booked again)."""
    in_portal = Meeting.objects.filter(
        organization=OuterRef("organization"),
        title=OuterRef("new_title"),
        starts_at=OuterRef("new_starts_at"),
        ends_at=OuterRef("new_ends_at"),
        removed_at__isnull=True,
    )
    return MeetingChange.objects.filter(
        ~Exists(in_portal),
        user=user,
        action=MeetingChange.Action.CREATE,
        outcome=MeetingChange.Outcome.UNKNOWN,
        meeting=None,
        new_ends_at__gt=Now(),
    ).order_by("created_at", "pk")


def meeting_changes_since(*, meeting: Meeting, version: int) -> QuerySet[MeetingChange]:
    """The saves that moved the meeting past `version`, oldest first: what a stale form did not see."""
    return (
        meeting.changes.filter(outcome=MeetingChange.Outcome.SUCCESS, based_on_version__gte=version)
        .select_related("user")
        .order_by("created_at", "id")
    )


def edit_submission_get(*, key: str, meeting: Meeting, user) -> MeetingChange | None:
    """The person's attempt to save this meeting's edit form submitted with `key` (the page after it), if any."""
    if not key:
        return None
    return meeting.changes.filter(submission_key=key, user=user).select_related("organization").first()


def create_submission_get(*, key: str, user) -> MeetingChange | None:
    """The person's booking submitted with `key` from the booking form (the page after it), if any."""
    if not key:
        return None
    return (
        MeetingChange.objects.filter(submission_key=key, user=user, action=MeetingChange.Action.CREATE)
        .select_related("organization", "meeting")
        .first()
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
