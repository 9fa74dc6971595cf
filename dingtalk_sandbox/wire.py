"""The request and reply values passed between the HTTP server and the endpoint handlers.

Handlers are plain functions from `Request` to `Reply`, so they know nothing about sockets; the
server alone turns a `Reply` into bytes (in one write, see `server.py`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any


def new_request_id() -> str:
    """DingTalk-looking request id (upper-case UUID), unique per request."""
    return str(uuid.uuid4()).upper()


@dataclass(frozen=True)
class Request:
    """One received HTTP request, already read off the socket."""

    method: str
    path: str  # as sent (still percent-encoded), without the query string
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    request_id: str

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ("" when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))


@dataclass(frozen=True)
class Reply:
    """What to send back. `drop` closes the connection without any reply at all; `trickle_seconds` sends
    the head at once, then the body a byte at a time this far apart, padded with spaces to the
    TRICKLE_DECLARED_BYTES its Content-Length says, until the client hangs up (a hostile gateway)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    drop: bool = False
    trickle_seconds: float | None = None


def json_reply(status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Reply(status, body, "application/json", headers)


def error_reply(status: int, code: str, message: str, request_id: str, **extra: Any) -> Reply:
    """DingTalk's error body. Note the lower-case `requestid`, unlike success bodies' `requestId`."""
    return json_reply(status, {"code": code, "message": message, "requestid": request_id, **extra})


def html_reply(status: int, page: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, page.encode("utf-8"), "text/html; charset=utf-8", headers)


def redirect(location: str) -> Reply:
    """303 See Other: after a form post the browser GETs the page again."""
    return Reply(303, b"", "text/plain; charset=utf-8", (("Location", location),))
