"""Everything the sandbox remembers, behind one lock.

The HTTP layer is multi-threaded (one thread per connection), so every read and write of the
sandbox's world goes through `SandboxState`, which holds a single re-entrant lock. Methods hand out
copies, never live objects, so a caller can't change state without taking the lock.

Time comes from an injectable clock plus an offset that `advance()` moves, so tests can expire a
token without waiting two hours. Optional persistence writes the durable parts (apps, suites, tokens,
meetings) to a JSON file after every change, atomically, so a demo survives a restart.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import secrets
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

READ_SCOPE = "VideoConference.Conference.Read"
WRITE_SCOPE = "VideoConference.Conference.Write"
CONFERENCE_SCOPES: frozenset[str] = frozenset({READ_SCOPE, WRITE_SCOPE})

# DingTalk's documented token lifetime, in seconds.
TOKEN_TTL = 7200

DEMO_APP_KEY = "sandbox-app-key"
DEMO_APP_SECRET = "sandbox-app-secret"
DEMO_SUITE_KEY = "sandbox-suite-key"
DEMO_SUITE_SECRET = "sandbox-suite-secret"

# API names, as used to aim faults and to tag the request log.
APIS: tuple[str, ...] = ("token", "corp_token", "create", "query", "update", "cancel")
ANY_API = "*"

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
)
DEFAULT_SLOW_SECONDS = 1.0
# The log is for tests and demos; a sandbox left running for days must not grow without bound.
MAX_LOGGED_REQUESTS = 10_000
HTML_FAULT_STATUSES = (200, 503)

STATE_FILE_VERSION = 1


class MeetingNotFound(LookupError):
    """No meeting has this id."""


class MeetingCanceled(RuntimeError):
    """The meeting exists but was canceled."""


class NotCreator(PermissionError):
    """The caller is not the meeting's creator."""


@dataclass(frozen=True)
class App:
    """An internal app: its secret and the permission scopes granted to its tokens."""

    app_key: str
    app_secret: str
    scopes: frozenset[str] = CONFERENCE_SCOPES


@dataclass(frozen=True)
class Suite:
    """A third-party suite. Empty `corp_ids` means any corp has authorized it; no ticket means any."""

    suite_key: str
    suite_secret: str
    scopes: frozenset[str] = CONFERENCE_SCOPES
    corp_ids: frozenset[str] = frozenset()
    suite_ticket: str | None = None


@dataclass(frozen=True)
class Token:
    """An access token. `expires_at` None means it never expires (preloaded static tokens)."""

    token: str
    scopes: frozenset[str]
    expires_at: float | None
    owner: str | None = None  # "app:<key>" / "suite:<key>:<corp>" for issued tokens, None for static


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
        return {**self.to_api(), "creatorUnionId": self.creator_union_id, "canceled": self.canceled}

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
        )


@dataclass
class Fault:
    """An armed fault: the next `remaining` calls to `api` answer with `fault`."""

    id: int
    fault: str
    api: str
    remaining: int
    seconds: float | None = None  # for "slow"
    status: int | None = None  # for "html"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def new_request_id() -> str:
    """DingTalk-looking request id (upper-case UUID), unique per request."""
    return str(uuid.uuid4()).upper()


