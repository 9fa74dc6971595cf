"""A person over HTTP: the login form, CSRF tokens, the edit form, the peer admin's form."""

from __future__ import annotations

import html
import re
import time
import uuid
from dataclasses import dataclass

import requests

from .common import HTTP_TIMEOUT, PASSWORD, http_session

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([\w-]+)(?:="([^"]*)")?')


def form_fields(page: str) -> dict[str, str]:
    """The named, enabled inputs of a page and their values, as a browser would submit them."""
    fields = {}
    for tag in _INPUT.findall(page):
        attributes = {name.lower(): html.unescape(value or "") for name, value in _ATTRIBUTE.findall(tag[6:])}
        if "name" in attributes and "disabled" not in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


@dataclass
class Reply:
    status: int
    seconds: float
    page: str
    location: str = ""  # a redirect's Location header

    @property
    def saved(self) -> bool:
        """Whether a save was confirmed. Every portal save redirects (Post/Redirect/Get): to the edit page
        when saved, to the edit page `?submission=…` (the form again, with the reason) when not. The
        admin redirects only when it saved."""
        return self.status == 302 and "submission=" not in self.location


# gunicorn closes a kept-alive connection after GUNICORN_KEEPALIVE idle seconds (its config file: 5). A
# connection idle nearly that long is not reused: the server may be closing it at the very moment the
# next request goes out, and that request then meets a closed connection (RemoteDisconnected).
IDLE_REUSE_LIMIT = 4.0


class PortalUser:
    """One person with their own cookies: logs in through the login form, opens and saves meetings --
    in the portal, or in a peer admin site (benchmarks/peer/).

    Like a browser, a GET that meets a connection closed under it is sent once more on a new one;
    `retries` keeps the reason of each such retry. A POST is never repeated.
    """

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.username = username
        self.http = http_session()
        self.statuses: list[int] = []
        self.retries: list[str] = []
        self._last_reply_at: float | None = None

    def get(self, path: str) -> Reply:
        try:
            return self._send("GET", path)
        except requests.ConnectionError as error:
            self.retries.append(f"GET {path}: {_reason(error)}")
            return self._send("GET", path)

    def post(self, path: str, data: dict[str, str]) -> Reply:
        return self._send("POST", path, data=data)

    def login(self) -> None:
        fields = form_fields(self.get("/accounts/login/").page)
        reply = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"], "username": self.username, "password": PASSWORD},
        )
        if reply.status != 302:
            raise RuntimeError(f"{self.username} could not log in: HTTP {reply.status}")

    def open_meeting(self, pk: int) -> dict[str, str]:
        """The edit form's fields (CSRF token, title, times, version), as the page gave them."""
        return form_fields(self.get(f"/meetings/{pk}/edit/").page)

    def save_meeting(self, pk: int, fields: dict[str, str], *, title: str) -> Reply:
        """Submit the edit form with a new title; `Reply.saved` says whether DingTalk and the portal took it.

        The redirect is not followed. Its page would show (and so clear) the success message; the
        message cookie is dropped instead, or it would only grow from save to save.
        """
        reply = self.post(f"/meetings/{pk}/edit/", {**fields, "title": title})
        self.http.cookies.pop("messages", None)
        return reply

    def open_peer_meeting(self, site: str, pk: int) -> dict[str, str]:
        """The peer admin's change form for the meeting (site: careful, naive or plain), as "Save" submits it."""
        fields = form_fields(self.get(peer_change_path(site, pk)).page)
        drop_other_buttons(fields)
        return fields

    def save_peer_meeting(self, site: str, pk: int, fields: dict[str, str], *, title: str) -> Reply:
        """Submit the peer admin's change form with a new title: 302 when the admin saved it."""
        reply = self.post(peer_change_path(site, pk), {**fields, "title": title})
        self.http.cookies.pop("messages", None)
        return reply

    def _send(self, method: str, path: str, **kwargs) -> Reply:
        started = time.perf_counter()
        if self._last_reply_at is not None and time.monotonic() - self._last_reply_at > IDLE_REUSE_LIMIT:
            self.http.close()  # its connections only: the cookies stay
        response = self.http.request(
            method, self.base_url + path, timeout=HTTP_TIMEOUT, allow_redirects=False, **kwargs
        )
        self._last_reply_at = time.monotonic()
        seconds = time.perf_counter() - started
        self.statuses.append(response.status_code)
        return Reply(response.status_code, seconds, response.text, response.headers.get("Location", ""))


def form_after_save(fields: dict[str, str]) -> None:
    """The edit form's fields as the page after a save renders them: the version one higher and a new
    submission key (reusing the old one would post "the same form with other values" every time)."""
    if "version" in fields:
        fields["version"] = str(int(fields["version"]) + 1)
    if "submission" in fields:
        fields["submission"] = uuid.uuid4().hex


def drop_other_buttons(fields: dict[str, str]) -> None:
    """An admin change form's fields as its "Save" button submits them: the other submit buttons left out."""
    for other_button in ("_continue", "_addanother", "_saveasnew"):
        fields.pop(other_button, None)


def peer_change_path(site: str, pk: int) -> str:
    return f"/peer/{site}/meetings/meeting/{pk}/change/"


def _reason(error: BaseException) -> str:
    """The innermost cause of a requests error, e.g. "RemoteDisconnected: Remote end closed connection"."""
    while True:
        inner = next((arg for arg in error.args if isinstance(arg, BaseException)), None)
        inner = inner or getattr(error, "reason", None)
        if not isinstance(inner, BaseException):
            return f"{type(error).__name__}: {error}"
        error = inner
