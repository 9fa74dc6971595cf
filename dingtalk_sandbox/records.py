"""What the sandbox keeps: apps, suites, tokens, meetings and armed faults, and the names they use.

Records are plain dataclasses; `SandboxState` (state.py) holds them behind its lock. The `to_json` and
`from_json` pairs are the state file's format (see state_file.py) and, for meetings, the control API's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

READ_SCOPE = "VideoConference.Conference.Read"
WRITE_SCOPE = "VideoConference.Conference.Write"
CONFERENCE_SCOPES: frozenset[str] = frozenset({READ_SCOPE, WRITE_SCOPE})

# API names, as used to aim faults and to tag the request log.
APIS: tuple[str, ...] = (
    "token",
    "corp_token",
    "create",
    "query",
    "update",
    "cancel",
    "settings_query",
    "settings_update",
    "room_code",
    "user_token",
    "users_me",
)
ANY_API = "*"

# What a new meeting's settings are until someone changes them (scheduleConfSettingModel).
DEFAULT_EXTRA_SETTINGS: dict[str, int] = {"waitingRoom": 0, "joinBeforeHost": 1, "enableChat": 1, "lockNick": 0}


def default_settings(creator_union_id: str) -> dict[str, Any]:
    return {
        "hostUnionId": creator_union_id,
        "cohostUnionIds": [],
        "lockRoom": 0,
        "screenShareForbidden": 0,
        "muteOnJoin": 0,
        "moziConfVirtualExtraSetting": dict(DEFAULT_EXTRA_SETTINGS),
    }


FAULTS: tuple[str, ...] = (
    "paramsError",
    "permissionError",
    "resourceCancel",
    "systemError",
    "InvalidAuthentication",
    "missingScope",
    "qpsLimit",
    "apiCountLimit",
    "html",
    "drop",
    "slow",
    "success_false",
    "trickle",
    "gzip",
    "oversized",
)
DEFAULT_SLOW_SECONDS = 1.0
# A hostile gateway's replies (issue 20): the call is answered normally -- DingTalk acted -- but the reply
# "trickle"s (a byte every `seconds`, of a Content-Length far beyond the body), comes "gzip"-compressed
# though the client asked for identity, or is "oversized" (the JSON padded with spaces past the client's cap).
RESHAPING_FAULTS = ("slow", "trickle", "gzip", "oversized")
DEFAULT_TRICKLE_SECONDS = 1.5
TRICKLE_DECLARED_BYTES = 100_000
OVERSIZED_BYTES = 2 * 1024 * 1024
HTML_FAULT_STATUSES = (200, 503)


@dataclass(frozen=True)
class App:
    """An internal app: its secret and the permission scopes granted to its tokens."""

    app_key: str
    app_secret: str
    scopes: frozenset[str] = CONFERENCE_SCOPES

    def to_json(self) -> dict[str, Any]:
        return {"appSecret": self.app_secret, "scopes": sorted(self.scopes)}

    @classmethod
    def from_json(cls, app_key: str, data: dict[str, Any]) -> App:
        return cls(app_key, data["appSecret"], frozenset(data["scopes"]))


@dataclass(frozen=True)
class Suite:
    """A third-party suite. Empty `corp_ids` means any corp has authorized it; no ticket means any."""

    suite_key: str
    suite_secret: str
    scopes: frozenset[str] = CONFERENCE_SCOPES
    corp_ids: frozenset[str] = frozenset()
    suite_ticket: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "suiteSecret": self.suite_secret,
            "scopes": sorted(self.scopes),
            "corpIds": sorted(self.corp_ids),
            "suiteTicket": self.suite_ticket,
        }

    @classmethod
    def from_json(cls, suite_key: str, data: dict[str, Any]) -> Suite:
        return cls(
            suite_key,
            data["suiteSecret"],
            frozenset(data["scopes"]),
            frozenset(data.get("corpIds", [])),
            data.get("suiteTicket"),
        )


@dataclass(frozen=True)
class Token:
    """An access token. `expires_at` None means it never expires (preloaded static tokens)."""

    token: str
    scopes: frozenset[str]
    expires_at: float | None
    owner: str | None = None  # "app:<key>" / "suite:<key>:<corp>" for issued tokens, None for static

    def alive_at(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at

    def to_json(self) -> dict[str, Any]:
        return {"scopes": sorted(self.scopes), "expiresAt": self.expires_at, "owner": self.owner}

    @classmethod
    def from_json(cls, token: str, data: dict[str, Any]) -> Token:
        return cls(token, frozenset(data["scopes"]), data["expiresAt"], data.get("owner"))


@dataclass
class Meeting:
    """A booked meeting, stored with the fields DingTalk's query API returns plus creator and state."""

    schedule_conference_id: str
    creator_union_id: str
    title: str
    start_time: int
    end_time: int
    url: str
    room_code: str
    phones: list[str] = field(default_factory=list)
    canceled: bool = False
    # Labels for the control page, given when seeding; DingTalk itself returns neither.
    organization: str | None = None
    time_zone: str | None = None  # an IANA name, e.g. "Asia/Shanghai"
    # scheduleConfSettingModel as DingTalk answers the settings query; empty: the defaults.
    settings: dict[str, Any] = field(default_factory=dict)

    def current_settings(self) -> dict[str, Any]:
        """The settings model, the defaults filled in for what was never set."""
        current = default_settings(self.creator_union_id)
        extra = {**current["moziConfVirtualExtraSetting"], **self.settings.get("moziConfVirtualExtraSetting", {})}
        return {**current, **self.settings, "moziConfVirtualExtraSetting": extra}

    # What the room-code lookup says about the creator. `creator_id` defaults to the unionId; a
    # different one is the case DingTalk leaves open (its creatorId may not be a unionId).
    creator_id: str | None = None
    creator_nick: str = ""
    # A recurring meeting: this many weekly instances, one conferenceId each, one scheduleConferenceId.
    occurrences: int = 1

    def instances(self) -> list[dict[str, Any]]:
        """The room-code lookup's `conferenceList` entries of this booked meeting, first instance first."""
        week = 7 * 24 * 3600 * 1000
        return [
            {
                "conferenceId": f"{self.schedule_conference_id}-{number}",
                "scheduleConferenceId": self.schedule_conference_id,
                "title": self.title,
                "startTime": self.start_time + number * week,
                "endTime": self.end_time + number * week,
                "status": 0,
                "creatorId": self.creator_id or self.creator_union_id,
                "creatorNick": self.creator_nick,
                "roomCode": self.room_code,
                "externalLinkUrl": self.url,
                "bizType": "1",  # a string in the official SDK's model
                "confDuration": (self.end_time - self.start_time) // 1000,
            }
            for number in range(self.occurrences)
        ]

    def to_api(self) -> dict[str, Any]:
        """The body of DingTalk's query reply (creator and cancel flag are not part of it)."""
        return {
            "scheduleConferenceId": self.schedule_conference_id,
            "title": self.title,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "url": self.url,
            "roomCode": self.room_code,
            "phones": list(self.phones),
        }

    def to_json(self) -> dict[str, Any]:
        """Everything, in DingTalk's camelCase, for the control API and the state file."""
        return {
            **self.to_api(),
            "creatorUnionId": self.creator_union_id,
            "canceled": self.canceled,
            "organization": self.organization,
            "timeZone": self.time_zone,
            "settings": self.settings,
            "creatorId": self.creator_id,
            "creatorNick": self.creator_nick,
            "occurrences": self.occurrences,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Meeting:
        return cls(
            schedule_conference_id=str(data["scheduleConferenceId"]),
            creator_union_id=str(data["creatorUnionId"]),
            title=str(data["title"]),
            start_time=int(data["startTime"]),
            end_time=int(data["endTime"]),
            url=str(data["url"]),
            room_code=str(data["roomCode"]),
            phones=[str(phone) for phone in data.get("phones", [])],
            canceled=bool(data.get("canceled", False)),
            organization=data.get("organization"),
            time_zone=data.get("timeZone"),
            settings=dict(data.get("settings") or {}),
            creator_id=data.get("creatorId"),
            creator_nick=str(data.get("creatorNick") or ""),
            occurrences=int(data.get("occurrences", 1)),
        )


@dataclass
class Fault:
    """An armed fault: the next `remaining` calls to `api` answer with `fault`."""

    id: int
    fault: str
    api: str
    remaining: int
    seconds: float | None = None  # for "slow" (the delay) and "trickle" (between two bytes)
    status: int | None = None  # for "html"

    @classmethod
    def checked(
        cls, fault_id: int, fault: str, api: str, count: int, seconds: float | None, status: int | None
    ) -> Fault:
        """A fault for the next `count` calls to `api` ("*" for any); ValueError if a value is bad.
        `seconds` only applies to "slow" and "trickle", `status` to "html"; other faults drop them."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        if api != ANY_API and api not in APIS:
            raise ValueError(f"unknown api {api!r}; one of {', '.join(APIS)} or {ANY_API}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        if fault in ("slow", "trickle"):
            default = DEFAULT_SLOW_SECONDS if fault == "slow" else DEFAULT_TRICKLE_SECONDS
            seconds = default if seconds is None else float(seconds)
            if seconds < 0:
                raise ValueError("seconds must not be negative")
        else:
            seconds = None
        if fault == "html":
            status = HTML_FAULT_STATUSES[-1] if status is None else status
            if status not in HTML_FAULT_STATUSES:
                raise ValueError(f"status for html must be one of {HTML_FAULT_STATUSES}")
        else:
            status = None
        return cls(fault_id, fault, api, count, seconds, status)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
