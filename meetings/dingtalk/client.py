"""The DingTalk APIs the portal uses, one method each, taking and returning typed values.

Times are aware datetimes here and epoch milliseconds on the wire; `epoch_ms` and `from_epoch_ms` below
are the only conversions between the two.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from .errors import DingTalkBadReply, DingTalkNotConfirmed, DingTalkUnusableValues
from .limits import TITLE_MAX_LENGTH, title_length
from .transport import TOKEN_CHARACTERS, Transport

UPDATE_PATH = "/v1.0/conference/scheduleConferences"
QUERY_PATH = "/v1.0/conference/scheduleConferences/{id}/infos"
CREATE_PATH = "/v1.0/conference/scheduleConferences"
CANCEL_PATH = "/v1.0/conference/scheduleConferences/cancel"
SETTINGS_PATH = "/v1.0/conference/scheduleConferences/settings"
ROOM_CODE_PATH = "/v1.0/conference/roomCodes/{room_code}/infos"
# Instances asked for per page of a room-code lookup, and the most pages followed: a reused personal room
# has a long past, and a server that keeps answering hasMore must not keep the portal asking forever.
ROOM_CODE_PAGE_SIZE = 20
ROOM_CODE_MAX_PAGES = 25
ACCESS_TOKEN_PATH = "/v1.0/oauth2/accessToken"
CORP_ACCESS_TOKEN_PATH = "/v1.0/oauth2/corpAccessToken"
MAX_TOKEN_LENGTH = 2048
MAX_TOKEN_LIFETIME = 30 * 24 * 60 * 60
# The longest title DingTalk keeps (its create API refuses longer ones): Meeting.title's max_length.
STORED_TITLE_MAX_LENGTH = 256


@dataclass(frozen=True)
class Conference:
    """A booked meeting as DingTalk has it right now."""

    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    # The meeting number and join link people see in DingTalk; "" when the reply lacks them. Shown, never
    # edited: two readings of a meeting are the same when title and times are.
    room_code: str = field(default="", compare=False)
    url: str = field(default="", compare=False)


@dataclass(frozen=True)
class ConferenceInstance:
    """One instance behind a meeting number (room code), as the room-code lookup returns it.

    The instances of a recurring booked meeting share one `schedule_conference_id`; `creator_id` is
    DingTalk's creator field, not confirmed to be a unionId (check it with the query API).
    """

    schedule_conference_id: str
    conference_id: str
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: int | None
    creator_id: str
    creator_nick: str
    room_code: str
    url: str


@dataclass(frozen=True)
class CreatedConference:
    """What DingTalk answers to a create: the new meeting's ID, join link, number and dial-in phones."""

    schedule_conference_id: str
    url: str
    room_code: str
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


