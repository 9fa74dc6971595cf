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
        if not title.strip() or title_length(title) > TITLE_MAX_LENGTH:
            raise ValueError(f"title must be 1 to {TITLE_MAX_LENGTH} characters")
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
            if not isinstance(value, datetime.datetime) or value.tzinfo is None:
                raise ValueError(f"{name} must be an aware datetime")
        if ends_at <= starts_at:
            raise ValueError("ends_at must be after starts_at")
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
        if body.get("success") is not True:
            raise DingTalkNotConfirmed(
                "DingTalk replied 200 without success: true", status=200, request_id=request_id
            )
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
        )
        try:
            title = _typed(body, "title", str)
            start_ms, end_ms = _typed(body, "startTime", int), _typed(body, "endTime", int)
        except (KeyError, TypeError) as exc:
            raise DingTalkBadReply(
                f"DingTalk's meeting reply lacks a usable {exc.args[0]}", status=200, request_id=request_id
            ) from None
        # The title is stored as it is: refuse what no column can hold, rather than fail later.
        if not _storable(title) or len(title) > STORED_TITLE_MAX_LENGTH:
            raise DingTalkUnusableValues("DingTalk's meeting reply has an unusable title", status=200,
                                         request_id=request_id)
        # The reply names the meeting it describes (dingtalk-api.md): another one's values are not this one's.
        if body.get("scheduleConferenceId", schedule_conference_id) != schedule_conference_id:
            raise DingTalkUnusableValues("DingTalk's meeting reply is about another meeting", status=200,
                                         request_id=request_id)
        try:
            starts_at, ends_at = from_epoch_ms(start_ms), from_epoch_ms(end_ms)
        except (OverflowError, OSError, ValueError):
            raise DingTalkUnusableValues("DingTalk sent times out of range", status=200,
                                         request_id=request_id) from None
        return Conference(title=title, starts_at=starts_at, ends_at=ends_at)

    def get_access_token(self, *, app_key: str, app_secret: str) -> AccessToken:
        body, request_id = self._call(
            "POST", ACCESS_TOKEN_PATH, json_body={"appKey": app_key, "appSecret": app_secret}
        )
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


def _storable(text: str) -> bool:
    """True when a database column and a web page can hold the text as it is."""
    return "\x00" not in text and not any(unicodedata.category(character) == "Cs" for character in text)


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
        raise DingTalkBadReply("DingTalk's token reply lacks a usable accessToken or expireIn", status=200,
                               request_id=request_id)
    return AccessToken(token=token, expires_in=expires_in)
