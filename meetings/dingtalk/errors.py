"""DingTalk's error codes the portal acts on, the one exception family every failed call raises, which
member a failure of the HTTP exchange becomes, and which of them a retry can fix."""

from __future__ import annotations

import random
import ssl

import requests
import urllib3

# Seconds before the first retry after a failed connection, a timeout or a systemError; doubled per retry.
RETRY_BASE_DELAY = 0.5
# DingTalk advises throttled callers to wait about a second; doubled per retry like the others.
THROTTLE_DELAY = 1.0
# Each wait is stretched by a random factor up to this, so workers throttled together do not return together.
JITTER = 0.5


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
    """A DingTalk call that did not succeed. `code` is DingTalk's, or empty when it never answered.

    `sent` says whether the request left the portal (False: refused before connecting, no time left,
    no token to send). Pass it where the subclass alone does not decide it.
    """

    sent = True

    def __init__(
        self,
        summary: str,
        *,
        status: int | None = None,
        code: str = "",
        message: str = "",
        request_id: str = "",
        required_scopes: tuple[str, ...] = (),
        sent: bool | None = None,
    ):
        super().__init__(summary)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.required_scopes = required_scopes
        if sent is not None:
            self.sent = sent

    @property
    def may_have_been_applied(self) -> bool:
        """True when DingTalk may have acted on the call: it was sent, and no refusal came back.

        A timeout, a connection that broke after the request was written, a reply cut short, one that
        does not parse, a 5xx: all may hide a change DingTalk made. Only a call never sent, or one
        DingTalk refused with its 4xx error body, certainly changed nothing.
        """
        return self.sent

    @property
    def detail(self) -> str:
        """DingTalk's message without its `error:` / `permissionError:` style prefix."""
        prefix, sep, rest = self.message.partition(":")
        if sep and prefix in {"error", Code.PERMISSION_ERROR, Code.SYSTEM_ERROR}:
            return rest.strip()
        return self.message


class DingTalkAPIError(DingTalkError):
    """DingTalk answered with its JSON error body."""

    @property
    def may_have_been_applied(self) -> bool:
        # DingTalk's 4xx refusals are decisions taken before acting; a 5xx (its `systemError` too: the seed
        # page documents it only as a DingTalk-side failure) may come after it acted.
        return self.sent and (self.status is None or self.status >= 500)


class DingTalkBadReply(DingTalkError):
    """DingTalk answered, but not with a usable API reply (HTML block page, broken JSON, wrong shape)."""


class DingTalkUnusableValues(DingTalkBadReply):
    """DingTalk answered in the expected shape, but with values the portal cannot store, show or edit
    (a title no column holds, times no calendar or time zone can show, another meeting's ID)."""


class DingTalkUnnamedBooking(DingTalkBadReply):
    """DingTalk answered a create without an ID the portal can keep: it booked a meeting the portal cannot
    name. `meeting_number` is the meeting number it gave, when usable ("" otherwise), to look the meeting up by."""

    def __init__(self, summary: str, *, meeting_number: str = "", **kwargs):
        super().__init__(summary, **kwargs)
        self.meeting_number = meeting_number


class DingTalkNotConfirmed(DingTalkError):
    """HTTP 200 without `"success": true`: DingTalk did not confirm the change."""


class DingTalkTimeout(DingTalkError):
    """No answer within the read timeout (sent), or no connection within the connect timeout (not sent)."""


class DingTalkConnectionRefused(DingTalkError):
    """The connection could not be made (refused, DNS, TLS handshake, proxy): nothing reached DingTalk."""

    sent = False


class DingTalkConnectionDropped(DingTalkError):
    """The connection broke after the request was sent, or the reply was cut short or undecodable:
    DingTalk may or may not have acted."""