class DingTalkClient(Transport):
    """Build one with `client_for(api_base)`; the transport (retries, deadline, parsing) is inherited."""

    def update_schedule_conference(
        self,
        *,
        access_token: str,
        creator_union_id: str,
        schedule_conference_id: str,
        title: str,
        starts_at: datetime.datetime,
        ends_at: datetime.datetime,
    ) -> str:
        """Update a booked meeting. Returns DingTalk's request ID."""
        _require_text(creator_union_id=creator_union_id, schedule_conference_id=schedule_conference_id)
        _require_title_and_times(title, starts_at, ends_at)
        body, request_id = self._call(
            "PUT",
            UPDATE_PATH,
            idempotent=True,
            changes=True,
            access_token=access_token,
            json_body={
                "creatorUnionId": creator_union_id,
                "scheduleConferenceId": schedule_conference_id,
                "title": title,
                "startTime": epoch_ms(starts_at),
                "endTime": epoch_ms(ends_at),
            },
        )
        _require_success(body, request_id)
        return request_id

    def get_schedule_conference(
        self, *, access_token: str, schedule_conference_id: str, request_union_id: str
    ) -> Conference:
        _require_text(schedule_conference_id=schedule_conference_id, request_union_id=request_union_id)
        body, request_id = self._call(
            "GET",
            QUERY_PATH.format(id=quote(schedule_conference_id, safe="")),
            idempotent=True,
            access_token=access_token,
            params={"requestUnionId": request_union_id},
            api=f"GET {QUERY_PATH}",  # one API whatever the meeting, for pacing
        )
        title, starts_at, ends_at = _title_and_times(body, "meeting reply", request_id)
        # The reply names the meeting it describes (dingtalk-api.md): another one's values are not this one's.
        if body.get("scheduleConferenceId", schedule_conference_id) != schedule_conference_id:
            raise DingTalkUnusableValues(
                "DingTalk's meeting reply is about another meeting", status=200, request_id=request_id
            )
        return Conference(
            title=title, starts_at=starts_at, ends_at=ends_at, room_code=_room_code(body), url=_link(body, "url")
        )

    def find_conferences_by_room_code(
        self, *, access_token: str, room_code: str, page_size: int = ROOM_CODE_PAGE_SIZE
    ) -> list[ConferenceInstance]:
        """Every instance DingTalk has behind a meeting number, following `nextToken` while `hasMore`.

        `room_code` is digits only (the caller takes them out of what people paste). An unknown number
        is an empty list. A reply without a usable list, or an entry without an ID, title or times, is a
        DingTalkBadReply: what it would register cannot be trusted.
        """
        if not isinstance(room_code, str) or not room_code.isdigit() or not room_code.isascii():
            raise ValueError("room_code must be digits")
        path = ROOM_CODE_PATH.format(room_code=room_code)
        instances: list[ConferenceInstance] = []
        seen_tokens: set[str] = set()
        params: dict[str, object] = {"maxResults": page_size}
        for _page in range(ROOM_CODE_MAX_PAGES):
            body, request_id = self._call("GET", path, idempotent=True, access_token=access_token, params=params)
            entries = body.get("conferenceList", [])
            if not isinstance(entries, list):
                raise DingTalkBadReply(
                    "DingTalk's room code reply has no conferenceList", status=200, request_id=request_id
                )
            instances.extend(_instance(entry, request_id) for entry in entries)
            next_token = body.get("nextToken")
            if body.get("hasMore") is not True or not isinstance(next_token, str) or not next_token:
                break
            if next_token in seen_tokens:  # a server going round in circles: what we have is all there is
                break
            seen_tokens.add(next_token)
            params = {"maxResults": page_size, "nextToken": next_token}
        return instances

    def create_schedule_conference(
        self,
        *,
        access_token: str,
        creator_union_id: str,
        title: str,
        starts_at: datetime.datetime,
        ends_at: datetime.datetime,
    ) -> CreatedConference:
        """Book a meeting. Never retried: a second attempt after a lost reply would book a second meeting."""
        _require_text(creator_union_id=creator_union_id)
        _require_title_and_times(title, starts_at, ends_at)
        body, request_id = self._call(
            "POST",
            CREATE_PATH,
            idempotent=False,
            access_token=access_token,
            json_body={
                "creatorUnionId": creator_union_id,
                "title": title,
                "startTime": epoch_ms(starts_at),
                "endTime": epoch_ms(ends_at),
            },
        )
        conference_id, url, room_code = body.get("scheduleConferenceId"), body.get("url"), body.get("roomCode")
        phones = body.get("phones") or []
        texts = (conference_id, url or "", room_code or "")
        if (
            not all(isinstance(text, str) and _storable(text) and len(text) <= 256 for text in texts)
            or not conference_id
            or not isinstance(phones, list)
            or not all(isinstance(phone, str) for phone in phones)
        ):
            # DingTalk booked something we cannot name: the caller must treat the outcome as unknown.
            raise DingTalkBadReply(
                "DingTalk's create reply lacks a usable scheduleConferenceId", status=200, request_id=request_id
            )
        return CreatedConference(
            schedule_conference_id=conference_id,
            url=url or "",
            room_code=room_code or "",
            phones=tuple(phones),
            request_id=request_id,
        )

    def cancel_schedule_conference(
        self, *, access_token: str, creator_union_id: str, schedule_conference_id: str
    ) -> str:
        """Cancel a booked meeting. Returns DingTalk's request ID.

        Retried like an update: a repeated cancel of a canceled meeting answers resourceCancel, which the
        caller takes as done.
        """
        _require_text(creator_union_id=creator_union_id, schedule_conference_id=schedule_conference_id)
        body, request_id = self._call(
            "POST",
            CANCEL_PATH,
            idempotent=True,
            access_token=access_token,
            json_body={"creatorUnionId": creator_union_id, "scheduleConferenceId": schedule_conference_id},
        )
        _require_success(body, request_id)
        return request_id

    def get_conference_settings(self, *, access_token: str, schedule_conference_id: str) -> ConferenceSettings:
        _require_text(schedule_conference_id=schedule_conference_id)
        body, request_id = self._call(
            "GET",
            SETTINGS_PATH,
            idempotent=True,
            access_token=access_token,
            params={"scheduleConferenceId": schedule_conference_id},
        )
        model = body.get("scheduleConfSettingModel")
        if not isinstance(model, dict):
            raise DingTalkBadReply(
                "DingTalk's settings reply lacks scheduleConfSettingModel", status=200, request_id=request_id
            )
        values = {}
        for name, (path, kind) in SETTINGS_WIRE.items():
            value = model
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value is None:
                continue  # not sent: the default stands
            try:
                values[name] = _from_wire(value, kind)
            except (TypeError, ValueError):
                raise DingTalkBadReply(
                    f"DingTalk's settings reply has an unusable {path[-1]}", status=200, request_id=request_id
                ) from None
        return ConferenceSettings(**values)

    def update_conference_settings(
        self, *, access_token: str, creator_union_id: str, schedule_conference_id: str, changes: dict
    ) -> str:
        """Send only `changes` (ConferenceSettings field names -> new values); DingTalk keeps the rest.
        Returns DingTalk's request ID."""
        _require_text(creator_union_id=creator_union_id, schedule_conference_id=schedule_conference_id)
        if not changes or not set(changes) <= set(SETTINGS_WIRE):
            raise ValueError(f"changes must name some of {', '.join(SETTINGS_WIRE)}")
        model: dict = {}
        for name, value in changes.items():
            path, kind = SETTINGS_WIRE[name]
            target = model
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = _to_wire(value, kind)
        body, request_id = self._call(
            "PUT",
            SETTINGS_PATH,
            idempotent=True,
            access_token=access_token,
            json_body={
                "creatorUnionId": creator_union_id,
                "scheduleConferenceId": schedule_conference_id,
                "scheduleConfSettingModel": model,
            },
        )
        _require_success(body, request_id)
        return request_id

    def get_access_token(self, *, app_key: str, app_secret: str) -> AccessToken:
        body, request_id = self._call("POST", ACCESS_TOKEN_PATH, json_body={"appKey": app_key, "appSecret": app_secret})
        return _access_token(body, request_id)

    def get_corp_access_token(
        self, *, suite_key: str, suite_secret: str, auth_corp_id: str, suite_ticket: str
    ) -> AccessToken:
        body, request_id = self._call(
            "POST",
            CORP_ACCESS_TOKEN_PATH,
            json_body={
                "suiteKey": suite_key,
                "suiteSecret": suite_secret,
                "authCorpId": auth_corp_id,
                "suiteTicket": suite_ticket,
            },
        )
        return _access_token(body, request_id)


