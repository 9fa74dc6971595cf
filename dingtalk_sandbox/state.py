"""Everything the sandbox remembers, behind one lock.

The HTTP layer is multi-threaded (one thread per connection), so every read and write of the
sandbox's world goes through `SandboxState`, which holds a single re-entrant lock. Methods hand out
copies, never live objects, so a caller can't change state without taking the lock.

Time comes from an injectable clock plus an offset that `advance()` moves, so tests can expire a
token without waiting two hours. Optional persistence writes the durable parts (apps, suites, tokens,
meetings) to a JSON file after every change (state_file.py), so a demo survives a restart. The records
themselves are in records.py; what the sandbox keeps about the calls it receives (rate limit, armed
faults, request log) is in gateway_state.py, whose lock this state shares.
"""

from __future__ import annotations

import copy
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .gateway_state import GatewayState
from .records import CONFERENCE_SCOPES, App, Meeting, Suite, Token
from .signin_state import SignInState
from .state_file import Durable, read_state_file, write_state_file

# DingTalk's documented token lifetime, in seconds.
TOKEN_TTL = 7200

DEMO_APP_KEY = "sandbox-app-key"
DEMO_APP_SECRET = "sandbox-app-secret"
DEMO_SUITE_KEY = "sandbox-suite-key"
DEMO_SUITE_SECRET = "sandbox-suite-secret"


class MeetingNotFound(LookupError):
    """No meeting has this id."""


class MeetingCanceled(RuntimeError):
    """The meeting exists but was canceled."""


class NotCreator(PermissionError):
    """The caller is not the meeting's creator."""


class SandboxState(GatewayState):
    """The sandbox's world: apps, suites, tokens, meetings, clock; and, from `GatewayState`, the rate
    limit, latency, armed faults and request log.

    `now` is the clock (seconds since the epoch); `advance()` adds to it. With `state_file`, the
    durable parts are loaded at start and saved after every change.
    """

    def __init__(
        self,
        *,
        now: Callable[[], float] = time.time,
        state_file: str | os.PathLike[str] | None = None,
        latency_ms: int = 0,
        qps: int | None = None,
        token_ttl: int = TOKEN_TTL,
        seed_demo: bool = True,
    ) -> None:
        super().__init__(latency_ms=latency_ms, qps=qps)
        self._clock = now
        self._offset = 0.0
        self.token_ttl = token_ttl
        self.state_file = Path(state_file) if state_file is not None else None
        self._apps: dict[str, App] = {}
        self._suites: dict[str, Suite] = {}
        self._tokens: dict[str, Token] = {}
        self._meetings: dict[str, Meeting] = {}
        # Signing people in (login apps, people, codes, their tokens): kept in memory, under this lock.
        self.signin = SignInState(self._lock, self.now, seed_demo=seed_demo)
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
        current = next((t for t in self._tokens.values() if t.owner == owner and t.alive_at(now)), None)
        value = current.token if current else secrets.token_hex(16)
        token = Token(value, scopes, now + self.token_ttl, owner)
        self._tokens[value] = token
        self._save()
        return token

    def valid_token(self, value: str) -> Token | None:
        """The token if it exists and has not expired, else None."""
        with self._lock:
            token = self._tokens.get(value)
            return token if token is not None and token.alive_at(self.now()) else None

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
        organization: str | None = None,
        time_zone: str | None = None,
        creator_id: str | None = None,
        creator_nick: str = "",
        occurrences: int = 1,
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
            organization=organization,
            time_zone=time_zone,
            creator_id=creator_id,
            creator_nick=creator_nick,
            occurrences=occurrences,
        )
        with self._lock:
            self._meetings[meeting_id] = meeting
            self._save()
            return copy.deepcopy(meeting)

    def get_meeting(self, schedule_conference_id: str) -> Meeting | None:
        with self._lock:
            meeting = self._meetings.get(schedule_conference_id)
            return copy.deepcopy(meeting)

    def instances_by_room_code(self, room_code: str) -> list[dict[str, Any]]:
        """Every instance of every booked meeting behind a meeting number, oldest first; canceled ones
        are left out, as DingTalk no longer lists a canceled booking under its number."""
        with self._lock:
            found = [
                instance
                for meeting in self._meetings.values()
                if meeting.room_code == room_code and not meeting.canceled
                for instance in meeting.instances()
            ]
        return sorted(found, key=lambda instance: (instance["startTime"], instance["conferenceId"]))

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

    def update_settings(self, schedule_conference_id: str, *, by: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge `changes` (a scheduleConfSettingModel) into the meeting's settings; fields not given stay.
        Raises MeetingNotFound/NotCreator/MeetingCanceled."""
        with self._lock:
            meeting = self._editable(schedule_conference_id, by)
            merged = {**meeting.settings, **changes}
            if "moziConfVirtualExtraSetting" in changes:
                merged["moziConfVirtualExtraSetting"] = {
                    **meeting.settings.get("moziConfVirtualExtraSetting", {}),
                    **changes["moziConfVirtualExtraSetting"],
                }
            meeting.settings = merged
            self._save()
            return meeting.current_settings()

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

    # --- reset ------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget meetings, issued tokens, faults, the log and clock moves; keep apps, suites and
        static tokens, which are configuration."""
        with self._lock:
            self._meetings.clear()
            self._tokens = {k: t for k, t in self._tokens.items() if t.owner is None}
            self._forget_calls()
            self._offset = 0.0
            self._save()

    # --- persistence ------------------------------------------------------------------------------

    def _save(self) -> None:
        if self.state_file is not None:
            write_state_file(self.state_file, Durable(self._apps, self._suites, self._tokens, self._meetings))

    def _load(self, path: Path) -> None:
        durable = read_state_file(path)
        self._apps.update(durable.apps)
        self._suites.update(durable.suites)
        self._tokens.update(durable.tokens)
        self._meetings.update(durable.meetings)
