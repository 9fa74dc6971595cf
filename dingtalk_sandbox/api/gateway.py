"""The way in: route a call, apply the rate limit and any armed fault, check the token and its scope,
hand the call to its API's handler, and log what was received and how it was answered."""

from __future__ import annotations

import dataclasses
import gzip
import re
import time
from collections.abc import Callable
from typing import Any

from ..records import OVERSIZED_BYTES, READ_SCOPE, RESHAPING_FAULTS, WRITE_SCOPE, Fault
from ..state import SandboxState
from ..wire import Reply, Request, html_reply, json_reply
from . import meetings, room_codes, scheduling, signin, tokens
from .errors import (
    ApiError,
    invalid_authentication,
    missing_scope,
    params_error,
    permission_error,
    qps_limit,
    resource_cancel,
    system_error,
)

TOKEN_HEADER = "x-acs-dingtalk-access-token"
FAULT_DETAIL = "sandbox injected fault"

_CONFERENCES = r"/v1\.0/conference/scheduleConferences"
ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"/v1\.0/oauth2/accessToken"), "token"),
    ("POST", re.compile(r"/v1\.0/oauth2/corpAccessToken"), "corp_token"),
    ("POST", re.compile(_CONFERENCES), "create"),
    ("PUT", re.compile(_CONFERENCES), "update"),
    ("POST", re.compile(_CONFERENCES + r"/cancel"), "cancel"),
    ("GET", re.compile(_CONFERENCES + r"/(?P<id>[^/]+)/infos"), "query"),
    ("GET", re.compile(_CONFERENCES + r"/settings"), "settings_query"),
    ("PUT", re.compile(_CONFERENCES + r"/settings"), "settings_update"),
    ("GET", re.compile(r"/v1\.0/conference/roomCodes/(?P<room_code>[^/]+)/infos"), "room_code"),
    ("POST", re.compile(r"/v1\.0/oauth2/userAccessToken"), "user_token"),
    ("GET", re.compile(r"/v1\.0/contact/users/me"), "users_me"),
)
REQUIRED_SCOPE: dict[str, str] = {
    "create": WRITE_SCOPE,
    "update": WRITE_SCOPE,
    "cancel": WRITE_SCOPE,
    "query": READ_SCOPE,
    "settings_query": READ_SCOPE,
    "settings_update": WRITE_SCOPE,
    "room_code": READ_SCOPE,
}

# Each api name answered by its family's module (tokens, meetings, scheduling, room_codes).
Handler = Callable[[SandboxState, Request, dict[str, str]], Reply]
HANDLERS: dict[str, Handler] = {
    "token": tokens.access_token,
    "corp_token": tokens.corp_access_token,
    "query": meetings.query,
    "room_code": room_codes.room_code_lookup,
    "create": scheduling.create,
    "update": meetings.update,
    "cancel": scheduling.cancel,
    "settings_query": scheduling.settings_query,
    "settings_update": scheduling.settings_update,
    "user_token": signin.user_access_token,
    "users_me": signin.users_me,
}

# What DingTalk's anti-abuse layer answers instead of JSON.
BLOCKED_PAGE = """<!DOCTYPE html>
<html><head><title>Access denied</title></head>
<body><h1>Access denied</h1><p>Too many requests from your IP. Try again later.</p></body></html>
"""


def route(method: str, path: str) -> tuple[str | None, dict[str, str]]:
    """The api name for this method and path (None if there is none) and its path parameters."""
    for route_method, pattern, api in ROUTES:
        match = pattern.fullmatch(path)
        if match and route_method == method:
            return api, match.groupdict()
    return None, {}