def client_for(
    api_base: str, *, timeout: tuple[float, float] | None = None, deadline: float | None = None
) -> DingTalkClient:
    """The client for an organization's API base: the one way the portal builds one.

    `timeout` and `deadline` default to settings.DINGTALK_*; benchmarks without Django settings pass them.
    """
    return DingTalkClient(api_base, timeout=timeout, deadline=deadline)


def _require_text(**values: str) -> None:
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a non-empty string")


def _require_title_and_times(title: str, starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    if not title.strip() or title_length(title) > TITLE_MAX_LENGTH:
        raise ValueError(f"title must be 1 to {TITLE_MAX_LENGTH} characters")
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime.datetime) or value.tzinfo is None:
            raise ValueError(f"{name} must be an aware datetime")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")


def _require_success(body: dict, request_id: str) -> None:
    if body.get("success") is not True:
        raise DingTalkNotConfirmed("DingTalk replied 200 without success: true", status=200, request_id=request_id)


def _from_wire(value, kind: str):
    """A settings value as DingTalk sends it -> the portal's; TypeError/ValueError when unusable."""
    if kind == "text":
        if not isinstance(value, str) or not _storable(value) or len(value) > 128:
            raise TypeError(kind)
        return value
    if kind == "texts":
        if not isinstance(value, list) or not all(isinstance(item, str) and _storable(item) for item in value):
            raise TypeError(kind)
        return tuple(value)
    if isinstance(value, bool):
        return value  # some of DingTalk's flags are booleans
    if not isinstance(value, int):
        raise TypeError(kind)
    return value != 0 if kind == "flag" else value


