"""How a moment or a meeting number is written into a sentence or a page."""

import datetime
import re
import zoneinfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .dingtalk_errors import REQUEST_ID_SUFFIX

# Time zones in the words a person uses for them; any other zone is named after its city.
ZONE_NAMES = {
    "Asia/Shanghai": _("Beijing time"),
    "Asia/Hong_Kong": _("Hong Kong time"),
    "Asia/Taipei": _("Taipei time"),
    "Asia/Singapore": _("Singapore time"),
    "Asia/Tokyo": _("Tokyo time"),
    "Europe/Berlin": _("Berlin time"),
    "Europe/London": _("London time"),
    "America/New_York": _("New York time"),
    "America/Los_Angeles": _("Los Angeles time"),
    "UTC": _("UTC"),
}
CITY_TIME = _("%(city)s time")


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


def utc_offset(moment: datetime.datetime) -> str:
    """The moment's offset from UTC as people write it: UTC+8, UTC+5:30, UTC-4, UTC."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    if not minutes:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def zone_name(time_zone: str, moment: datetime.datetime | None = None) -> str:
    """A time zone in words a person knows, with its offset at `moment` (now if None): "Beijing time (UTC+8)"."""
    zone = zoneinfo.ZoneInfo(time_zone)
    # A moment the zone cannot show (a hostile year 9999 from DingTalk) names the zone's offset now.
    local = localtime_or_none(moment, zone) if moment is not None else None
    local = local or timezone.localtime(timezone.now(), zone)
    name = ZONE_NAMES.get(time_zone)
    if name is None:
        name = CITY_TIME % {"city": time_zone.rsplit("/", 1)[-1].replace("_", " ")}
    if time_zone == "UTC":
        return str(name)
    return f"{name} ({utc_offset(local)})"


def wait_in_words(seconds: float) -> str:
    """A wait as people say it, never a clock time: "15 seconds", "2 minutes" (after "about")."""
    seconds = max(int(seconds + 0.999), 1)
    if seconds < 90:
        seconds = seconds if seconds < 10 else 5 * round(seconds / 5)
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = round(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def split_request_id(text: str) -> tuple[str, str]:
    """A sentence without its "DingTalk request ID: …" (wherever it stands), and the ID ("" without one):
    pages show the ID last, in small print."""
    pattern = re.escape(str(REQUEST_ID_SUFFIX)).replace(re.escape("%(request_id)s"), r"(\S+?)")
    found = re.search(pattern, text)
    if found is None:
        return text, ""
    return " ".join(f"{text[: found.start()]} {text[found.end() :]}".split()), found.group(1)