class SandboxState:
    """The sandbox's world: apps, suites, tokens, meetings, faults, request log, clock, latency.

    `now` is the clock (seconds since the epoch); `advance()` adds to it. With `state_file`, the
    durable parts are loaded at start and saved after every change.
    """

    def __init__(
        self,
        *,
        now: Callable[[], float] = time.time,
        state_file: str | os.PathLike[str] | None = None,
        latency_ms: int = 0,
        token_ttl: int = TOKEN_TTL,
        seed_demo: bool = True,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = now
        self._offset = 0.0
        self.latency_ms = latency_ms
        self.token_ttl = token_ttl
        self.state_file = Path(state_file) if state_file is not None else None
        self._apps: dict[str, App] = {}
        self._suites: dict[str, Suite] = {}
        self._tokens: dict[str, Token] = {}
        self._meetings: dict[str, Meeting] = {}
        self._faults: list[Fault] = []
        self._next_fault_id = 1
        self._requests: list[dict[str, Any]] = []
        if seed_demo:
            self._apps[DEMO_APP_KEY] = App(DEMO_APP_KEY, DEMO_APP_SECRET)
            self._suites[DEMO_SUITE_KEY] = Suite(DEMO_SUITE_KEY, DEMO_SUITE_SECRET)
        if self.state_file is not None and self.state_file.exists():
            self._load(self.state_file)

    # --- clock ------------------------------------------------------------------------------------

    def now(self) -> float:
        with self._lock:
            return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward (e.g. past a token's expiry)."""
        with self._lock:
            self._offset += seconds

    # --- apps, suites, tokens ---------------------------------------------------------------------

    def add_app(self, app_key: str, app_secret: str, scopes: Iterable[str] = CONFERENCE_SCOPES) -> None:
        with self._lock:
            self._apps[app_key] = App(app_key, app_secret, frozenset(scopes))
            self._save()

    def add_suite(
        self,
        suite_key: str,
        suite_secret: str,
        scopes: Iterable[str] = CONFERENCE_SCOPES,
        corp_ids: Iterable[str] = (),
        suite_ticket: str | None = None,
    ) -> None:
        with self._lock:
            self._suites[suite_key] = Suite(
                suite_key, suite_secret, frozenset(scopes), frozenset(corp_ids), suite_ticket
            )
            self._save()

    def get_suite(self, suite_key: str) -> Suite | None:
        with self._lock:
            return self._suites.get(suite_key)

    def add_token(self, token: str, scopes: Iterable[str] = CONFERENCE_SCOPES, expires_in: float | None = None) -> None:
        """Preload a token, e.g. for a client configured with a fixed token. None: never expires."""
        with self._lock:
            expires_at = None if expires_in is None else self.now() + expires_in
            self._tokens[token] = Token(token, frozenset(scopes), expires_at)
            self._save()

    def issue_app_token(self, app_key: str, app_secret: str) -> Token | None:
        """The internal-app token flow. None when the credentials are wrong."""
        with self._lock:
            app = self._apps.get(app_key)
            if app is None or not secrets.compare_digest(app.app_secret, app_secret):
                return None
            return self._issue(f"app:{app_key}", app.scopes)

    def issue_corp_token(self, suite: Suite, corp_id: str) -> Token:
        """The third-party token flow; the caller has checked the suite's credentials."""
        with self._lock:
            return self._issue(f"suite:{suite.suite_key}:{corp_id}", suite.scopes)

    def _issue(self, owner: str, scopes: frozenset[str]) -> Token:
        # DingTalk returns the same token while it is valid and renews its lifetime.
        now = self.now()
        current = next((t for t in self._tokens.values() if t.owner == owner and _alive(t, now)), None)
        value = current.token if current else secrets.token_hex(16)
        token = Token(value, scopes, now + self.token_ttl, owner)
        self._tokens[value] = token
        self._save()
        return token

    def valid_token(self, value: str) -> Token | None:
        """The token if it exists and has not expired, else None."""
        with self._lock:
            token = self._tokens.get(value)
            return token if token is not None and _alive(token, self.now()) else None

    # --- meetings ---------------------------------------------------------------------------------

    def upsert_meeting(
        self,
        *,
        creator_union_id: str,
        title: str,
        start_time: int,
        end_time: int,
        schedule_conference_id: str | None = None,
        url: str | None = None,
        room_code: str | None = None,
        phones: list[str] | None = None,
        canceled: bool = False,
    ) -> Meeting:
        """Create or replace a meeting as is, without DingTalk's validation (demo seeding, tests)."""
        meeting_id = schedule_conference_id or str(uuid.uuid4())
        code = room_code or f"{secrets.randbelow(10**9):09d}"
        meeting = Meeting(
            schedule_conference_id=meeting_id,
            creator_union_id=creator_union_id,
            title=title,
            start_time=start_time,
            end_time=end_time,
            url=url or f"https://meeting.dingtalk.com/j/{code}",
            room_code=code,
            phones=list(phones) if phones is not None else ["+86 0571 2818 0000"],
            canceled=canceled,
        )
        with self._lock:
            self._meetings[meeting_id] = meeting
            self._save()
            return copy.deepcopy(meeting)

    def get_meeting(self, schedule_conference_id: str) -> Meeting | None:
        with self._lock:
            meeting = self._meetings.get(schedule_conference_id)
            return copy.deepcopy(meeting)

    def meetings(self) -> list[Meeting]:
        with self._lock:
            return [copy.deepcopy(m) for m in self._meetings.values()]

    def update_meeting(
        self, schedule_conference_id: str, *, by: str, title: str, start_time: int, end_time: int
    ) -> Meeting:
        """Check-and-update in one locked step. Raises MeetingNotFound/NotCreator/MeetingCanceled."""
        with self._lock:
            meeting = self._editable(schedule_conference_id, by)
            meeting.title, meeting.start_time, meeting.end_time = title, start_time, end_time
            self._save()
            return copy.deepcopy(meeting)

    def cancel_meeting(self, schedule_conference_id: str, *, by: str) -> None:
        with self._lock:
            self._editable(schedule_conference_id, by).canceled = True
            self._save()

    def _editable(self, schedule_conference_id: str, by: str) -> Meeting:
        meeting = self._meetings.get(schedule_conference_id)
        if meeting is None:
            raise MeetingNotFound(schedule_conference_id)
        if meeting.creator_union_id != by:
            raise NotCreator(by)
        if meeting.canceled:
            raise MeetingCanceled(schedule_conference_id)
        return meeting

    # --- faults -----------------------------------------------------------------------------------

    def arm_fault(
        self,
        fault: str,
        api: str = "update",
        count: int = 1,
        seconds: float | None = None,
        status: int | None = None,
    ) -> Fault:
        """Make the next `count` calls to `api` ("*" for any) fail with `fault`. ValueError if bad."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        if api != ANY_API and api not in APIS:
            raise ValueError(f"unknown api {api!r}; one of {', '.join(APIS)} or {ANY_API}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        if fault == "slow":
            seconds = DEFAULT_SLOW_SECONDS if seconds is None else float(seconds)
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
        with self._lock:
            armed = Fault(self._next_fault_id, fault, api, count, seconds, status)
            self._next_fault_id += 1
            self._faults.append(armed)
            return copy.copy(armed)

    def take_fault(self, api: str) -> Fault | None:
        """Consume one use of the oldest fault armed for this api, if any."""
        with self._lock:
            for armed in self._faults:
                if armed.api in (api, ANY_API):
                    armed.remaining -= 1
                    if armed.remaining == 0:
                        self._faults.remove(armed)
                    return copy.copy(armed)
            return None

    def faults(self) -> list[Fault]:
        with self._lock:
            return [copy.copy(f) for f in self._faults]

    def clear_faults(self) -> int:
        with self._lock:
            cleared = len(self._faults)
            self._faults.clear()
            return cleared

    # --- request log ------------------------------------------------------------------------------

    def record_request(self, entry: dict[str, Any]) -> None:
        """Log a received DingTalk call; the caller fills in "status"/"fault" via `finish_request`."""
        with self._lock:
            self._requests.append(entry)
            del self._requests[:-MAX_LOGGED_REQUESTS]

    def finish_request(self, entry: dict[str, Any], *, status: int | None, fault: str | None) -> None:
        with self._lock:
            entry["status"] = status
            entry["fault"] = fault

    def requests(self, api: str | None = None) -> list[dict[str, Any]]:
        """What DingTalk received, oldest first; optionally only calls to one api."""
        with self._lock:
            return [copy.deepcopy(e) for e in self._requests if api is None or e["api"] == api]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # --- reset ------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget meetings, issued tokens, faults, the log and clock moves; keep apps, suites and
        static tokens, which are configuration."""
        with self._lock:
            self._meetings.clear()
            self._tokens = {k: t for k, t in self._tokens.items() if t.owner is None}
            self._faults.clear()
            self._requests.clear()
            self._offset = 0.0
            self._save()

    # --- persistence ------------------------------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        return {
            "version": STATE_FILE_VERSION,
            "apps": {a.app_key: {"appSecret": a.app_secret, "scopes": sorted(a.scopes)} for a in self._apps.values()},
            "suites": {
                s.suite_key: {
                    "suiteSecret": s.suite_secret,
                    "scopes": sorted(s.scopes),
                    "corpIds": sorted(s.corp_ids),
                    "suiteTicket": s.suite_ticket,
                }
                for s in self._suites.values()
            },
            "tokens": {
                t.token: {"scopes": sorted(t.scopes), "expiresAt": t.expires_at, "owner": t.owner}
                for t in self._tokens.values()
            },
            "meetings": {m.schedule_conference_id: m.to_json() for m in self._meetings.values()},
        }

    def _save(self) -> None:
        """Write the state file atomically: a crash mid-write must not lose a demo's edits."""
        if self.state_file is None:
            return
        data = json.dumps(self._snapshot(), indent=2, ensure_ascii=False)
        directory = self.state_file.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.state_file.name}.", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, self.state_file)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def _load(self, path: Path) -> None:
        # A broken file raises: silently starting empty would throw away the demo's data.
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_FILE_VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            for key, app in data.get("apps", {}).items():
                self._apps[key] = App(key, app["appSecret"], frozenset(app["scopes"]))
            for key, suite in data.get("suites", {}).items():
                self._suites[key] = Suite(
                    key,
                    suite["suiteSecret"],
                    frozenset(suite["scopes"]),
                    frozenset(suite.get("corpIds", [])),
                    suite.get("suiteTicket"),
                )
            for value, token in data.get("tokens", {}).items():
                self._tokens[value] = Token(value, frozenset(token["scopes"]), token["expiresAt"], token.get("owner"))
            for meeting_id, meeting in data.get("meetings", {}).items():
                self._meetings[meeting_id] = Meeting.from_json(meeting)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"cannot load sandbox state file {path}: {exc}") from exc


def _alive(token: Token, now: float) -> bool:
    return token.expires_at is None or now < token.expires_at
