"""The activity log as CSV, safe to open in a spreadsheet."""

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from . import texts, validators
from .models import Meeting, MeetingChange

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); some read the
# full-width forms (＝＋－＠, as a Chinese keyboard types them) like the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(value) -> str:
    """The cell's text, with a leading quote when a spreadsheet would take it for a formula, and
    invisible formatting characters written out (they would disguise a title, as on the pages)."""
    text = validators.reveal_invisible("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value):
        return value


def activity_csv_lines(changes: Iterable[MeetingChange]) -> Iterator[str]:
    """Lines of CSV for the changes: times in each organization's zone with their UTC offset.

    The labels are translated now, in the request's language, not later while the response streams.
    """
    header = [
        _("When"),
        _("Organization"),
        _("Meeting"),
        _("Conference ID"),
        _("Meeting status"),
        _("Person"),
        _("Action"),
        _("Outcome"),
        _("Old title"),
        _("New title"),
        _("Old start"),
        _("New start"),
        _("Old end"),
        _("New end"),
        _("Time zone"),
        _("DingTalk code"),
        _("Request ID"),
        _("HTTP status"),
        _("Message"),
    ]
    actions = {value: str(label) for value, label in MeetingChange.Action.choices}
    outcomes = {value: str(label) for value, label in MeetingChange.Outcome.choices}
    checked = {**outcomes, **{value: str(label) for value, label in MeetingChange.CHECKED_LABELS.items()}}
    statuses = {value: str(label) for value, label in Meeting.Status.choices}
    # Every cell quoted: a spreadsheet in a locale whose list separator is ";" splits unquoted cells there.
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)

    def lines():
        # Excel reads UTF-8 (and so Chinese) only with a byte order mark.
        yield "\ufeff" + writer.writerow(header)
        for change in changes:
            zone = change.organization.zone

            def local(moment, zone=zone):
                if not moment:
                    return ""
                # A row stored before DingTalk's values were checked may not fit the zone: UTC then.
                in_zone = texts.localtime_or_none(moment, zone) or moment.astimezone(datetime.UTC)
                return in_zone.isoformat(timespec="seconds")

            yield writer.writerow(
                csv_safe(cell)
                for cell in (
                    local(change.created_at),
                    change.organization.name,
                    # A create DingTalk refused, or whose reply was lost, has no meeting: its title is the one sent.
                    change.meeting.title if change.meeting else change.new_title,
                    change.meeting.schedule_conference_id if change.meeting else "",
                    statuses.get(change.meeting.status, change.meeting.status) if change.meeting else "",
                    texts.person_name(change.user) if change.user else "",
                    actions.get(change.action, change.action),
                    (checked if change.checked_at else outcomes).get(change.outcome, change.outcome),
                    change.old_title,
                    change.new_title,
                    local(change.old_starts_at),
                    local(change.new_starts_at),
                    local(change.old_ends_at),
                    local(change.new_ends_at),
                    change.organization.time_zone,
                    change.dingtalk_code,
                    change.request_id,
                    change.http_status or "",
                    change.message_shown,  # in the reader's language when kept as a sentence
                )
            )

    return lines()
