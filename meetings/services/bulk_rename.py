"""Bulk rename: find and replace in many meetings' titles, each saved like a single edit.

`bulk_rename_preview` says what would happen; `bulk_rename_start` stores the job and its meetings and
queues its run (bulk_rename_worker.py); `selectors.bulk_rename_progress` counts how far it is.

The replacement is text, put in as typed: no template, no backreferences (`\\1`, `\\g<0>` and a lone `\\`
are characters like any other), unless the person asks for a regular expression (`regex`): then `find` is
one and `replace` its template, checked on the form (Rename.regex_error), and each title gets at most
REGEX_TIMEOUT of matching, so a pattern that backtracks forever marks the title instead of holding a worker.

A literal rename is idempotent: a title counts as renamed when `find` occurs in it only inside `replace`, so
running the same rename again changes nothing already renamed (even when `replace` contains `find`).
Every new title passes the edit form's title rules (validators.clean_meeting_title); the preview marks,
with the reason, those that do not, and they are never sent.
"""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo

import regex
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import texts, validators
from ..models import BulkRename, BulkRenameItem, Meeting, Organization
from .jobs import job_start

# Seconds of matching one title may take with a regular expression (the `regex` module stops it then).
REGEX_TIMEOUT = 0.1


@dataclasses.dataclass(frozen=True)
class Rename:
    """What a find and replace asks for; `apply(title)` is the new title (the title itself: nothing to do)."""

    find: str
    replace: str
    whole_word: bool = False
    # `find` is a regular expression and `replace` its template (`\\1`, `\\g<name>`): only when asked for.
    regex: bool = False

    @property
    def pattern(self) -> regex.Pattern:
        found = self.find if self.regex else regex.escape(self.find)
        return regex.compile(rf"(?<!\w)(?:{found})(?!\w)" if self.whole_word else found)

    def regex_error(self) -> tuple[str, str] | None:
        """(the field, the regex module's words) when `find` is no regular expression or `replace` no template
        of it; None when both are usable."""
        try:
            pattern = self.pattern
            # A match of nothing, with the pattern's groups, to expand the template against.
            empty = regex.compile(f"(?:{pattern.pattern})|").match("")
        except regex.error as error:
            return "find", str(error)
        try:
            empty.expand(self.replace)
        except (regex.error, IndexError) as error:
            return "replace", str(error)
        return None

    def apply(self, title: str) -> str:
        """The new title. Raises TimeoutError when a regular expression takes longer than REGEX_TIMEOUT."""
        if self.regex:
            return self.pattern.sub(self.replace, title, timeout=REGEX_TIMEOUT)

        # A function as the replacement: sub would read a string as a template (`\\1`, `\\g<0>`).
        def sub(text: str) -> str:
            return self.pattern.sub(lambda _match: self.replace, text)

        # `find` inside an occurrence of `replace` is what an earlier run wrote: left alone.
        if self.replace and self.find in self.replace:
            return self.replace.join(sub(part) for part in title.split(self.replace))
        return sub(title)


@dataclasses.dataclass(frozen=True)
class PreviewRow:
    meeting: Meeting
    new_title: str
    problem: str = ""  # why it cannot be renamed; empty: it will be


def bulk_rename_preview(
    *,
    user: AbstractUser,
    rename: Rename,
    organization: Organization | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> list[PreviewRow]:
    """Every meeting the person may edit whose title the rename changes, oldest start first."""
    meetings = Meeting.objects.visible_to(user).select_related("organization")
    if not rename.regex:
        meetings = meetings.filter(title__contains=rename.find)
    if organization is not None:
        meetings = meetings.filter(organization=organization)
    if date_from or date_to:
        meetings = meetings.filter(_starting_within(date_from, date_to))
    now = timezone.now()
    rows = []
    for meeting in meetings.order_by("starts_at", "id"):
        try:
            new_title = rename.apply(meeting.title)
        except TimeoutError:
            rows.append(PreviewRow(meeting=meeting, new_title=meeting.title, problem=str(texts.BULK_REGEX_TOO_SLOW)))
            continue
        if new_title == meeting.title:
            continue  # a case-insensitive database match, a whole-word miss, or renamed already
        try:
            # What would be sent is what the edit form would send: the title trimmed.
            new_title, problem = validators.clean_meeting_title(new_title), _problem(meeting, now)
        except ValidationError as error:
            problem = error.messages[0]
        rows.append(PreviewRow(meeting=meeting, new_title=new_title, problem=problem))
    return rows


def bulk_rename_start(
    *,
    by: AbstractUser,
    rename: Rename,
    organization: Organization | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> BulkRename:
    """Store the job with the meetings the preview (made again now) can rename, and queue it."""
    rows = bulk_rename_preview(user=by, rename=rename, organization=organization, date_from=date_from, date_to=date_to)
    with transaction.atomic():
        job = BulkRename.objects.create(
            created_by=by,
            find=rename.find,
            replace=rename.replace,
            whole_word=rename.whole_word,
            regex=rename.regex,
            organization=organization,
            date_from=date_from,
            date_to=date_to,
        )
        BulkRenameItem.objects.bulk_create(
            BulkRenameItem(job=job, meeting=row.meeting, old_title=row.meeting.title, new_title=row.new_title)
            for row in rows
            if not row.problem
        )
        job_start(job=job, task="bulk_rename_run_job")
    return job


def _problem(meeting: Meeting, now: datetime.datetime) -> str:
    """Why a meeting whose new title is valid cannot be renamed now; empty: it can."""
    if meeting.is_canceled:
        return str(texts.BULK_CANCELED)
    if meeting.update_lease_until and meeting.update_lease_until > now:
        return str(texts.BULK_SAVE_RUNNING)
    return ""


def _starting_within(date_from, date_to) -> Q:
    """Meetings starting on those calendar days, in each meeting's organization's own time zone."""
    zones = Organization.objects.order_by().values_list("time_zone", flat=True).distinct()
    within = Q(pk__in=[])
    for zone_name in zones:
        zone = zoneinfo.ZoneInfo(zone_name)
        days = Q(organization__time_zone=zone_name)
        if date_from:
            days &= Q(starts_at__gte=datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone))
        if date_to:
            next_day = date_to + datetime.timedelta(days=1)
            days &= Q(starts_at__lt=datetime.datetime.combine(next_day, datetime.time.min, tzinfo=zone))
        within |= days
    return within