def handle_api(state: SandboxState, request: Request) -> Reply:
    """Answer one DingTalk call, logging what was received and how it was answered."""
    api, params = route(request.method, request.path)
    entry = _log_entry(request, api, state.now())
    state.record_request(entry)
    # The gateway counts a call as it arrives, before the service takes its time to answer: counted after
    # the latency, a late wake of this thread would move the call into the next calls' second.
    admitted = api is None or state.admit(api)
    if state.latency_ms:
        time.sleep(state.latency_ms / 1000)
    reply, fault = _answer(state, request, api, params, admitted=admitted)
    state.finish_request(entry, status=None if reply.drop else reply.status, fault=fault)
    return reply


def _answer(
    state: SandboxState, request: Request, api: str | None, params: dict[str, str], *, admitted: bool
) -> tuple[Reply, str | None]:
    if api is None:
        error = ApiError(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
        return error.reply(request.request_id), None
    if not admitted:
        return qps_limit().reply(request.request_id), None
    fault = state.take_fault(api)
    if fault is not None and fault.fault not in RESHAPING_FAULTS:
        return fault_reply(fault, api, request.request_id), fault.fault
    if fault is not None and fault.fault == "slow":
        time.sleep(fault.seconds or 0)
    try:
        if api in REQUIRED_SCOPE:
            _authorize(state, request, REQUIRED_SCOPE[api])
        reply = HANDLERS[api](state, request, params)
    except ApiError as error:
        reply = error.reply(request.request_id)
    if fault is None:
        return reply, None
    return reshaped(reply, fault), fault.fault


def reshaped(reply: Reply, fault: Fault) -> Reply:
    """The call's own reply (the call was handled: DingTalk acted) as a hostile gateway hands it back."""
    match fault.fault:
        case "trickle":
            return dataclasses.replace(reply, trickle_seconds=fault.seconds)
        case "gzip":
            return dataclasses.replace(
                reply, body=gzip.compress(reply.body), headers=(*reply.headers, ("Content-Encoding", "gzip"))
            )
        case "oversized":  # still valid JSON: whitespace may follow the value
            return dataclasses.replace(reply, body=reply.body.ljust(OVERSIZED_BYTES))
        case _:
            return reply


def _authorize(state: SandboxState, request: Request, scope: str) -> None:
    value = request.headers.get(TOKEN_HEADER, "")
    token = state.valid_token(value) if value else None
    if token is None:
        raise invalid_authentication()
    if scope not in token.scopes:
        raise missing_scope(scope)


def fault_reply(fault: Fault, api: str, request_id: str) -> Reply:
    """The reply an armed fault stands in for on a call to `api` (every fault but RESHAPING_FAULTS, which
    answer the call and change how its reply comes back)."""
    match fault.fault:
        case "paramsError":
            error = params_error(FAULT_DETAIL)
        case "permissionError":
            error = permission_error(FAULT_DETAIL)
        case "resourceCancel":
            error = resource_cancel()
        case "systemError":
            error = system_error(FAULT_DETAIL)
        case "InvalidAuthentication":
            error = invalid_authentication()
        case "missingScope":
            error = missing_scope(REQUIRED_SCOPE.get(api, WRITE_SCOPE))
        case "qpsLimit":
            error = ApiError(
                403,
                "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
                "QPS limit exceeded for this app and api",
            )
        case "apiCountLimit":
            error = ApiError(
                403,
                "Forbidden.AccessDenied.ApiCountLimitForOrg",
                "the organization's monthly api quota is used up",
            )
        case "html":
            return html_reply(fault.status or 503, BLOCKED_PAGE)
        case "drop":
            return Reply(0, drop=True)
        case "success_false":
            return json_reply(200, {"success": False})
        case _:
            raise ValueError(f"no reply for fault {fault.fault!r}")
    return error.reply(request_id)


def _log_entry(request: Request, api: str | None, at: float) -> dict[str, Any]:
    try:
        body, raw_body = request.json(), None
    except ValueError:
        body, raw_body = None, request.body.decode("utf-8", errors="replace") or None
    return {
        "requestId": request.request_id,
        "at": at,
        "api": api,
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "headers": dict(request.headers),
        "body": body,
        "rawBody": raw_body,
        "status": None,
        "fault": None,
    }
