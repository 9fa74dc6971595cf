"""How the client talks HTTP: one connection pool, explicit (connect, read) timeouts, retries, one deadline.

Every failure -- a DingTalk error body, a reply that is not JSON, a refused or dropped connection, a
timeout -- becomes a `DingTalkError` with the HTTP status, DingTalk's `code` and `message`, the request
ID, and whether the request was `sent`. No `requests` exception leaves this module. Idempotent calls
are retried (see errors.retry_delay); all attempts, waits included, end within `deadline` seconds, and inside
`shared_deadline()` (every web request, see admin_portal.middleware) all calls share one such budget.
The deadline bounds the whole exchange, the reply's headers and body included: the connect and read
timeouts bound one socket read each, so a reply that trickles a byte at a time would outlive them, and a
watchdog closes the connection of a call whose deadline has passed (`_Watchdog`). A body is read at most
MAX_REPLY_BYTES far and never inflated: a compressed or bigger one is refused and its connection closed.
The access token travels only in the `x-acs-dingtalk-access-token` header and is never logged.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
import json
import logging
import os
import re
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import NamedTuple, NoReturn
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from django.conf import settings

from . import pacing
from .errors import (
    Code,
    DingTalkAPIError,
    DingTalkBadReply,
    DingTalkError,
    DingTalkTimeout,
    failure,
    retry_delay,
)

logger = logging.getLogger("meetings.dingtalk")

TOKEN_HEADER = "x-acs-dingtalk-access-token"
REQUEST_ID_HEADER = "x-acs-request-id"
USER_AGENT = "dingtalk-meeting-portal/1.0"
# What an access token may hold to travel in a header: printable ASCII, no spaces, no line breaks.
TOKEN_CHARACTERS = re.compile(r"[!-~]+")
# What a reply's code and request ID are cut to: MeetingChange.dingtalk_code's and .request_id's max_length.
REPLY_ID_MAX_LENGTH = 128
# What a reply's message is cut to: it is shown in a sentence and stored with the audit row.
REPLY_MESSAGE_MAX_LENGTH = 500
# DingTalk never sends us anything big; a huge body is a fault or an attack, not a reply.
MAX_REPLY_BYTES = 1024 * 1024
# A reply's body is read at most this much at a time (what one read of the socket brings, up to this).
READ_CHUNK_BYTES = 64 * 1024
# The portal asks for the body as it is (Accept-Encoding: identity): a compressed one could inflate a
# small reply into gigabytes before the cap could see it, so it is refused unread.
UNCOMPRESSED = ("", "identity")
# An idempotent call is tried at most this often: once, then at most two retries.
MAX_ATTEMPTS = 3
# A retry that would have less than this many seconds before the deadline is not started.
MIN_ATTEMPT_SECONDS = 1.0


# When (time.monotonic) the DingTalk calls of the current block must all have ended; None outside one.
_shared_ends_at: contextvars.ContextVar[float | None] = contextvars.ContextVar("dingtalk_shared_ends_at", default=None)


@contextlib.contextmanager
def shared_deadline(seconds: float) -> Iterator[None]:
    """Every DingTalk call inside the block -- reads, token requests, updates, their retries -- ends within
    `seconds` from now, together. A save makes several calls; one budget for all keeps the request under
    gunicorn's worker timeout however they add up. A nested block never extends the outer one.
    """
    ends_at = time.monotonic() + seconds
    outer = _shared_ends_at.get()
    token = _shared_ends_at.set(ends_at if outer is None else min(outer, ends_at))
    try:
        yield
    finally:
        _shared_ends_at.reset(token)


@lru_cache(maxsize=1)
def _session() -> requests.Session:
    """The process's one Session. Calls go straight to its mounted adapter, which keeps the connections."""
    session = requests.Session()
    session.trust_env = False  # the environment is read once per host, by _environment()
    adapter = _WatchedAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class _Watch:
    """One attempt's wall-clock bound: the connection it is using, and whether the watchdog cut it."""

    __slots__ = ("connection", "done", "ends_at", "fired", "lock", "sock")

    def __init__(self, ends_at: float):
        self.ends_at = ends_at  # time.monotonic()
        self.connection = self.sock = None
        self.done = self.fired = False
        self.lock = threading.Lock()

    def attach(self, connection, sock=None) -> None:
        """The connection the attempt uses, and its socket once there is one. The socket is kept: a reply
        that closes the connection after it (`Connection: close`) leaves the connection without it while
        the body is still being read from it."""
        with self.lock:
            self.connection = connection
            self.sock = sock or getattr(connection, "sock", None) or self.sock

    def detach(self, connection) -> None:
        """The connection goes back to the pool, for another call: it is no longer ours to cut."""
        with self.lock:
            if self.connection is connection:
                self.connection = self.sock = None

    def end(self) -> None:
        with self.lock:
            self.done, self.connection, self.sock = True, None, None

    def cut(self) -> bool:
        """Shut the attempt's socket down, so whatever read waits on it ends now; False: not connected yet."""
        with self.lock:
            if self.done:
                return True
            self.fired = True
            sock = self.sock or getattr(self.connection, "sock", None)
            if sock is None:
                return False
            with contextlib.suppress(OSError):
                # socket.socket's, also for a TLS socket: it only ends the reads, another thread may be in one.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            return True


