"""DingTalk's v1.0 endpoints, as documented in shared/dingtalk-api.md.

Checks run in the order a gateway would: route, armed fault, access token, scope, body, business
rules. Where DingTalk documents no exact code (a non-JSON body, an unknown route, a bad suite
ticket) the sandbox picks the nearest documented one and says so here, so nobody mistakes it for
DingTalk's word:

- non-JSON or non-object body, missing or mistyped field: 400 `paramsError` `error:<detail>`;
- unknown path or method: 404 `InvalidAction.NotFound`;
- third-party token for a corp that has not authorized the suite, or a wrong suite ticket:
  400 `paramsError`;
- a settings field of the wrong type or out of range: 400 `paramsError`;
- more than `state.qps` calls to one API within a second (`DINGTALK_SANDBOX_QPS`, off by default):
  403 `Forbidden.AccessDenied.QpsLimitForApi`, checked first, as a gateway would.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from meetings.dingtalk.limits import TITLE_MAX_LENGTH, title_length

from .records import READ_SCOPE, WRITE_SCOPE, Fault
from .state import MeetingCanceled, MeetingNotFound, NotCreator, SandboxState
from .wire import Reply, Request, error_reply, html_reply, json_reply

TOKEN_HEADER = "x-acs-dingtalk-access-token"
TITLE_MAX_CHARS = TITLE_MAX_LENGTH
# Create cuts longer titles at 50 characters; past 256 it fails (per DingTalk's create API page).
CREATE_TITLE_HARD_MAX_CHARS = 256

CREATE_REPLY_FIELDS = ("scheduleConferenceId", "url", "roomCode", "phones")
MEETING_CANCELED_MESSAGE = "Schedule conference has canceled"
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
QPS_LIMIT_CODE = "Forbidden.AccessDenied.QpsLimitForApi"
# The room-code lookup's page size when `maxResults` is not given, and the largest it accepts.
ROOM_CODE_DEFAULT_PAGE = 20
ROOM_CODE_MAX_PAGE = 50

# What DingTalk's anti-abuse layer answers instead of JSON.
BLOCKED_PAGE = """<!DOCTYPE html>
<html><head><title>Access denied</title></head>
<body><h1>Access denied</h1><p>Too many requests from your IP. Try again later.</p></body></html>
"""


class ApiError(Exception):
    """A DingTalk error reply: HTTP status, `code`, `message` and optional extra body fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def reply(self, request_id: str) -> Reply:
        return error_reply(self.status, self.code, self.message, request_id, **self.extra)


def params_error(detail: str) -> ApiError:
    return ApiError(400, "paramsError", f"error:{detail}")


def permission_error(detail: str) -> ApiError:
    return ApiError(400, "permissionError", f"permissionError:{detail}")


def resource_cancel() -> ApiError:
    return ApiError(400, "resourceCancel", MEETING_CANCELED_MESSAGE)


def system_error(detail: str) -> ApiError:
    return ApiError(500, "systemError", f"systemError:{detail}")


def invalid_authentication() -> ApiError:
    # DingTalk answers 400 (not 401) for a missing, unknown or expired token.
    return ApiError(400, "InvalidAuthentication", "invalid or expired access token")


def missing_scope(scope: str) -> ApiError:
    return ApiError(
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        f"the app lacks the permission scope {scope}",
        accessdenieddetail={"requiredScopes": [scope]},
    )


def qps_limit() -> ApiError:
    return ApiError(403, QPS_LIMIT_CODE, "QPS limit exceeded for this api")


def invalid_credentials() -> ApiError:
    return ApiError(400, "invalidClientIdOrSecret", "invalid clientId or clientSecret")


# --- entry point ----------------------------------------------------------------------------------


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
    if state.latency_ms:
        time.sleep(state.latency_ms / 1000)
    reply, fault = _answer(state, request, api, params)
    state.finish_request(entry, status=None if reply.drop else reply.status, fault=fault)
    return reply


