"""Signing in with DingTalk, the sandbox's side: login apps, the people who may pick themselves on the
login page, one-use authorization codes and the people's tokens.

Kept in memory only (codes live five minutes, tokens two hours; apps and people are seeded at start or
through the control API), behind the state's lock.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEMO_LOGIN_CLIENT_ID = "sandbox-login-client-id"
DEMO_LOGIN_CLIENT_SECRET = "sandbox-login-client-secret"
# DingTalk says a code is good once, for a short time.
CODE_TTL = 300
USER_TOKEN_TTL = 7200

# The demo organizations' DingTalk corps (seed_demo gives the portal's organizations the same), and one
# the portal does not know: its people are refused.
DEMO_CORP_IDS = {"Demo Shanghai": "dingdemoshanghai0001", "Demo Berlin": "dingdemoberlin0002"}
UNKNOWN_ORGANIZATION, UNKNOWN_CORP_ID = "Other Company", "dingothercompany0003"


@dataclass(frozen=True)
class LoginPerson:
    """Someone who can sign in, as one organization (corp) of theirs."""

    union_id: str
    nick: str
    corp_id: str
    organization: str

    @property
    def open_id(self) -> str:
        return f"open-{self.union_id}"

    def profile(self) -> dict[str, Any]:
        """`GET /v1.0/contact/users/me`'s answer."""
        return {
            "nick": self.nick,
            "unionId": self.union_id,
            "openId": self.open_id,
            "avatarUrl": "",
            "mobile": "",
            "email": "",
            "stateCode": "86",
        }

    def to_json(self) -> dict[str, Any]:
        return {"unionId": self.union_id, "nick": self.nick, "corpId": self.corp_id, "organization": self.organization}


# Li Lei books the demo meetings (his unionId is their creator's) and is seed_demo's office admin of Demo
# Shanghai; the others are new to the portal.
DEMO_PEOPLE = (
    LoginPerson("demo-creator-union-id", "李雷 Li Lei", DEMO_CORP_IDS["Demo Shanghai"], "Demo Shanghai"),
    LoginPerson("demo-union-han-meimei", "韩梅梅 Han Meimei", DEMO_CORP_IDS["Demo Shanghai"], "Demo Shanghai"),
    LoginPerson("demo-union-anna-schmidt", "Anna Schmidt", DEMO_CORP_IDS["Demo Berlin"], "Demo Berlin"),
    LoginPerson("demo-union-zhang-wei", "张伟 Zhang Wei", UNKNOWN_CORP_ID, UNKNOWN_ORGANIZATION),
)


@dataclass(frozen=True)
class LoginApp:
    client_id: str
    client_secret: str
    # When set, the only redirect_uri the login page sends people back to (DingTalk's registered URL).
    redirect_uri: str | None = None


@dataclass(frozen=True)
class _Code:
    client_id: str
    union_id: str
    corp_id: str | None  # with scope corpid only
    expires_at: float


class CodeRefused(Exception):
    """Unknown, expired or already used code, or one issued to another app."""


class ClientRefused(Exception):
    """Unknown clientId or a wrong clientSecret."""


class SignInState:
    def __init__(self, lock: threading.RLock, now: Callable[[], float], *, seed_demo: bool = True) -> None:
        self._lock, self._now = lock, now
        self._apps: dict[str, LoginApp] = {}
        self._people: dict[str, LoginPerson] = {}
        self._codes: dict[str, _Code] = {}
        self._tokens: dict[str, tuple[str, float]] = {}
        if seed_demo:
            self.add_app(DEMO_LOGIN_CLIENT_ID, DEMO_LOGIN_CLIENT_SECRET)
            for person in DEMO_PEOPLE:
                self.add_person(person)

    def add_app(self, client_id: str, client_secret: str, redirect_uri: str | None = None) -> None:
        with self._lock:
            self._apps[client_id] = LoginApp(client_id, client_secret, redirect_uri or None)

    def app(self, client_id: str) -> LoginApp | None:
        with self._lock:
            return self._apps.get(client_id)

    def add_person(self, person: LoginPerson) -> None:
        with self._lock:
            self._people[f"{person.union_id} {person.corp_id}"] = person

    def people(self) -> list[LoginPerson]:
        with self._lock:
            return sorted(self._people.values(), key=lambda p: (p.organization, p.nick))

    def person(self, union_id: str, corp_id: str) -> LoginPerson | None:
        with self._lock:
            return self._people.get(f"{union_id} {corp_id}")

    def issue_code(self, *, client_id: str, person: LoginPerson, with_corp: bool) -> str:
        code = secrets.token_hex(16)
        with self._lock:
            corp_id = person.corp_id if with_corp else None
            self._codes[code] = _Code(client_id, f"{person.union_id} {person.corp_id}", corp_id, self._now() + CODE_TTL)
        return code

    def redeem_code(self, *, client_id: str, client_secret: str, code: str) -> tuple[str, str | None]:
        """A person's token and the chosen corpId for a code, which is then spent. ClientRefused before the
        code is looked at (it stays good for its own app); CodeRefused for a code unknown, spent or expired."""
        with self._lock:
            app = self._apps.get(client_id)
            if app is None or not secrets.compare_digest(app.client_secret, client_secret):
                raise ClientRefused(client_id)
            issued = self._codes.get(code)
            if issued is None or issued.client_id != client_id:
                raise CodeRefused(code)
            del self._codes[code]  # one use, whatever comes next
            if issued.expires_at < self._now():
                raise CodeRefused(code)
            token = secrets.token_hex(16)
            self._tokens[token] = (issued.union_id, self._now() + USER_TOKEN_TTL)
            return token, issued.corp_id

    def person_for_token(self, token: str) -> LoginPerson | None:
        with self._lock:
            held = self._tokens.get(token)
            if held is None or held[1] < self._now():
                return None
            return self._people.get(held[0])
