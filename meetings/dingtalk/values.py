"""The typed values the client takes and returns, and the conversions between them and the wire.

Times are aware datetimes here and epoch milliseconds on the wire; `epoch_ms` and `from_epoch_ms` below
are the only conversions between the two. A setting's conversions, both ways, sit beside SETTINGS_WIRE.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Conference:
    """A booked meeting as DingTalk has it right now."""

    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    # The meeting number and join link people see in DingTalk; "" when the reply lacks them. Shown, never
    # edited: two readings of a meeting are the same when title and times are.
    meeting_number: str = field(default="", compare=False)
    url: str = field(default="", compare=False)


@dataclass(frozen=True)
class ConferenceInstance:
    """One instance behind a meeting number (room code), as the room-code lookup returns it.

    The instances of a recurring booked meeting share one `schedule_conference_id`. `creator_staff_id` is
    DingTalk's `creatorId`: an ID of the creator that is not known to be the unionId the conference APIs
    want (`creator_union_id` everywhere else); services try it as one only through the query API, which
    answers nobody but the creator (services/meeting_numbers.py).
    """

    schedule_conference_id: str
    conference_id: str
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: int | None
    creator_staff_id: str
    creator_nick: str
    meeting_number: str
    url: str


@dataclass(frozen=True)
class CreatedConference:
    """What DingTalk answers to a create: the new meeting's ID, join link, number and dial-in phones."""

    schedule_conference_id: str
    url: str
    meeting_number: str
    phones: tuple[str, ...]
    request_id: str


@dataclass(frozen=True)
class ConferenceSettings:
    """A booked meeting's settings (scheduleConfSettingModel), in the portal's names.

    `mute_on_join`: 0 off, -1 on, N > 0 on once more than N people joined.
    """

    host_union_id: str = ""
    cohost_union_ids: tuple[str, ...] = ()
    lock_room: bool = False
    screen_share_forbidden: bool = False
    mute_on_join: int = 0
    waiting_room: bool = False
    join_before_host: bool = False
    enable_chat: bool = False
    lock_nick: bool = False


@dataclass(frozen=True)
class AccessToken:
    token: str = field(repr=False)
    expires_in: int


def epoch_ms(moment: datetime.datetime) -> int:
    """An aware datetime as integer UTC epoch milliseconds, as DingTalk's startTime/endTime want it."""
    if moment.tzinfo is None:
        raise ValueError("epoch_ms needs an aware datetime")
    return int(round(moment.timestamp() * 1000))


def from_epoch_ms(value: int) -> datetime.datetime:
    """DingTalk's epoch milliseconds as an aware UTC datetime; ValueError (or OverflowError, OSError)
    when no datetime can hold them."""
    return datetime.datetime.fromtimestamp(value / 1000, tz=datetime.UTC)


# The portal's setting name -> (where it sits in scheduleConfSettingModel, its wire kind).
EXTRA_SETTING = "moziConfVirtualExtraSetting"
SETTINGS_WIRE: dict[str, tuple[tuple[str, ...], str]] = {
    "host_union_id": (("hostUnionId",), "text"),
    "cohost_union_ids": (("cohostUnionIds",), "texts"),
    "lock_room": (("lockRoom",), "flag"),
    "screen_share_forbidden": (("screenShareForbidden",), "flag"),
    "mute_on_join": (("muteOnJoin",), "int"),
    "waiting_room": ((EXTRA_SETTING, "waitingRoom"), "flag"),
    "join_before_host": ((EXTRA_SETTING, "joinBeforeHost"), "flag"),
    "enable_chat": ((EXTRA_SETTING, "enableChat"), "flag"),
    "lock_nick": ((EXTRA_SETTING, "lockNick"), "flag"),
}


def setting_from_wire(value, kind: str):
    """A settings value as DingTalk sends it -> the portal's; TypeError/ValueError when unusable."""
    if kind == "text":
        # Its length and characters: the rule of the field a unionId is kept in (replies.read_settings).
        if not isinstance(value, str) or not storable(value):
            raise TypeError(kind)
        return value
    if kind == "texts":
        if not isinstance(value, list) or not all(isinstance(item, str) and storable(item) for item in value):
            raise TypeError(kind)
        return tuple(value)
    if isinstance(value, bool):
        return value  # some of DingTalk's flags are booleans
    if not isinstance(value, int):
        raise TypeError(kind)
    return value != 0 if kind == "flag" else value


def setting_to_wire(value, kind: str):
    """A setting's value in the portal -> as DingTalk wants it sent."""
    if kind == "flag":
        return 1 if value else 0
    if kind == "texts":
        return list(value)
    return value


def storable(text: str) -> bool:
    """True when a database column and a web page can hold the text as it is."""
    return "\x00" not in text and not any(unicodedata.category(character) == "Cs" for character in text)
