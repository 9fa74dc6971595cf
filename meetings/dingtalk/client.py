"""The DingTalk APIs the portal uses, one method each, taking and returning typed values (values.py).

Each method checks what it sends, makes the call through the transport, and reads the reply (replies.py).
"""

from __future__ import annotations

import datetime
from urllib.parse import quote

from . import values
from .errors import DingTalkBadReply, DingTalkNotConfirmed
from .limits import TITLE_MAX_LENGTH, title_length
from .replies import read_access_token, read_conference, read_created, read_instance, read_settings
from .transport import Transport

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
        booking = _title_and_times_body(title, starts_at, ends_at)
        body, request_id = self._call(
            "PUT",
            UPDATE_PATH,
            idempotent=True,
            changes=True,
            access_token=access_token,
            json_body={"creatorUnionId": creator_union_id, "scheduleConferenceId": schedule_conference_id, **booking},
        )
        _require_success(body, request_id)
        return request_id

    def get_schedule_conference(
        self, *, access_token: str, schedule_conference_id: str, creator_union_id: str
    ) -> values.Conference:
        _require_text(schedule_conference_id=schedule_conference_id, creator_union_id=creator_union_id)
        body, request_id = self._call(
            "GET",
            QUERY_PATH.format(id=quote(schedule_conference_id, safe="")),
            idempotent=True,
            access_token=access_token,
            params={"requestUnionId": creator_union_id},
            api=f"GET {QUERY_PATH}",  # one API whatever the meeting, for pacing
        )
        return read_conference(body, request_id, schedule_conference_id=schedule_conference_id)

    def find_conferences_by_meeting_number(
        self, *, access_token: str, meeting_number: str, page_size: int = ROOM_CODE_PAGE_SIZE
    ) -> list[values.ConferenceInstance]:
        """Every instance DingTalk has behind a meeting number, following `nextToken` while `hasMore`.

        `meeting_number` is digits only (the caller takes them out of what people paste). An unknown number
        is an empty list. A reply without a usable list, or an entry without an ID, title or times, is a
        DingTalkBadReply: what it would register cannot be trusted.
        """
        if not isinstance(meeting_number, str) or not meeting_number.isdigit() or not meeting_number.isascii():
            raise ValueError("meeting_number must be digits")
        path = ROOM_CODE_PATH.format(room_code=meeting_number)
        instances: list[values.ConferenceInstance] = []
        seen_tokens: set[str] = set()
        params: dict[str, object] = {"maxResults": page_size}
        for _page in range(ROOM_CODE_MAX_PAGES):
            body, request_id = self._call(
                "GET", path, idempotent=True, access_token=access_token, params=params, api=f"GET {ROOM_CODE_PATH}"
            )
            entries = body.get("conferenceList", [])
            if not isinstance(entries, list):
                raise DingTalkBadReply(
                    "DingTalk's room code reply has no conferenceList", status=200, request_id=request_id
                )
            instances.extend(read_instance(entry, request_id) for entry in entries)
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
    ) -> values.CreatedConference:
        """Book a meeting. Never retried: a second attempt after a lost reply would book a second meeting."""
        _require_text(creator_union_id=creator_union_id)
        booking = _title_and_times_body(title, starts_at, ends_at)
        body, request_id = self._call(
            "POST",
            CREATE_PATH,
            idempotent=False,
            access_token=access_token,
            json_body={"creatorUnionId": creator_union_id, **booking},
        )
        return read_created(body, request_id)

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

    def get_conference_settings(self, *, access_token: str, schedule_conference_id: str) -> values.ConferenceSettings:
        _require_text(schedule_conference_id=schedule_conference_id)
        body, request_id = self._call(
            "GET",
            SETTINGS_PATH,
            idempotent=True,
            access_token=access_token,
            params={"scheduleConferenceId": schedule_conference_id},
        )
        return read_settings(body, request_id)

    def update_conference_settings(
        self, *, access_token: str, creator_union_id: str, schedule_conference_id: str, changes: dict
    ) -> str:
        """Send only `changes` (values.ConferenceSettings field names -> new values); DingTalk keeps the rest.
        Returns DingTalk's request ID."""
        _require_text(creator_union_id=creator_union_id, schedule_conference_id=schedule_conference_id)
        if not changes or not set(changes) <= set(values.SETTINGS_WIRE):
            raise ValueError(f"changes must name some of {', '.join(values.SETTINGS_WIRE)}")
        model: dict = {}
        for name, value in changes.items():
            path, kind = values.SETTINGS_WIRE[name]
            target = model
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = values.setting_to_wire(value, kind)
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

    def get_access_token(self, *, app_key: str, app_secret: str) -> values.AccessToken:
        body, request_id = self._call("POST", ACCESS_TOKEN_PATH, json_body={"appKey": app_key, "appSecret": app_secret})
        return read_access_token(body, request_id)

    def get_corp_access_token(
        self, *, suite_key: str, suite_secret: str, auth_corp_id: str, suite_ticket: str
    ) -> values.AccessToken:
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
        return read_access_token(body, request_id)


def client_for(
    api_base: str, *, timeout: tuple[float, float] | None = None, deadline: float | None = None
) -> DingTalkClient:
    """The client for an organization's API base: the one way the portal builds one.

    `timeout` and `deadline` default to settings.DINGTALK_*; benchmarks without Django settings pass them.
    """
    return DingTalkClient(api_base, timeout=timeout, deadline=deadline)


def _require_text(**fields: str) -> None:
    for name, value in fields.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a non-empty string")


def _title_and_times_body(title: str, starts_at: datetime.datetime, ends_at: datetime.datetime) -> dict:
    """The title and times as an update and a create send them, once they are fit to send."""
    if not title.strip() or title_length(title) > TITLE_MAX_LENGTH:
        raise ValueError(f"title must be 1 to {TITLE_MAX_LENGTH} characters")
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime.datetime) or value.tzinfo is None:
            raise ValueError(f"{name} must be an aware datetime")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")
    return {"title": title, "startTime": values.epoch_ms(starts_at), "endTime": values.epoch_ms(ends_at)}


def _require_success(body: dict, request_id: str) -> None:
    if body.get("success") is not True:
        raise DingTalkNotConfirmed("DingTalk replied 200 without success: true", status=200, request_id=request_id)
