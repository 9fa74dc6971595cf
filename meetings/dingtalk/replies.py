"""Reading DingTalk's replies into the typed values (values.py).

Replies can be broken or hostile. One rule for every value DingTalk sends, of every API (query, room
code, create, settings): it is used only when the model field that keeps it can hold it as it is -- text
where the field is text, no NUL or lone surrogate (no column or page holds them), within the field's
max_length, passing the field's own validators (allowed characters, links http/https only). The limits
are read from the fields (`Meeting._meta.get_field(...)`), never retyped here. A value the portal only
shows is dropped ("" or left out); one it cannot do without makes the reply a DingTalkBadReply (its
shape) or DingTalkUnusableValues (its values).
"""

from __future__ import annotations

import datetime
from functools import cache

from django.apps import apps
from django.core.exceptions import ValidationError

from . import values
from .errors import DingTalkBadReply, DingTalkUnnamedBooking, DingTalkUnusableValues
from .transport import TOKEN_CHARACTERS

MAX_TOKEN_LENGTH = 2048
MAX_TOKEN_LIFETIME = 30 * 24 * 60 * 60
# A creator's nickname is shown (when choosing among a number's meetings), never stored: a name's length.
NICKNAME_MAX_LENGTH = 128


@cache
def model_field(model: str, name: str):
    """The field of a `meetings` model that keeps a value from DingTalk (looked up when first needed, so the
    sandbox can import this package without Django's models)."""
    return apps.get_model("meetings", model)._meta.get_field(name)


def fits(value, model: str, name: str) -> bool:
    """True when `model.name` can keep `value` as DingTalk sent it: the one rule for DingTalk's values."""
    field = model_field(model, name)
    text = field.get_internal_type() != "JSONField"
    if text and (not isinstance(value, str) or not values.storable(value)):
        return False
    if value in field.empty_values:
        return field.blank  # "" (or no phones) is a value only where the field may be blank
    if text and field.max_length is not None and len(value) > field.max_length:
        return False
    try:
        field.run_validators(value)
    except ValidationError:
        return False
    return True


def _field_text(body: dict, key: str, model: str, name: str) -> str:
    """A value the portal only keeps or shows (a room code, a link): "" when absent, mistyped or unusable."""
    value = body.get(key)
    return value if fits(value, model, name) else ""


def read_meeting_number(body: dict) -> str:
    """DingTalk's `roomCode`, the portal's meeting number, as digits ("" when absent or not a number): the
    portal searches it by its digits."""
    value = body.get("roomCode")
    digits = "".join(value.split()) if isinstance(value, str) else ""
    return digits if fits(digits, "Meeting", "meeting_number") else ""


def read_link(body: dict, key: str) -> str:
    """A join link fit for an href: http(s) only, so a hostile reply cannot plant `javascript:` in a page."""
    return _field_text(body, key, "Meeting", "join_url")


def read_title_and_times(body: dict, reply: str, request_id: str) -> tuple[str, datetime.datetime, datetime.datetime]:
    """A meeting's title and times from a reply, or DingTalkBadReply: the portal stores them as they are."""
    try:
        title = _typed(body, "title", str)
        start_ms, end_ms = _typed(body, "startTime", int), _typed(body, "endTime", int)
    except (KeyError, TypeError) as exc:
        raise DingTalkBadReply(
            f"DingTalk's {reply} lacks a usable {exc.args[0]}", status=200, request_id=request_id
        ) from None
    # The title is stored as it is: refuse what its field cannot hold, rather than fail later.
    if not fits(title, "Meeting", "title"):
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
    if not fits(schedule_conference_id, "Meeting", "schedule_conference_id"):
        raise DingTalkBadReply(
            "DingTalk's room code reply has an entry without a usable scheduleConferenceId",
            status=200,
            request_id=request_id,
        )
    title, starts_at, ends_at = read_title_and_times(entry, "room code reply", request_id)
    status = entry.get("status")
    nick = entry.get("creatorNick")
    return values.ConferenceInstance(
        schedule_conference_id=schedule_conference_id,
        conference_id=_field_text(entry, "conferenceId", "Meeting", "schedule_conference_id"),
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status if type(status) is int else None,
        # Offered as the creator's unionId (checked with the query API before it is stored).
        creator_staff_id=_field_text(entry, "creatorId", "Meeting", "creator_union_id"),
        creator_nick=nick.strip()
        if isinstance(nick, str) and values.storable(nick) and len(nick) <= NICKNAME_MAX_LENGTH
        else "",
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
    """The booked meeting's ID with what of its join link, number and dial-in phones can be kept.

    DingTalk has booked the meeting by now: a value its field cannot hold is left out, the meeting kept
    with the rest. Without a usable ID the portal cannot name it: DingTalkUnnamedBooking, carrying the
    meeting number when that is usable, so the person can look the meeting up and add it by it.
    """
    meeting_number = read_meeting_number(body)
    conference_id = body.get("scheduleConferenceId")
    if not fits(conference_id, "Meeting", "schedule_conference_id"):
        raise DingTalkUnnamedBooking(
            "DingTalk's create reply lacks a usable scheduleConferenceId",
            status=200,
            request_id=request_id,
            meeting_number=meeting_number,
        )
    phones = body.get("phones")
    kept: list[str] = []
    for phone in phones if isinstance(phones, list) else []:
        if fits([*kept, phone], "Meeting", "phones"):
            kept.append(phone)
    return values.CreatedConference(
        schedule_conference_id=conference_id,
        url=read_link(body, "url"),
        meeting_number=meeting_number,
        phones=tuple(kept),
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
            found[name] = None
        # The host and co-hosts are unionIds: the rule of the field that keeps a creator's.
        union_ids = found[name] if kind == "texts" else (found[name],) if kind == "text" else ()
        usable = found[name] is not None and all(
            not union_id or fits(union_id, "Meeting", "creator_union_id") for union_id in union_ids
        )
        if not usable:
            raise DingTalkBadReply(
                f"DingTalk's settings reply has an unusable {path[-1]}", status=200, request_id=request_id
            )
    return values.ConferenceSettings(**found)
