"""The only code in the portal that speaks HTTP to DingTalk.

One `requests.Session` per process keeps connections alive. Every call has explicit (connect, read)
timeouts, sends exactly the documented JSON, and every failure -- a DingTalk error body, a reply that
is not JSON, a refused or dropped connection, a timeout -- becomes a `DingTalkError` carrying the HTTP
status, DingTalk's `code` and `message`, and the request ID. No `requests` exception leaves this module.

The two idempotent calls (the update PUT and the query GET) are retried, at most twice, when a retry can
help: no connection, no answer, DingTalk's `systemError`, or DingTalk's throttling (which asks for about a
second's wait). Everything else is DingTalk's answer and is final. All attempts, waits included, end
within `deadline` seconds, which stays well under gunicorn's worker timeout; inside `shared_deadline()`
(every web request, see admin_portal.middleware) all the calls of the block share one such budget.

The access token travels only in the `x-acs-dingtalk-access-token` header and is never logged.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, urlencode, urlsplit

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

UPDATE_PATH = "/v1.0/conference/scheduleConferences"
QUERY_PATH = "/v1.0/conference/scheduleConferences/{id}/infos"
ACCESS_TOKEN_PATH = "/v1.0/oauth2/accessToken"
CORP_ACCESS_TOKEN_PATH = "/v1.0/oauth2/corpAccessToken"
TOKEN_HEADER = "x-acs-dingtalk-access-token"
REQUEST_ID_HEADER = "x-acs-request-id"
USER_AGENT = "dingtalk-meeting-portal/1.0"
# What an access token may hold to travel in a header: printable ASCII, no spaces, no line breaks.
TOKEN_CHARACTERS = re.compile(r"[!-~]+")
MAX_TOKEN_LENGTH = 2048
MAX_TOKEN_LIFETIME = 30 * 24 * 60 * 60
TITLE_MAX_LENGTH = 50
# The longest title DingTalk keeps (its create API refuses longer ones): Meeting.title's max_length.
STORED_TITLE_MAX_LENGTH = 256
# What a reply's code and request ID are cut to: MeetingChange.dingtalk_code's and .request_id's max_length.
REPLY_ID_MAX_LENGTH = 128
# What a reply's message is cut to: it is shown in a sentence and stored with the audit row.
REPLY_MESSAGE_MAX_LENGTH = 500
# DingTalk never sends us anything big; a huge body is a fault or an attack, not a reply.
MAX_REPLY_BYTES = 1024 * 1024
# An idempotent call is tried at most this often: once, then at most two retries.
MAX_ATTEMPTS = 3
# Seconds before the first retry after a failed connection, a timeout or a systemError; doubled per retry.
RETRY_BASE_DELAY = 0.5
# DingTalk advises throttled callers to wait about a second; doubled per retry like the others.
THROTTLE_DELAY = 1.0
# Each wait is stretched by a random factor up to this, so workers throttled together do not return together.
JITTER = 0.5
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


class Code:
    """DingTalk error codes the portal treats specially (seed page and dingtalk-api.md)."""

    PARAMS_ERROR = "paramsError"
    PERMISSION_ERROR = "permissionError"
    RESOURCE_CANCEL = "resourceCancel"
    SYSTEM_ERROR = "systemError"
    INVALID_AUTHENTICATION = "InvalidAuthentication"
    MISSING_SCOPE = "Forbidden.AccessDenied.AccessTokenPermissionDenied"
    QPS_LIMITS = ("Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "Forbidden.AccessDenied.QpsLimitForApi")
    MONTHLY_QUOTA = "Forbidden.AccessDenied.ApiCountLimitForOrg"
    INVALID_CLIENT = "invalidClientIdOrSecret"


class DingTalkError(Exception):
    """A DingTalk call that did not succeed. `code` is DingTalk's, or empty when it never answered."""

    def __init__(
        self,
        summary: str,
        *,
        status: int | None = None,
        code: str = "",
        message: str = "",
        request_id: str = "",
        required_scopes: tuple[str, ...] = (),
    ):
        super().__init__(summary)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.required_scopes = required_scopes

    @property
    def detail(self) -> str:
        """DingTalk's message without its `error:` / `permissionError:` style prefix."""
        prefix, sep, rest = self.message.partition(":")
        if sep and prefix in {"error", Code.PERMISSION_ERROR, Code.SYSTEM_ERROR}:
            return rest.strip()
        return self.message


class DingTalkAPIError(DingTalkError):
    """DingTalk answered with its JSON error body."""


class DingTalkBadReply(DingTalkError):
    """DingTalk answered, but not with a usable API reply (HTML block page, broken JSON, wrong shape)."""


class DingTalkNotConfirmed(DingTalkError):
    """HTTP 200 without `"success": true`: DingTalk did not confirm the change."""


class DingTalkTimeout(DingTalkError):
    """No answer within the read timeout (or no connection within the connect timeout)."""


class DingTalkConnectionRefused(DingTalkError):
    """The connection could not be made: nothing reached DingTalk."""


class DingTalkConnectionDropped(DingTalkError):
    """The connection broke after the request was sent: DingTalk may or may not have acted."""


