"""How a moment or a meeting number is written into a sentence or a page."""

import datetime

from django.utils import timezone


def local_time(moment, organization) -> str:
    """A moment as wall-clock time in the organization's zone, the way the forms show it.

    A moment the zone cannot show (a row stored before DingTalk's values were checked) is given in UTC,
    marked so, rather than failing the page or the message.
    """
    local = localtime_or_none(moment, organization.zone)
    if local is None:
        return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return local.strftime("%Y-%m-%d %H:%M")


def localtime_or_none(moment, zone):
    """The aware moment in `zone`, or None when no datetime can hold it there (year 0 or 10000)."""
    try:
        return timezone.localtime(moment, zone)
    except (OverflowError, ValueError):
        return None


def local_clock_time(moment, organization) -> str:
    """A moment's wall-clock time to the second in the organization's zone: when a wait ends."""
    return timezone.localtime(moment, organization.zone).strftime("%H:%M:%S")


def group_digits(meeting_number: str) -> str:
    """A meeting number grouped as DingTalk shows it: 838 722 1234, 123 456 789."""
    if len(meeting_number) <= 4:
        return meeting_number
    head = len(meeting_number) - 4 if len(meeting_number) % 3 == 1 else len(meeting_number)
    groups = [meeting_number[i : i + 3] for i in range(0, head, 3)]
    return " ".join(groups + ([meeting_number[head:]] if head < len(meeting_number) else []))


def person_name(user) -> str:
    """Who someone is in pages, the activity and its CSV: the DingTalk name of a person who signs in with
    DingTalk (kept as their first name), else the username."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
