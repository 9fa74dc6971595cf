"""Reading DingTalk's replies into the typed values (values.py).

Replies can be broken or hostile: what the portal would store or show is checked here, and a reply that
cannot be used whole is a DingTalkBadReply (its shape) or DingTalkUnusableValues (its values).
"""

from __future__ import annotations

import datetime

from . import values
from .errors import DingTalkBadReply, DingTalkUnusableValues
from .transport import TOKEN_CHARACTERS

MAX_TOKEN_LENGTH = 2048
MAX_TOKEN_LIFETIME = 30 * 24 * 60 * 60
# The longest title DingTalk keeps (its create API refuses longer ones): Meeting.title's max_length.
STORED_TITLE_MAX_LENGTH = 256


def _optional_text(body: dict, key: str, limit: int = 512) -> str:
    """A string field the portal only shows (a room code, a link): "" when absent, mistyped or unusable."""
    value = body.get(key)
    if not isinstance(value, str) or not values.storable(value) or len(value) > limit:
        return ""
    return value.strip()


def read_meeting_number(body: dict) -> str:
    """DingTalk's `roomCode`, the portal's meeting number, as digits ("" when absent or not a number): the
    portal searches it by its digits."""
    digits = "".join(_optional_text(body, "roomCode", 64).split())
    return digits if digits.isdigit() and digits.isascii() else ""


def read_link(body: dict, key: str) -> str:
    """A join link fit for an href: http(s) only, so a hostile reply cannot plant `javascript:` in a page."""
    url = _optional_text(body, key)
    return url if url.lower().startswith(("https://", "http://")) and not any(c.isspace() for c in url) else ""


def read_title_and_times(body: dict, reply: str, request_id: str) -> tuple[str, datetime.datetime, datetime.datetime]:
    """A meeting's title and times from a reply, or DingTalkBadReply: the portal stores them as they are."""
    try:
        title = _typed(body, "title", str)
        start_ms, end_ms = _typed(body, "startTime", int), _typed(body, "endTime", int)
    except (KeyError, TypeError) as exc:
        raise DingTalkBadReply(
            f"DingTalk's {reply} lacks a usable {exc.args[0]}", status=200, request_id=request_id
        ) from None
    # The title is stored as it is: refuse what no column can hold, rather than fail later.
    if not values.storable(title) or len(title) > STORED_TITLE_MAX_LENGTH:
        raise DingTalkUnusableValues(f"DingTalk's {reply} has an unusable title", status=200, request_id=request_id)
    try:
        return title, values.from_epoch_ms(start_ms), values.from_epoch_ms(end_ms)
    except (OverflowError, OSError, ValueError):
        raise DingTalkUnusableValues("DingTalk sent times out of range", status=200, request_id=request_id) from None


def read_conference(body: dict, request_id: str, *, schedule_conference_id: str) -> values.Conference:
    title, starts_at, ends_at = read_title_and_times(body, "meeting reply", request_id)
    # The reply names the meeting it describes (dingtalk-api.md): another one's values are not this one's.
    if body.get("scheduleConferenceId", schedule_conference_id) != schedule_conference_id:
        raise DingTalkUnusableValues(
            "DingTalk's meeting reply is about another meeting", status=200, request_id=request_id
        )
    return values.Conference(
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        meeting_number=read_meeting_number(body),
        url=read_link(body, "url"),
    )


def read_instance(entry, request_id: str) -> values.ConferenceInstance:
    schedule_conference_id = entry.get("scheduleConferenceId") if isinstance(entry, dict) else None
    if not isinstance(schedule_conference_id, str) or not schedule_conference_id.strip():
        raise DingTalkBadReply(
            "DingTalk's room code reply has an entry without a scheduleConferenceId", status=200, request_id=request_id
        )
    title, starts_at, ends_at = read_title_and_times(entry, "room code reply", request_id)
    status = entry.get("status")
    return values.ConferenceInstance(
        schedule_conference_id=schedule_conference_id,
        conference_id=_optional_text(entry, "conferenceId", 128),
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status if type(status) is int else None,
        creator_staff_id=_optional_text(entry, "creatorId", 128),
        creator_nick=_optional_text(entry, "creatorNick", 128),
        meeting_number=read_meeting_number(entry),
        url=read_link(entry, "externalLinkUrl"),
    )


def _typed(body: dict, key: str, kind: type):
    value = body[key]
    if type(value) is not kind:
        raise TypeError(key)
    return value


def read_access_token(body: dict, request_id: str) -> values.AccessToken:
    token = body.get("accessToken")
    expires_in = body.get("expireIn")
    # DingTalk's tokens live 7200 s; a token no header can carry, or a lifetime no clock can add, is not one.
    if (
        not isinstance(token, str)
        or not TOKEN_CHARACTERS.fullmatch(token)
        or len(token) > MAX_TOKEN_LENGTH
        or type(expires_in) is not int
        or not 0 < expires_in <= MAX_TOKEN_LIFETIME
    ):
        raise DingTalkBadReply(
            "DingTalk's token reply lacks a usable accessToken or expireIn", status=200, request_id=request_id
        )
    return values.AccessToken(token=token, expires_in=expires_in)


def read_created(body: dict, request_id: str) -> values.CreatedConference:
    conference_id, url, meeting_number = body.get("scheduleConferenceId"), body.get("url"), body.get("roomCode")
    phones = body.get("phones") or []
    texts = (conference_id, url or "", meeting_number or "")
    if (
        not all(isinstance(text, str) and values.storable(text) and len(text) <= 256 for text in texts)
        or not conference_id
        or not isinstance(phones, list)
        or not all(isinstance(phone, str) for phone in phones)
    ):
        # DingTalk booked something we cannot name: the caller must treat the outcome as unknown.
        raise DingTalkBadReply(
            "DingTalk's create reply lacks a usable scheduleConferenceId", status=200, request_id=request_id
        )
    return values.CreatedConference(
        schedule_conference_id=conference_id,
        url=url or "",
        meeting_number=meeting_number or "",
        phones=tuple(phones),
        request_id=request_id,
    )


def read_settings(body: dict, request_id: str) -> values.ConferenceSettings:
    model = body.get("scheduleConfSettingModel")
    if not isinstance(model, dict):
        raise DingTalkBadReply(
            "DingTalk's settings reply lacks scheduleConfSettingModel", status=200, request_id=request_id
        )
    found = {}
    for name, (path, kind) in values.SETTINGS_WIRE.items():
        value = model
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            continue  # not sent: the default stands
        try:
            found[name] = values.setting_from_wire(value, kind)
        except (TypeError, ValueError):
            raise DingTalkBadReply(
                f"DingTalk's settings reply has an unusable {path[-1]}", status=200, request_id=request_id
            ) from None
    return values.ConferenceSettings(**found)