@dataclass(frozen=True)
class Conference:
    schedule_conference_id: str
    title: str
    start_ms: int
    end_ms: int
    url: str = ""
    room_code: str = ""


@dataclass(frozen=True)
class AccessToken:
    token: str = field(repr=False)
    expires_in: int


@lru_cache(maxsize=1)
def _session() -> requests.Session:
    """The process's one Session. Calls go straight to its mounted adapter, which keeps the connections."""
    session = requests.Session()
    session.trust_env = False  # the environment is read once per host, by _environment()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


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


def epoch_ms(moment) -> int:
    """An aware datetime as integer UTC epoch milliseconds, as DingTalk's startTime/endTime want it."""
    if moment.tzinfo is None:
        raise ValueError("epoch_ms needs an aware datetime")
    return int(round(moment.timestamp() * 1000))


class DingTalkClient:
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

    # --- conference -----------------------------------------------------------------------------

    def update_schedule_conference(
        self,
        *,
        access_token: str,
        creator_union_id: str,
        schedule_conference_id: str,
        title: str,
        start_ms: int,
        end_ms: int,
    ) -> str:
        """Update a booked meeting. Returns DingTalk's request ID."""
        _require_text(creator_union_id=creator_union_id, schedule_conference_id=schedule_conference_id)
        if not title.strip() or len(title) > TITLE_MAX_LENGTH:
            raise ValueError(f"title must be 1 to {TITLE_MAX_LENGTH} characters")
        for name, value in (("start_ms", start_ms), ("end_ms", end_ms)):
            if type(value) is not int:
                raise ValueError(f"{name} must be an int")
        if end_ms <= start_ms:
            raise ValueError("end_ms must be after start_ms")
        body, request_id = self._call(
            "PUT",
            UPDATE_PATH,
            idempotent=True,
            access_token=access_token,
            json_body={
                "creatorUnionId": creator_union_id,
                "scheduleConferenceId": schedule_conference_id,
                "title": title,
                "startTime": start_ms,
                "endTime": end_ms,
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
            conference = Conference(
                schedule_conference_id=_text(body.get("scheduleConferenceId"), limit=REPLY_ID_MAX_LENGTH)
                or schedule_conference_id,
                title=_typed(body, "title", str),
                start_ms=_typed(body, "startTime", int),
                end_ms=_typed(body, "endTime", int),
                url=_text(body.get("url"), limit=2048),
                room_code=_text(body.get("roomCode"), limit=REPLY_ID_MAX_LENGTH),
            )
        except (KeyError, TypeError) as exc:
            raise DingTalkBadReply(
                f"DingTalk's meeting reply lacks a usable {exc.args[0]}", status=200, request_id=request_id
            ) from None
        # The title is stored as it is: refuse what no column can hold, rather than fail later.
        if not _storable(conference.title) or len(conference.title) > STORED_TITLE_MAX_LENGTH:
            raise DingTalkBadReply("DingTalk's meeting reply has an unusable title", status=200, request_id=request_id)
        return conference

    # --- tokens ---------------------------------------------------------------------------------

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

    # --- transport ------------------------------------------------------------------------------

    def _call(
        self, method, path, *, idempotent=False, access_token=None, json_body=None, params=None
    ) -> tuple[dict, str]:
        """One DingTalk call. Only an idempotent one is retried (see the module docstring).

        The token endpoints are not: DingTalk throttles callers that ask for tokens often, a token is
        fetched once per two hours per organization, and a failed fetch costs only a message -- nothing
        was changed, and the next save asks again.
        """
        headers = {"Accept": "application/json"}
        if access_token is not None:
            if not access_token:
                raise DingTalkAPIError(
                    "No access token", code=Code.INVALID_AUTHENTICATION, message="no access token is set"
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
                raise DingTalkTimeout(f"No time left to call {self._host}")
            try:
                return self._attempt(**request, timeout=self._timeout_within(ends_at - self.clock()))
            except DingTalkError as error:
                delay = retry_delay(error, retry=attempt) if idempotent and attempt < MAX_ATTEMPTS else None
                if delay is None or self.clock() + delay + MIN_ATTEMPT_SECONDS > ends_at:
                    raise
                logger.info(
                    "DingTalk %s %s failed (%s %s); retry %d of %d in %.2f s",
                    method, path, type(error).__name__, error.code or "-", attempt, MAX_ATTEMPTS - 1, delay,
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

    def _attempt(self, *, method, path, params, data, headers, timeout) -> tuple[dict, str]:
        """One HTTP exchange, every failure a DingTalkError.

        Why not `session.request()`: per call it merges settings, re-parses and re-quotes the URL,
        runs hooks and cookie jars -- and with trust_env it reads proxies, netrc and the CA bundle from
        the environment every time. That cost more client CPU per call than the official SDK
        (benchmarks/client_cpu.py). We build the PreparedRequest from parts we already know are clean
        (constant paths, quoted IDs, our own JSON) and hand it to the mounted adapter's send(), with
        the proxies and CA bundle resolved once per host. The adapter is still requests' own
        HTTPAdapter, so its connection pool, timeouts, proxy support and exception mapping stay, and
        tests that fake HTTP with `responses` (which patches HTTPAdapter.send) see every call.
        """
        token = headers.get(TOKEN_HEADER)
        if token is not None and not TOKEN_CHARACTERS.fullmatch(token):
            # A pasted token with a line break must never reach the wire; DingTalk would refuse it anyway.
            raise DingTalkAPIError(
                "Unusable access token",
                code=Code.INVALID_AUTHENTICATION,
                message="the access token has characters an HTTP header cannot carry",
            )
        adapter, proxies, verify = _environment(self.base_url)
        request = requests.PreparedRequest()
        request.method = method
        request.url = self.base_url + path + ("?" + urlencode(params) if params else "")
        request.headers = requests.structures.CaseInsensitiveDict(headers)
        request.headers["User-Agent"] = USER_AGENT
        if data is not None:
            request.headers["Content-Length"] = str(len(data))
        request.body = data
        try:
            response = adapter.send(request, timeout=timeout, verify=verify, proxies=proxies)
            content = response.content[: MAX_REPLY_BYTES + 1]
        except requests.Timeout:
            seconds = round(sum(timeout), 2)
            raise DingTalkTimeout(f"No answer from {self._host} within {seconds} s") from None
        except requests.ConnectionError as exc:
            if _was_sent(exc):
                raise DingTalkConnectionDropped(f"The connection to {self._host} broke") from None
            raise DingTalkConnectionRefused(f"Could not connect to {self._host}") from None
        except requests.RequestException as exc:
            raise DingTalkConnectionRefused(f"Could not call {self._host}: {type(exc).__name__}") from None
        return self._parse(method, path, response, content)

    @property
    def _host(self) -> str:
        return urlsplit(self.base_url).netloc

    def _parse(self, method, path, response, content) -> tuple[dict, str]:
        status = response.status_code
        header_request_id = _text(response.headers.get(REQUEST_ID_HEADER), limit=REPLY_ID_MAX_LENGTH)
        try:
            body = json.loads(content) if len(content) <= MAX_REPLY_BYTES else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            logger.warning(
                "DingTalk %s %s: HTTP %s, not a JSON object (request id %s): %r",
                method, path, status, header_request_id or "-", content[:300],
            )
            raise DingTalkBadReply(
                f"DingTalk replied HTTP {status} with a body that is not a JSON object",
                status=status,
                request_id=header_request_id,
            )
        request_id = (
            _text(body.get("requestid"), limit=REPLY_ID_MAX_LENGTH)
            or _text(body.get("requestId"), limit=REPLY_ID_MAX_LENGTH)
            or header_request_id
        )
        if 200 <= status < 300:
            return body, request_id
        code = _text(body.get("code"), limit=REPLY_ID_MAX_LENGTH)
        message = _text(body.get("message"), limit=REPLY_MESSAGE_MAX_LENGTH)
        scopes = ()
        detail = body.get("accessdenieddetail")
        if isinstance(detail, dict) and isinstance(detail.get("requiredScopes"), list):
            required = (_text(scope, limit=REPLY_ID_MAX_LENGTH) for scope in detail["requiredScopes"][:10])
            scopes = tuple(scope for scope in required if scope)
        logger.warning(
            "DingTalk %s %s: HTTP %s code=%s request_id=%s message=%r",
            method, path, status, code or "-", request_id or "-", message[:300],
        )
        raise DingTalkAPIError(
            f"DingTalk replied HTTP {status} {code}",
            status=status,
            code=code,
            message=message,
            request_id=request_id,
            required_scopes=scopes,
        )


def retry_delay(error: DingTalkError, *, retry: int) -> float | None:
    """Seconds to wait before retry number `retry` (1 or 2) of an idempotent call, or None: do not retry.

    Retried: nothing came back (refused, dropped, timed out), DingTalk's own `systemError`, and its
    throttling. Never: a JSON answer that is DingTalk's decision (paramsError, permissionError,
    resourceCancel, a missing scope, InvalidAuthentication, the monthly quota, unknown codes), and never a
    reply that is not JSON -- that is DingTalk's block page, and hammering it extends the block.
    """
    if isinstance(error, DingTalkTimeout | DingTalkConnectionRefused | DingTalkConnectionDropped):
        base = RETRY_BASE_DELAY
    elif isinstance(error, DingTalkAPIError) and error.code == Code.SYSTEM_ERROR:
        base = RETRY_BASE_DELAY
    elif isinstance(error, DingTalkAPIError) and error.code in Code.QPS_LIMITS:
        base = THROTTLE_DELAY
    else:
        return None
    return base * 2 ** (retry - 1) * (1 + random.uniform(0, JITTER))


def _require_text(**values: str) -> None:
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a non-empty string")


def _text(value, *, limit: int) -> str:
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


def _was_sent(exc: requests.ConnectionError) -> bool:
    """True when the request went out and the connection broke before a reply (vs. never connected)."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    text = repr(reason)
    return not any(
        marker in text for marker in ("NewConnectionError", "ConnectionRefused", "NameResolution", "getaddrinfo")
    )