class _Watchdog:
    """One thread per process that cuts the connection of every attempt whose deadline has passed.

    A thread, not a timeout: a socket timeout restarts with every byte, so a reply trickling a byte a
    second never times out. Registering costs a heap push; the thread sleeps until the earliest deadline.
    """

    # While an attempt is still connecting (its socket not made yet), it is looked at again this much later.
    RECHECK_SECONDS = 0.05

    def __init__(self):
        self._due: list[tuple[float, int, _Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._pid = None

    def watch(self, ends_at: float) -> _Watch:
        watch = _Watch(ends_at)
        with self._wake:
            if self._pid != os.getpid():  # first use in this process (gunicorn forks after imports)
                self._pid, self._due = os.getpid(), []
                threading.Thread(target=self._run, name="dingtalk-deadline", daemon=True).start()
            heapq.heappush(self._due, (ends_at, next(self._order), watch))
            if self._due[0][2] is watch:
                self._wake.notify()
        return watch

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._due and self._due[0][2].done:
                    heapq.heappop(self._due)
                if not self._due:
                    self._wake.wait()
                    continue
                ends_at, _, watch = self._due[0]
                if ends_at > time.monotonic():
                    self._wake.wait(ends_at - time.monotonic())
                    continue
                heapq.heappop(self._due)
                if not watch.cut():
                    recheck = time.monotonic() + self.RECHECK_SECONDS
                    heapq.heappush(self._due, (recheck, next(self._order), watch))


_watchdog = _Watchdog()
# The attempt the current thread is making, for the connection pool to tell it which connection it uses.
_current_watch: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar("dingtalk_watch", default=None)


class _WatchedPool:
    """Tells the current attempt's watch which connection carries it, and when that goes back to the pool."""

    def _make_request(self, conn, *args, **kwargs):
        watch = _current_watch.get()
        if watch is not None:
            watch.attach(conn)
        return super()._make_request(conn, *args, **kwargs)

    def _put_conn(self, conn):
        watch = _current_watch.get()
        if watch is not None:
            watch.detach(conn)
        super()._put_conn(conn)


class _WatchedConnection:
    """Tells the current attempt's watch the socket it has just connected."""

    def connect(self):
        super().connect()
        watch = _current_watch.get()
        if watch is not None:
            watch.attach(self, self.sock)


class _WatchedHTTPConnection(_WatchedConnection, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPPool(_WatchedPool, urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(_WatchedPool, urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose pools (direct and through an HTTP proxy) report their connections to the watchdog."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.ProxyManager):  # a SOCKS proxy keeps its own pools: timeouts only
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


class _Route(NamedTuple):
    adapter: requests.adapters.BaseAdapter
    proxies: dict[str, str]
    verify: str | bool


@lru_cache(maxsize=32)
def _environment(base_url: str) -> _Route:
    """How to reach a host, read from the environment once per process: the adapter, the proxies
    (HTTPS_PROXY and friends, honouring NO_PROXY -- offices reach DingTalk through proxies) and the CA
    bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE), as requests itself would find them on every call.
    """
    proxies = requests.utils.get_environ_proxies(base_url)
    verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return _Route(_session().get_adapter(base_url), proxies, verify)


class Transport:
    """The HTTP half of the client: `_call()` makes one DingTalk call, retried and within the deadline."""

    # Injectable per instance (or on the class, as tests do) so tests neither sleep nor wait for the clock.
    sleep: Callable[[float], None] = staticmethod(time.sleep)
    clock: Callable[[], float] = staticmethod(time.monotonic)

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float] | None = None,
        deadline: float | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout or (settings.DINGTALK_CONNECT_TIMEOUT, settings.DINGTALK_READ_TIMEOUT)
        # Seconds one call may take in all, retries and waits included.
        self.deadline = settings.DINGTALK_DEADLINE if deadline is None else deadline
        if sleep is not None:
            self.sleep = sleep
        if clock is not None:
            self.clock = clock

    def _call(
        self,
        method,
        path,
        *,
        idempotent=False,
        changes=False,
        access_token=None,
        json_body=None,
        params=None,
        api=None,
    ) -> tuple[dict, str]:
        """One DingTalk call: its JSON object and request ID. Only an idempotent one is retried, and one
        that `changes` something only while DingTalk certainly did not act on it (errors.retry_delay).

        The token endpoints are not: DingTalk throttles callers that ask for tokens often, a token is
        fetched once per two hours per organization, and a failed fetch costs only a message -- nothing
        was changed, and the next save asks again.
        """
        headers = {"Accept": "application/json"}
        if access_token is not None:
            if not access_token:
                raise DingTalkAPIError(
                    "No access token", code=Code.INVALID_AUTHENTICATION, message="no access token is set", sent=False
                )
            headers[TOKEN_HEADER] = access_token
        data = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(json_body, ensure_ascii=False).encode()
        request = {"method": method, "path": path, "params": params, "data": data, "headers": headers}

        ends_at = self.clock() + self.deadline
        shared_ends_at = _shared_ends_at.get()
        if shared_ends_at is not None:
            ends_at = min(ends_at, self.clock() + shared_ends_at - time.monotonic())
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if ends_at <= self.clock():
                # The request's time is spent: nothing is sent, the caller says what a timeout says.
                raise DingTalkTimeout(f"No time left to call {self._host}", sent=False)
            pacing.wait_for_turn(api or f"{method} {path}")  # a bulk job's turn for this API; else no wait
            if ends_at <= self.clock():
                raise DingTalkTimeout(f"No time left to call {self._host} after waiting for its turn", sent=False)
            try:
                remaining = ends_at - self.clock()
                return self._attempt(**request, timeout=self._timeout_within(remaining), remaining=remaining)
            except DingTalkError as error:
                retry = idempotent and attempt < MAX_ATTEMPTS
                delay = retry_delay(error, retry=attempt, changes=changes) if retry else None
                if delay is None or self.clock() + delay + MIN_ATTEMPT_SECONDS > ends_at:
                    raise
                logger.info(
                    "DingTalk %s %s failed (%s %s); retry %d of %d in %.2f s",
                    method,
                    path,
                    type(error).__name__,
                    error.code or "-",
                    attempt,
                    MAX_ATTEMPTS - 1,
                    delay,
                )
                self.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _timeout_within(self, remaining: float) -> tuple[float, float]:
        """The (connect, read) timeouts, shrunk in proportion when they would outlast the deadline."""
        connect, read = self.timeout
        if connect + read <= remaining:
            return self.timeout
        scale = max(remaining, 0.001) / (connect + read)
        return connect * scale, read * scale

    def _attempt(self, *, method, path, params, data, headers, timeout, remaining) -> tuple[dict, str]:
        """One HTTP exchange, every failure a DingTalkError.

        Not `session.request()`: per call it merges settings, re-quotes the URL, runs hooks and cookie
        jars and re-reads the environment, which cost more client CPU than the official SDK
        (benchmarks/client_cpu.py). The PreparedRequest is built from parts known to be clean and handed
        to requests' own HTTPAdapter (its pool, timeouts, proxies and exception mapping; `responses`
        patches its send(), so tests see every call), with proxies and CA bundle resolved once per host.
        The exchange, body included, ends within `remaining` seconds (the watchdog), and the body is read
        as it comes, against the cap (_read_body).
        """
        token = headers.get(TOKEN_HEADER)
        if token is not None and not TOKEN_CHARACTERS.fullmatch(token):
            # A pasted token with a line break must never reach the wire; DingTalk would refuse it anyway.
            raise DingTalkAPIError(
                "Unusable access token",
                code=Code.INVALID_AUTHENTICATION,
                message="the access token has characters an HTTP header cannot carry",
                sent=False,
            )
        adapter, proxies, verify = _environment(self.base_url)
        request = requests.PreparedRequest()
        request.method = method
        request.url = self.base_url + path + ("?" + urlencode(params) if params else "")
        request.headers = requests.structures.CaseInsensitiveDict(headers)
        request.headers["User-Agent"] = USER_AGENT
        request.headers["Accept-Encoding"] = "identity"
        if data is not None:
            request.headers["Content-Length"] = str(len(data))
        request.body = data
        watch = _watchdog.watch(time.monotonic() + remaining)
        watching = _current_watch.set(watch)
        try:
            response = adapter.send(request, stream=True, timeout=timeout, verify=verify, proxies=proxies)
            content = self._read_body(response, watch)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            error = failure(_as_requests_error(exc), host=self._host, timeout=timeout)
            if watch.fired and error.sent:  # the watchdog cut it (a connect that failed first sent nothing)
                error = self._too_late(remaining)
            raise error from None
        finally:
            _current_watch.reset(watching)
            watch.end()
        return self._parse(method, path, response, content)

    def _read_body(self, response: requests.Response, watch: _Watch) -> bytes:
        """The reply's body as sent, read as it comes: at most MAX_REPLY_BYTES (and one read more) are
        ever held. A compressed body, or one that says or turns out to be bigger, is refused unread and its
        connection closed; one still coming when the watchdog cut it is a timeout (the caller says so)."""
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        length = response.headers.get("Content-Length", "").strip()
        if encoding not in UNCOMPRESSED:
            self._refuse(response, f"a compressed body ({reply_text(encoding, limit=40)})")
        if length.isdigit() and int(length) > MAX_REPLY_BYTES:
            self._refuse(response, f"a body of {int(length)} bytes")
        body = bytearray()
        while chunk := response.raw.read1(min(READ_CHUNK_BYTES, MAX_REPLY_BYTES + 1 - len(body)), decode_content=False):
            body += chunk
            if len(body) > MAX_REPLY_BYTES:
                self._refuse(response, f"a body over {MAX_REPLY_BYTES} bytes")
        response.close()  # releases a fully read connection to the pool; closes any other
        if watch.fired:  # a body cut off at the deadline may look whole (no Content-Length): it is not
            raise urllib3.exceptions.ReadTimeoutError(None, response.url, "the deadline passed")
        return bytes(body)

    def _refuse(self, response: requests.Response, what: str) -> NoReturn:
        response.close()  # closes the connection: the rest of the body is never read
        logger.warning("DingTalk %s: HTTP %s with %s, refused unread", self._host, response.status_code, what)
        raise DingTalkBadReply(
            f"DingTalk replied HTTP {response.status_code} with {what}, refused unread",
            status=response.status_code,
            request_id=reply_text(response.headers.get(REQUEST_ID_HEADER), limit=REPLY_ID_MAX_LENGTH),
        )

    def _too_late(self, remaining: float) -> DingTalkTimeout:
        return DingTalkTimeout(f"No complete answer from {self._host} within {round(remaining, 2)} s")

    @property
    def _host(self) -> str:
        return urlsplit(self.base_url).netloc

    def _parse(self, method, path, response, content) -> tuple[dict, str]:
        status = response.status_code
        header_request_id = reply_text(response.headers.get(REQUEST_ID_HEADER), limit=REPLY_ID_MAX_LENGTH)
        try:
            body = json.loads(content) if len(content) <= MAX_REPLY_BYTES else None
        except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python's stack
            body = None
        if not isinstance(body, dict):
            logger.warning(
                "DingTalk %s %s: HTTP %s, not a JSON object (request id %s): %r",
                method,
                path,
                status,
                header_request_id or "-",
                content[:300],
            )
            raise DingTalkBadReply(
                f"DingTalk replied HTTP {status} with a body that is not a JSON object",
                status=status,
                request_id=header_request_id,
            )
        request_id = (
            reply_text(body.get("requestid"), limit=REPLY_ID_MAX_LENGTH)
            or reply_text(body.get("requestId"), limit=REPLY_ID_MAX_LENGTH)
            or header_request_id
        )
        if 200 <= status < 300:
            return body, request_id
        code = reply_text(body.get("code"), limit=REPLY_ID_MAX_LENGTH)
        message = reply_text(body.get("message"), limit=REPLY_MESSAGE_MAX_LENGTH)
        scopes = ()
        detail = body.get("accessdenieddetail")
        if isinstance(detail, dict) and isinstance(detail.get("requiredScopes"), list):
            required = (reply_text(scope, limit=REPLY_ID_MAX_LENGTH) for scope in detail["requiredScopes"][:10])
            scopes = tuple(scope for scope in required if scope)
        logger.warning(
            "DingTalk %s %s: HTTP %s code=%s request_id=%s message=%r",
            method,
            path,
            status,
            code or "-",
            request_id or "-",
            message[:300],
        )
        raise DingTalkAPIError(
            f"DingTalk replied HTTP {status} {code}",
            status=status,
            code=code,
            message=message,
            request_id=request_id,
            required_scopes=scopes,
        )


def _as_requests_error(exc: Exception) -> requests.RequestException:
    """A failure while reading a body, as requests' iter_content would have raised it (errors.failure sorts those)."""
    if isinstance(exc, requests.RequestException):
        return exc
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return requests.ReadTimeout(exc)
    if isinstance(exc, urllib3.exceptions.DecodeError):
        return requests.exceptions.ContentDecodingError(exc)
    return requests.exceptions.ChunkedEncodingError(exc)  # cut short, reset, broken TLS: may have been applied


def reply_text(value, *, limit: int) -> str:
    """A reply's string (or number) as text fit to show, log and store; anything else is "".

    Replies can be broken or hostile. Control characters become spaces (PostgreSQL refuses NUL), lone
    surrogates go (nothing can encode them), and the text is cut to `limit`.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    text = "".join(
        " " if category == "Cc" else character
        for character in str(value)
        if (category := unicodedata.category(character)) != "Cs"
    )
    return text.strip()[:limit]