def _to_wire(value, kind: str):
    if kind == "flag":
        return 1 if value else 0
    if kind == "texts":
        return list(value)
    return value


def _storable(text: str) -> bool:
    """True when a database column and a web page can hold the text as it is."""
    return "\x00" not in text and not any(unicodedata.category(character) == "Cs" for character in text)


def _optional_text(body: dict, key: str, limit: int = 512) -> str:
    """A string field the portal only shows (a room code, a link): "" when absent, mistyped or unusable."""
    value = body.get(key)
    if not isinstance(value, str) or not _storable(value) or len(value) > limit:
        return ""
    return value.strip()


def _room_code(body: dict) -> str:
    """A meeting number as digits ("" when absent or not a number): the portal searches it by its digits."""
    digits = "".join(_optional_text(body, "roomCode", 64).split())
    return digits if digits.isdigit() and digits.isascii() else ""


def _link(body: dict, key: str) -> str:
    """A join link fit for an href: http(s) only, so a hostile reply cannot plant `javascript:` in a page."""
    url = _optional_text(body, key)
    return url if url.lower().startswith(("https://", "http://")) and not any(c.isspace() for c in url) else ""


def _title_and_times(body: dict, reply: str, request_id: str) -> tuple[str, datetime.datetime, datetime.datetime]:
    """A meeting's title and times from a reply, or DingTalkBadReply: the portal stores them as they are."""
    try:
        title = _typed(body, "title", str)
        start_ms, end_ms = _typed(body, "startTime", int), _typed(body, "endTime", int)
    except (KeyError, TypeError) as exc:
        raise DingTalkBadReply(
            f"DingTalk's {reply} lacks a usable {exc.args[0]}", status=200, request_id=request_id
        ) from None
    # The title is stored as it is: refuse what no column can hold, rather than fail later.
    if not _storable(title) or len(title) > STORED_TITLE_MAX_LENGTH:
        raise DingTalkUnusableValues(f"DingTalk's {reply} has an unusable title", status=200, request_id=request_id)
    try:
        return title, from_epoch_ms(start_ms), from_epoch_ms(end_ms)
    except (OverflowError, OSError, ValueError):
        raise DingTalkUnusableValues("DingTalk sent times out of range", status=200, request_id=request_id) from None


def _instance(entry, request_id: str) -> ConferenceInstance:
    schedule_conference_id = entry.get("scheduleConferenceId") if isinstance(entry, dict) else None
    if not isinstance(schedule_conference_id, str) or not schedule_conference_id.strip():
        raise DingTalkBadReply(
            "DingTalk's room code reply has an entry without a scheduleConferenceId", status=200, request_id=request_id
        )
    title, starts_at, ends_at = _title_and_times(entry, "room code reply", request_id)
    status = entry.get("status")
    return ConferenceInstance(
        schedule_conference_id=schedule_conference_id,
        conference_id=_optional_text(entry, "conferenceId", 128),
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status if type(status) is int else None,
        creator_id=_optional_text(entry, "creatorId", 128),
        creator_nick=_optional_text(entry, "creatorNick", 128),
        room_code=_room_code(entry),
        url=_link(entry, "externalLinkUrl"),
    )


def _typed(body: dict, key: str, kind: type):
    value = body[key]
    if type(value) is not kind:
        raise TypeError(key)
    return value


def _access_token(body: dict, request_id: str) -> AccessToken:
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
    return AccessToken(token=token, expires_in=expires_in)
