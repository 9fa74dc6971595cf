import datetime
import re
import unicodedata
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from . import texts
from .dingtalk.limits import TITLE_MAX_LENGTH, title_length

# The meeting times the portal takes and shows: from 1970 in UTC (DingTalk's epoch milliseconds), and
# years a form and a page can write in any zone (9999-12-31 20:00 UTC is already 10000 in Shanghai).
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
FIRST_YEAR, LAST_YEAR = 1970, 9998


def meeting_time_fits(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """True when the aware `moment` is a meeting time the portal can show in `zone` and take back from its form."""
    if moment < EPOCH:
        return False
    try:
        local = moment.astimezone(zone)
    except (OverflowError, ValueError):
        return False
    return FIRST_YEAR <= local.year <= LAST_YEAR


# Characters that change how the text around them is shown while being invisible themselves: Unicode's
# bidirectional controls (a right-to-left override shows "gpj.exe" as "exe.jpg"), zero-width characters,
# the byte order mark, the word joiner and invisible operators, line and paragraph separators. A title
# with them can pass for another in a list or an export.
INVISIBLE_FORMATTING = re.compile("[\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# What DingTalk issues as IDs (conference IDs, union IDs): visible ASCII, no spaces.
DINGTALK_ID = re.compile(r"[\x21-\x7e]{1,128}")


def has_invisible_formatting(text: str) -> bool:
    return INVISIBLE_FORMATTING.search(text) is not None


def reveal_invisible(text: str) -> str:
    """The text with each invisible formatting character written as its code, e.g. `<U+202E>`."""
    return INVISIBLE_FORMATTING.sub(lambda match: f"<U+{ord(match.group()):04X}>", text)


def clean_meeting_title(value: str) -> str:
    """A title as the portal sends it to DingTalk: trimmed, or ValidationError saying why it cannot be one.

    The one rule for a new title, whoever writes it: the edit and booking forms (TitleAndTimesMixin) and
    bulk rename's computed titles. Ordinary and full-width spaces at the ends are trimmed (DingTalk would
    show them as part of the title); control characters (NUL, line breaks) and invisible formatting are
    refused; the length is counted as DingTalk counts it.
    """
    title = value.strip()
    if not title:
        raise ValidationError(texts.TITLE_BLANK, code="title_blank")
    if any(unicodedata.category(character) == "Cc" for character in title):
        raise ValidationError(texts.TITLE_CONTROL_CHARACTERS, code="title_control_characters")
    if has_invisible_formatting(title):
        raise ValidationError(texts.TITLE_INVISIBLE_CHARACTERS, code="title_invisible_characters")
    length = title_length(title)
    if length > TITLE_MAX_LENGTH:
        raise ValidationError(
            texts.TITLE_TOO_LONG, code="title_too_long", params={"limit": TITLE_MAX_LENGTH, "length": length}
        )
    return title


def validate_dingtalk_id(value: str) -> None:
    if not DINGTALK_ID.fullmatch(value):
        raise ValidationError(texts.DINGTALK_ID_INVALID, code="invalid_dingtalk_id")


# A booked meeting's dial-in numbers as DingTalk gives them ("+86 0571 2818 0000"): what Meeting.phones keeps.
DIAL_IN_NUMBER_MAX_LENGTH = 64
DIAL_IN_NUMBERS_MAX = 20
# A meeting number as the portal keeps it: its digits (group_digits spaces them as DingTalk shows them).
MEETING_NUMBER = re.compile(r"[0-9]+")


def validate_http_link(value: str) -> None:
    """A link a page may put in an href: http or https to a host, nothing a browser would run (`javascript:`)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc or not value.isprintable():
        raise ValidationError(texts.LINK_INVALID, code="invalid_link")
    if any(character.isspace() for character in value):
        raise ValidationError(texts.LINK_INVALID, code="invalid_link")


def validate_meeting_number(value: str) -> None:
    if not MEETING_NUMBER.fullmatch(value):
        raise ValidationError(texts.MEETING_NUMBER_INVALID, code="invalid_meeting_number")


def validate_dial_in_numbers(value) -> None:
    """A list of at most DIAL_IN_NUMBERS_MAX visible texts of at most DIAL_IN_NUMBER_MAX_LENGTH characters."""
    if (
        not isinstance(value, list)
        or len(value) > DIAL_IN_NUMBERS_MAX
        or not all(
            isinstance(number, str) and 0 < len(number) <= DIAL_IN_NUMBER_MAX_LENGTH and number.isprintable()
            for number in value
        )
    ):
        raise ValidationError(
            texts.DIAL_IN_NUMBERS_INVALID,
            code="invalid_dial_in_numbers",
            params={"count": DIAL_IN_NUMBERS_MAX, "length": DIAL_IN_NUMBER_MAX_LENGTH},
        )


def validate_time_zone(value: str) -> None:
    """Accept only real IANA zone names (`Asia/Shanghai`), not abbreviations or offsets."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(texts.TIME_ZONE_INVALID, code="invalid_time_zone", params={"value": value})


# DingTalk's own API hosts; settings.DINGTALK_EXTRA_API_HOSTS adds an operator's gateways.
DINGTALK_API_HOSTS = frozenset({"api.dingtalk.com", "api.dingtalk.io"})
# The local sandbox (development only): plain http to a loopback name, on an explicit port.
SANDBOX_HOSTS = frozenset({"127.0.0.1", "localhost"})


# The port a scheme uses when none is written: `https://api.dingtalk.com:443` is `https://api.dingtalk.com`.
DEFAULT_PORTS = {"https": 443, "http": 80}


def canonical_api_base(value: str) -> str:
    """The one spelling of an API base: scheme and host lower-cased, the default port and a trailing slash
    dropped (`https://API.dingtalk.com:443/` is `https://api.dingtalk.com`). Stored and compared in this
    form, so one DingTalk host is one value to the database (Meeting's one-registration rule). A value that
    is no bare scheme://host[:port] is returned as it is, for validate_api_base to refuse."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return value
    host = parts.hostname
    if not parts.scheme or not host or parts.username is not None or parts.password is not None:
        return value
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return value
    scheme = parts.scheme.lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def validate_api_base(value: str) -> None:
    """Where the organization's token is sent: https://<a DingTalk host or a listed gateway>[:port], nothing
    else -- no user info (`https://api.dingtalk.com@evil.example` is evil.example), path, query or fragment.
    In development (DINGTALK_SANDBOX_ENABLED), also http://127.0.0.1:<port> or http://localhost:<port>."""
    if not _api_base_allowed(value):
        raise ValidationError(texts.API_BASE_INVALID, code="invalid_api_base")


def _api_base_allowed(value: str) -> bool:
    if not value or not value.isprintable() or any(character in value for character in " \\?#@"):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # a port out of range, a bracketed host that is no address
        return False
    if parts.username is not None or parts.path not in ("", "/") or parts.query or parts.fragment:
        return False
    host = parts.hostname or ""
    if parts.scheme == "https":
        extra = {name.strip().lower() for name in settings.DINGTALK_EXTRA_API_HOSTS}
        return host in DINGTALK_API_HOSTS | extra
    return parts.scheme == "http" and settings.DINGTALK_SANDBOX_ENABLED and host in SANDBOX_HOSTS and port is not None