def _answer(state: SandboxState, request: Request, api: str | None, params: dict[str, str]) -> tuple[Reply, str | None]:
    if api is None:
        error = ApiError(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
        return error.reply(request.request_id), None
    if not state.admit(api):
        return qps_limit().reply(request.request_id), None
    fault = state.take_fault(api)
    if fault is not None and fault.fault != "slow":
        return fault_reply(fault, api, request.request_id), fault.fault
    if fault is not None:
        time.sleep(fault.seconds or 0)
    try:
        if api in REQUIRED_SCOPE:
            _authorize(state, request, REQUIRED_SCOPE[api])
        reply = HANDLERS[api](state, request, params)
    except ApiError as error:
        reply = error.reply(request.request_id)
    return reply, fault.fault if fault else None


def _authorize(state: SandboxState, request: Request, scope: str) -> None:
    value = request.headers.get(TOKEN_HEADER, "")
    token = state.valid_token(value) if value else None
    if token is None:
        raise invalid_authentication()
    if scope not in token.scopes:
        raise missing_scope(scope)


def fault_reply(fault: Fault, api: str, request_id: str) -> Reply:
    """The reply an armed fault stands in for on a call to `api` (every fault but "slow", which
    only delays)."""
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


# --- body validation ------------------------------------------------------------------------------


def _json_object(request: Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise params_error("Content-Type must be application/json")
    try:
        body = request.json()
    except ValueError:
        raise params_error("body is not valid JSON") from None
    if not isinstance(body, dict):
        raise params_error("body must be a JSON object")
    return body


def _string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise params_error(f"{name} is required")
    if not isinstance(value, str):
        raise params_error(f"{name} must be a string")
    if not value:
        raise params_error(f"{name} must not be empty")
    return value


def _epoch_millis(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if value is None:
        raise params_error(f"{name} is required")
    # bool is an int subclass in Python but not a Long in DingTalk's Java.
    if isinstance(value, bool) or not isinstance(value, int):
        raise params_error(f"{name} must be an integer (epoch milliseconds)")
    if value < 0:
        raise params_error(f"{name} must not be negative")
    return value


def _title(body: dict[str, Any], max_chars: int) -> str:
    title = _string(body, "title")
    # Counted as DingTalk's Java backend does, in UTF-16 code units (meetings/dingtalk/limits.py).
    if title_length(title) > max_chars:
        raise params_error(f"title must be at most {max_chars} characters")
    return title


def _times(body: dict[str, Any]) -> tuple[int, int]:
    start_time, end_time = _epoch_millis(body, "startTime"), _epoch_millis(body, "endTime")
    if end_time <= start_time:
        raise params_error("endTime must be after startTime")
    return start_time, end_time


# --- handlers -------------------------------------------------------------------------------------


def _access_token(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = _json_object(request)
    app_key, app_secret = body.get("appKey"), body.get("appSecret")
    if not isinstance(app_key, str) or not isinstance(app_secret, str):
        raise invalid_credentials()
    token = state.issue_app_token(app_key, app_secret)
    if token is None:
        raise invalid_credentials()
    return json_reply(200, {"accessToken": token.token, "expireIn": state.token_ttl})


def _corp_access_token(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = _json_object(request)
    suite_key, suite_secret = _string(body, "suiteKey"), _string(body, "suiteSecret")
    corp_id, ticket = _string(body, "authCorpId"), _string(body, "suiteTicket")
    suite = state.get_suite(suite_key)
    if suite is None or suite.suite_secret != suite_secret:
        raise invalid_credentials()
    if suite.corp_ids and corp_id not in suite.corp_ids:
        raise params_error("authCorpId has not authorized this suite")
    if suite.suite_ticket is not None and ticket != suite.suite_ticket:
        raise params_error("invalid suiteTicket")
    token = state.issue_corp_token(suite, corp_id)
    return json_reply(200, {"accessToken": token.token, "expireIn": state.token_ttl})


def _query(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    if not request.query.get("requestUnionId"):
        raise params_error("requestUnionId is required")
    meeting = state.get_meeting(urllib.parse.unquote(params["id"]))
    if meeting is None:
        raise params_error("scheduleConferenceId does not exist")
    if meeting.canceled:
        raise resource_cancel()
    # DingTalk answers only its creator: anyone else is refused as for an update (dingtalk-api.md).
    if request.query["requestUnionId"] != meeting.creator_union_id:
        raise permission_error("requestUnionId is not the creator of this conference")
    return json_reply(200, meeting.to_api())


def _room_code(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    """`GET /v1.0/conference/roomCodes/{roomCode}/infos`: pages of instances, `nextToken` an offset."""
    room_code = urllib.parse.unquote(params["room_code"])
    page_size = request.query.get("maxResults") or str(ROOM_CODE_DEFAULT_PAGE)
    if not page_size.isdigit() or not 1 <= int(page_size) <= ROOM_CODE_MAX_PAGE:
        raise params_error(f"maxResults must be an integer from 1 to {ROOM_CODE_MAX_PAGE}")
    next_token = request.query.get("nextToken") or "0"
    if not next_token.isdigit():
        raise params_error("nextToken is invalid")
    instances = state.instances_by_room_code(room_code)
    start, size = int(next_token), int(page_size)
    page = instances[start : start + size]
    has_more = start + size < len(instances)
    reply: dict[str, Any] = {"conferenceList": page, "hasMore": has_more, "totalCount": len(instances)}
    if has_more:
        reply["nextToken"] = str(start + size)
    return json_reply(200, reply)


def _create(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = _json_object(request)
    creator = _string(body, "creatorUnionId")
    title = _title(body, CREATE_TITLE_HARD_MAX_CHARS)[:TITLE_MAX_CHARS]
    start_time, end_time = _times(body)
    meeting = state.upsert_meeting(creator_union_id=creator, title=title, start_time=start_time, end_time=end_time)
    created = meeting.to_api()
    return json_reply(200, {key: created[key] for key in CREATE_REPLY_FIELDS})


def _update(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = _json_object(request)
    creator = _string(body, "creatorUnionId")
    meeting_id = _string(body, "scheduleConferenceId")
    title = _title(body, TITLE_MAX_CHARS)
    start_time, end_time = _times(body)
    try:
        state.update_meeting(meeting_id, by=creator, title=title, start_time=start_time, end_time=end_time)
    except MeetingNotFound:
        raise params_error("scheduleConferenceId does not exist") from None
    except NotCreator:
        raise permission_error("only the creator can update this conference") from None
    except MeetingCanceled:
        raise resource_cancel() from None
    return json_reply(200, {"success": True})


def _cancel(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = _json_object(request)
    creator = _string(body, "creatorUnionId")
    meeting_id = _string(body, "scheduleConferenceId")
    try:
        state.cancel_meeting(meeting_id, by=creator)
    except MeetingNotFound:
        raise params_error("scheduleConferenceId does not exist") from None
    except NotCreator:
        raise permission_error("only the creator can cancel this conference") from None
    except MeetingCanceled:
        raise resource_cancel() from None
    return json_reply(200, {"success": True})


# scheduleConfSettingModel fields the sandbox keeps, and what each must be (others are refused).
FLAG_SETTINGS = ("lockRoom", "screenShareForbidden")
EXTRA_SETTINGS = ("waitingRoom", "joinBeforeHost", "enableChat", "lockNick")


def _settings_model(body: dict[str, Any]) -> dict[str, Any]:
    model = body.get("scheduleConfSettingModel")
    if not isinstance(model, dict):
        raise params_error("scheduleConfSettingModel must be an object")
    checked: dict[str, Any] = {}
    for name, value in model.items():
        if name == "hostUnionId":
            if not isinstance(value, str) or not value:
                raise params_error("hostUnionId must be a non-empty string")
        elif name == "cohostUnionIds":
            if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
                raise params_error("cohostUnionIds must be a list of strings")
        elif name in FLAG_SETTINGS:
            _flag(name, value)
        elif name == "muteOnJoin":
            if isinstance(value, bool) or not isinstance(value, int) or value < -1:
                raise params_error("muteOnJoin must be -1, 0 or a positive integer")
        elif name == "moziConfVirtualExtraSetting":
            if not isinstance(value, dict):
                raise params_error("moziConfVirtualExtraSetting must be an object")
            for extra_name, extra_value in value.items():
                if extra_name == "moziConfExtensionAppSettings":
                    # The official SDK always sends this list (empty unless set); kept, not interpreted.
                    if not isinstance(extra_value, list) or not all(isinstance(item, dict) for item in extra_value):
                        raise params_error("moziConfExtensionAppSettings must be a list of objects")
                    continue
                if extra_name not in EXTRA_SETTINGS:
                    raise params_error(f"moziConfVirtualExtraSetting.{extra_name} is not supported")
                _flag(extra_name, extra_value)
        else:
            raise params_error(f"{name} is not supported")
        checked[name] = value
    return checked


def _flag(name: str, value: Any) -> None:
    if isinstance(value, bool) or value not in (0, 1):
        raise params_error(f"{name} must be 0 or 1")


def _settings_query(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    meeting_id = request.query.get("scheduleConferenceId")
    if not meeting_id:
        raise params_error("scheduleConferenceId is required")
    meeting = state.get_meeting(meeting_id)
    if meeting is None:
        raise params_error("scheduleConferenceId does not exist")
    if meeting.canceled:
        raise resource_cancel()
    return json_reply(200, {"scheduleConfSettingModel": meeting.current_settings()})


def _settings_update(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = _json_object(request)
    creator = _string(body, "creatorUnionId")
    meeting_id = _string(body, "scheduleConferenceId")
    changes = _settings_model(body)
    try:
        state.update_settings(meeting_id, by=creator, changes=changes)
    except MeetingNotFound:
        raise params_error("scheduleConferenceId does not exist") from None
    except NotCreator:
        raise permission_error("only the creator can change this conference's settings") from None
    except MeetingCanceled:
        raise resource_cancel() from None
    return json_reply(200, {"success": True})


Handler = Callable[[SandboxState, Request, dict[str, str]], Reply]
HANDLERS: dict[str, Handler] = {
    "token": _access_token,
    "corp_token": _corp_access_token,
    "query": _query,
    "room_code": _room_code,
    "create": _create,
    "update": _update,
    "cancel": _cancel,
    "settings_query": _settings_query,
    "settings_update": _settings_update,
}