def failure(exc: requests.RequestException, *, host: str, timeout: tuple[float, float]) -> DingTalkError:
    """The DingTalkError for a failed HTTP exchange, sorted by whether the request may have reached DingTalk.

    Nothing was sent when no connection was made: refused, DNS failure, TLS handshake, connect timeout.
    Once the request was written, a read timeout, a connection reset or closed mid-reply, a reply cut
    short (ChunkedEncodingError, IncompleteRead) or undecodable (ContentDecodingError) may hide a change.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return DingTalkTimeout(f"No connection to {host} within {round(timeout[0], 2)} s", sent=False)
    if isinstance(exc, requests.Timeout):
        return DingTalkTimeout(f"No answer from {host} within {round(sum(timeout), 2)} s")
    if isinstance(exc, requests.ConnectionError) and _never_connected(exc):
        return DingTalkConnectionRefused(f"Could not connect to {host}")
    if isinstance(
        exc,
        requests.ConnectionError | requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError,
    ):
        return DingTalkConnectionDropped(f"The connection to {host} broke ({type(exc).__name__})")
    # Refused by requests itself before anything went out (an unusable URL or header).
    return DingTalkConnectionRefused(f"Could not call {host}: {type(exc).__name__}")


def _never_connected(error: requests.ConnectionError) -> bool:
    """True when no connection to DingTalk was made: refused, DNS failure, the proxy unreachable, the TLS
    handshake failed. requests wraps urllib3's MaxRetryError, whose `reason` is the failure; a connection
    that dies after the request went out is urllib3's ProtocolError (RemoteDisconnected, a reset) instead.
    """
    reason = error.args[0] if error.args else None
    if not isinstance(reason, urllib3.exceptions.MaxRetryError):
        return False  # a ProtocolError after sending, or a failure while reading the reply's body
    reason = reason.reason
    if isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ProxyError):
        return True  # NameResolutionError is a NewConnectionError
    if isinstance(reason, urllib3.exceptions.SSLError):
        # A TLS error is the handshake's, except an abrupt end of the TLS stream, which can come mid-reply.
        cause = reason.args[0] if reason.args else None
        return not isinstance(cause, ssl.SSLEOFError | ssl.SSLZeroReturnError)
    return False


def retry_delay(error: DingTalkError, *, retry: int, changes: bool = False) -> float | None:
    """Seconds to wait before retry number `retry` (1 or 2) of an idempotent call, or None: do not retry.

    A call that `changes` something (the update PUT) is retried only when DingTalk certainly did not act
    on it (`may_have_been_applied` is False): after a read timeout or a dropped reply the first try may
    still arrive, and a retry could only add a second copy that lands even later -- after someone else's
    save, overwriting it. Its outcome is unknown at once and checked by reading DingTalk later.

    Retried: nothing came back (refused, dropped, timed out), DingTalk's own `systemError`, and its
    throttling. Never: a JSON answer that is DingTalk's decision (paramsError, permissionError,
    resourceCancel, a missing scope, InvalidAuthentication, the monthly quota, unknown codes), and never a
    reply that is not JSON -- that is DingTalk's block page, and hammering it extends the block.
    """
    # A systemError is an answer: that try is over and cannot land later, so trying again under the
    # save's lease only repeats the same values. What it leaves behind, if it was the last, is unknown.
    answered = isinstance(error, DingTalkAPIError) and error.code == Code.SYSTEM_ERROR
    if changes and error.may_have_been_applied and not answered:
        return None
    if isinstance(error, DingTalkTimeout | DingTalkConnectionRefused | DingTalkConnectionDropped):
        base = RETRY_BASE_DELAY
    elif isinstance(error, DingTalkAPIError) and error.code == Code.SYSTEM_ERROR:
        base = RETRY_BASE_DELAY
    elif isinstance(error, DingTalkAPIError) and error.code in Code.QPS_LIMITS:
        base = THROTTLE_DELAY
    else:
        return None
    return base * 2 ** (retry - 1) * (1 + random.uniform(0, JITTER))
