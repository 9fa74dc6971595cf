"""The `/_sandbox/` control API: JSON endpoints for tests and seeding, and the forms of the page (page.py).

They need no DingTalk token: the sandbox is a local development tool, bound to 127.0.0.1 by
default. Each mutating endpoint takes JSON (answers JSON) or a plain HTML form post (answers
303 back to the page), so a demo can arm faults by clicking, with no JavaScript. A form post whose
`Origin` is another site is refused, so a web page open in the same browser can't drive the sandbox.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
import zoneinfo
from collections.abc import Callable
from typing import Any

from .masking import masked_request
from .page import render_error_page, render_page
from .records import CONFERENCE_SCOPES
from .signin_state import LoginPerson
from .state import SandboxState
from .wire import Reply, Request, html_reply, json_reply, redirect

PREFIX = "/_sandbox"
PAGE = PREFIX + "/"
FORM_TYPE = "application/x-www-form-urlencoded"
PAGE_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'"),
    ("Cache-Control", "no-store"),
)


class ControlError(ValueError):
    """Bad input to a control endpoint; the message is shown to whoever sent it."""


# --- entry point ----------------------------------------------------------------------------------


def handle_control(state: SandboxState, request: Request) -> Reply:
    """Answer one `/_sandbox/...` request."""
    handler = _ROUTES.get((request.method, request.path.rstrip("/") or "/"))
    meeting_prefix = PREFIX + "/meetings/"
    if handler is None and request.method == "GET" and request.path.startswith(meeting_prefix):
        return _meeting_detail(state, urllib.parse.unquote(request.path[len(meeting_prefix) :]))
    if handler is None:
        return json_reply(404, {"error": f"no control endpoint {request.method} {request.path}"})
    is_form = request.content_type == FORM_TYPE
    if request.method != "GET" and not _same_origin(request):
        return json_reply(403, {"error": "cross-origin request refused"})
    try:
        payload = _input(request, is_form)
        result = handler(state, payload)
    except ControlError as error:
        if is_form:
            return html_reply(400, render_error_page(str(error), page=PAGE), PAGE_HEADERS)
        return json_reply(400, {"error": str(error)})
    if isinstance(result, Reply):
        return result
    return redirect(PAGE) if is_form else json_reply(result[0], result[1])


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or origin == f"http://{request.headers.get('host', '')}"


def _input(request: Request, is_form: bool) -> dict[str, Any]:
    if not request.body:
        return {}
    if is_form:
        return dict(urllib.parse.parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    try:
        payload = request.json()
    except ValueError:
        raise ControlError("body must be JSON or a form post") from None
    if not isinstance(payload, dict):
        raise ControlError("body must be a JSON object")
    return payload


# --- input helpers: JSON gives typed values, forms give strings -----------------------------------


def _string_field(payload: dict[str, Any], name: str, default: str | None = None) -> str:
    value = payload.get(name)
    if value in (None, ""):
        if default is None:
            raise ControlError(f"{name} is required")
        return default
    if not isinstance(value, str):
        raise ControlError(f"{name} must be a string")
    return value


def _optional_number(payload: dict[str, Any], name: str, kind: type[int] | type[float]) -> Any:
    value = payload.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ControlError(f"{name} must be a number")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ControlError(f"{name} must be a number") from None


def _moment_as_epoch_millis(payload: dict[str, Any], name: str, zone: dt.tzinfo | None = None) -> int:
    """Epoch milliseconds, or (for the page's datetime-local inputs) an ISO datetime; one without an
    offset is taken in `zone`, else in UTC."""
    value = payload.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, str) and value:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ControlError(f"{name} must be epoch milliseconds or an ISO datetime") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone or dt.UTC)
        return int(moment.timestamp() * 1000)
    raise ControlError(f"{name} is required (epoch milliseconds or an ISO datetime)")


def _time_zone(payload: dict[str, Any]) -> zoneinfo.ZoneInfo | None:
    name = _string_field(payload, "timeZone", default="")
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ControlError("timeZone must be an IANA time zone name, e.g. Asia/Shanghai") from None


def _scopes(payload: dict[str, Any]) -> frozenset[str]:
    scopes = payload.get("scopes")
    if scopes is None:
        return CONFERENCE_SCOPES
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise ControlError("scopes must be a list of strings")
    return frozenset(scopes)


# --- endpoints ------------------------------------------------------------------------------------

Result = tuple[int, Any] | Reply


def _page(state: SandboxState, payload: dict[str, Any]) -> Result:
    return html_reply(200, render_page(state, prefix=PREFIX), PAGE_HEADERS)


def _list_faults(state: SandboxState, payload: dict[str, Any]) -> Result:
    return 200, {"faults": [f.to_json() for f in state.faults()]}


def _arm_fault(state: SandboxState, payload: dict[str, Any]) -> Result:
    count = _optional_number(payload, "count", int)
    try:
        armed = state.arm_fault(
            _string_field(payload, "fault"),
            api=_string_field(payload, "api", default="update"),
            count=1 if count is None else count,
            seconds=_optional_number(payload, "seconds", float),
            status=_optional_number(payload, "status", int),
        )
    except ValueError as error:
        raise ControlError(str(error)) from None
    return 201, {"fault": armed.to_json()}


def _clear_faults(state: SandboxState, payload: dict[str, Any]) -> Result:
    return 200, {"cleared": state.clear_faults()}


def _list_requests(state: SandboxState, payload: dict[str, Any]) -> Result:
    return 200, {"requests": [masked_request(entry) for entry in state.requests()]}


def _clear_requests(state: SandboxState, payload: dict[str, Any]) -> Result:
    state.clear_requests()
    return 200, {"cleared": True}


def _list_meetings(state: SandboxState, payload: dict[str, Any]) -> Result:
    return 200, {"meetings": [m.to_json() for m in state.meetings()]}


def _meeting_detail(state: SandboxState, schedule_conference_id: str) -> Reply:
    meeting = state.get_meeting(schedule_conference_id)
    if meeting is None:
        return json_reply(404, {"error": "no such meeting"})
    return json_reply(200, {"meeting": meeting.to_json()})


def _seed_meeting(state: SandboxState, payload: dict[str, Any]) -> Result:
    phones = payload.get("phones")
    if phones is not None and not (isinstance(phones, list) and all(isinstance(p, str) for p in phones)):
        raise ControlError("phones must be a list of strings")
    canceled = payload.get("canceled", False)
    occurrences = _optional_number(payload, "occurrences", int)
    if occurrences is not None and not 1 <= occurrences <= 100:
        raise ControlError("occurrences must be from 1 to 100")
    room_code = _string_field(payload, "roomCode", default="") or None
    if room_code is not None:
        room_code = "".join(room_code.split())  # as DingTalk shows it ("838 722 1234") or as digits
    zone = _time_zone(payload)
    meeting = state.upsert_meeting(
        schedule_conference_id=_string_field(payload, "scheduleConferenceId", default="") or None,
        creator_union_id=_string_field(payload, "creatorUnionId"),
        title=_string_field(payload, "title"),
        start_time=_moment_as_epoch_millis(payload, "startTime", zone),
        end_time=_moment_as_epoch_millis(payload, "endTime", zone),
        url=_string_field(payload, "url", default="") or None,
        room_code=room_code,
        phones=phones,
        canceled=canceled is True or canceled in ("1", "true", "on"),
        organization=_string_field(payload, "organization", default="") or None,
        time_zone=zone.key if zone else None,
        creator_id=_string_field(payload, "creatorId", default="") or None,
        creator_nick=_string_field(payload, "creatorNick", default=""),
        occurrences=occurrences or 1,
    )
    return 201, {"meeting": meeting.to_json()}


def _add_token(state: SandboxState, payload: dict[str, Any]) -> Result:
    token = _string_field(payload, "token")
    state.add_token(token, _scopes(payload), _optional_number(payload, "expiresIn", float))
    return 201, {"token": token}


def _add_app(state: SandboxState, payload: dict[str, Any]) -> Result:
    app_key = _string_field(payload, "appKey")
    state.add_app(app_key, _string_field(payload, "appSecret"), _scopes(payload))
    return 201, {"appKey": app_key}


def _add_login_app(state: SandboxState, payload: dict[str, Any]) -> Result:
    """A DingTalk app people sign in with; `redirectUri`, when given, is the only one it sends them back to."""
    client_id = _string_field(payload, "clientId")
    redirect_uri = _string_field(payload, "redirectUri", default="") or None
    state.signin.add_app(client_id, _string_field(payload, "clientSecret"), redirect_uri)
    return 201, {"clientId": client_id, "redirectUri": redirect_uri}


def _list_login_people(state: SandboxState, payload: dict[str, Any]) -> Result:
    return 200, {"people": [person.to_json() for person in state.signin.people()]}


def _add_login_person(state: SandboxState, payload: dict[str, Any]) -> Result:
    person = LoginPerson(
        union_id=_string_field(payload, "unionId"),
        nick=_string_field(payload, "nick"),
        corp_id=_string_field(payload, "corpId"),
        organization=_string_field(payload, "organization"),
    )
    state.signin.add_person(person)
    return 201, {"person": person.to_json()}


def _advance_clock(state: SandboxState, payload: dict[str, Any]) -> Result:
    seconds = _optional_number(payload, "advance", float)
    if seconds is None or seconds < 0:
        raise ControlError("advance must be a non-negative number of seconds")
    state.advance(seconds)
    return 200, {"now": state.now()}


def _reset(state: SandboxState, payload: dict[str, Any]) -> Result:
    state.reset()
    return 200, {"reset": True}


_ROUTES: dict[tuple[str, str], Callable[[SandboxState, dict[str, Any]], Result]] = {
    ("GET", PREFIX): _page,
    ("GET", PREFIX + "/faults"): _list_faults,
    ("POST", PREFIX + "/faults"): _arm_fault,
    ("DELETE", PREFIX + "/faults"): _clear_faults,
    ("POST", PREFIX + "/faults/clear"): _clear_faults,  # HTML forms can't send DELETE
    ("GET", PREFIX + "/requests"): _list_requests,
    ("DELETE", PREFIX + "/requests"): _clear_requests,
    ("POST", PREFIX + "/requests/clear"): _clear_requests,
    ("GET", PREFIX + "/meetings"): _list_meetings,
    ("POST", PREFIX + "/meetings"): _seed_meeting,
    ("POST", PREFIX + "/tokens"): _add_token,
    ("POST", PREFIX + "/apps"): _add_app,
    ("POST", PREFIX + "/login-apps"): _add_login_app,
    ("GET", PREFIX + "/login-people"): _list_login_people,
    ("POST", PREFIX + "/login-people"): _add_login_person,
    ("POST", PREFIX + "/clock"): _advance_clock,
    ("POST", PREFIX + "/reset"): _reset,
}
