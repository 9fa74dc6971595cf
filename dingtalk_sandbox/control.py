"""The `/_sandbox/` control endpoints and the HTML page that drives them from a browser.

They need no DingTalk token: the sandbox is a local development tool, bound to 127.0.0.1 by
default. Each mutating endpoint takes JSON (answers JSON) or a plain HTML form post (answers
303 back to the page), so a demo can arm faults by clicking, with no JavaScript. A form post whose
`Origin` is another site is refused, so a web page open in the same browser can't drive the sandbox.
"""

from __future__ import annotations

import datetime as dt
import html
import urllib.parse
from collections.abc import Callable
from typing import Any

from .records import ANY_API, APIS, CONFERENCE_SCOPES, FAULTS, HTML_FAULT_STATUSES
from .state import SandboxState
from .wire import Reply, Request, html_reply, json_reply, redirect

PREFIX = "/_sandbox"
PAGE = PREFIX + "/"
FORM_TYPE = "application/x-www-form-urlencoded"
PAGE_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'"),
    ("Cache-Control", "no-store"),
)
RECENT_REQUESTS_SHOWN = 20
# "Fail the next save with…" arms a fault for every update call of one save. The portal tries an update
# up to three times when a retry can help (meetings/dingtalk.py), so failing one call would only show a
# retry succeeding; and a slow reply fails a save only once it outlasts the portal's read timeout (6 s).
QUICK_FAULT_CALLS = {"systemError": 3, "qpsLimit": 3, "drop": 3, "slow": 3}
QUICK_SLOW_SECONDS = 10


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
            return html_reply(400, _error_page(str(error)), PAGE_HEADERS)
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


def _text(payload: dict[str, Any], name: str, default: str | None = None) -> str:
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


def _millis(payload: dict[str, Any], name: str) -> int:
    """Epoch milliseconds, or (for the page's datetime-local inputs) an ISO datetime taken as UTC."""
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
            moment = moment.replace(tzinfo=dt.UTC)
        return int(moment.timestamp() * 1000)
    raise ControlError(f"{name} is required (epoch milliseconds or an ISO datetime)")


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
    return html_reply(200, render_page(state), PAGE_HEADERS)


def _list_faults(state: SandboxState, payload: dict[str, Any]) -> Result:
    return 200, {"faults": [f.to_json() for f in state.faults()]}


def _arm_fault(state: SandboxState, payload: dict[str, Any]) -> Result:
    count = _optional_number(payload, "count", int)
    try:
        armed = state.arm_fault(
            _text(payload, "fault"),
            api=_text(payload, "api", default="update"),
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
    return 200, {"requests": state.requests()}


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
    meeting = state.upsert_meeting(
        schedule_conference_id=_text(payload, "scheduleConferenceId", default="") or None,
        creator_union_id=_text(payload, "creatorUnionId"),
        title=_text(payload, "title"),
        start_time=_millis(payload, "startTime"),
        end_time=_millis(payload, "endTime"),
        url=_text(payload, "url", default="") or None,
        room_code=_text(payload, "roomCode", default="") or None,
        phones=phones,
        canceled=canceled is True or canceled in ("1", "true", "on"),
    )
    return 201, {"meeting": meeting.to_json()}


def _add_token(state: SandboxState, payload: dict[str, Any]) -> Result:
    token = _text(payload, "token")
    state.add_token(token, _scopes(payload), _optional_number(payload, "expiresIn", float))
    return 201, {"token": token}


def _add_app(state: SandboxState, payload: dict[str, Any]) -> Result:
    app_key = _text(payload, "appKey")
    state.add_app(app_key, _text(payload, "appSecret"), _scopes(payload))
    return 201, {"appKey": app_key}


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
    ("POST", PREFIX + "/clock"): _advance_clock,
    ("POST", PREFIX + "/reset"): _reset,
}


# --- HTML -----------------------------------------------------------------------------------------
# Everything dynamic goes through html.escape; no inline script or style, so a strict CSP holds.


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _when(millis: int) -> str:
    try:
        return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return str(millis)


def _post_button(action: str, label: str, fields: dict[str, str]) -> str:
    hidden = "".join(f'<input type="hidden" name="{_e(k)}" value="{_e(v)}">' for k, v in fields.items())
    return f'<form method="post" action="{_e(action)}">{hidden}<button type="submit">{_e(label)}</button></form>'


def _quick_fault_button(fault: str) -> str:
    calls = QUICK_FAULT_CALLS.get(fault, 1)
    fields = {"fault": fault, "api": "update", "count": str(calls)}
    label = fault if calls == 1 else f"{fault} ({calls} calls)"
    if fault == "slow":
        fields["seconds"] = str(QUICK_SLOW_SECONDS)
        label = f"{fault} ({calls} calls, {QUICK_SLOW_SECONDS} s each)"
    return _post_button(PREFIX + "/faults", label, fields)


def _options(values: tuple[str, ...] | list[str], selected: str) -> str:
    return "".join(f'<option value="{_e(v)}"{" selected" if v == selected else ""}>{_e(v)}</option>' for v in values)


def _rows(cells: list[list[object]], empty: str, columns: int) -> str:
    """Table body rows, every cell escaped; one spanning row saying `empty` when there are none."""
    if not cells:
        return f'<tr><td colspan="{columns}">{_e(empty)}</td></tr>'
    return "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in cells)


def render_page(state: SandboxState) -> str:
    """The control page: meetings, armed faults, recent calls, and forms to change them."""
    meeting_rows = _rows(
        [
            [
                m.schedule_conference_id,
                m.title,
                m.creator_union_id,
                _when(m.start_time),
                _when(m.end_time),
                "canceled" if m.canceled else "booked",
            ]
            for m in state.meetings()
        ],
        "No meetings.",
        6,
    )
    fault_rows = _rows(
        [
            [f.id, f.fault, f.api, f.remaining, "" if f.seconds is None else f.seconds, f.status or ""]
            for f in state.faults()
        ],
        "No faults armed.",
        6,
    )
    request_rows = _rows(
        [
            [
                r["method"],
                r["path"],
                r["api"] or "",
                "dropped" if r["status"] is None else r["status"],
                r["fault"] or "",
            ]
            for r in reversed(state.requests()[-RECENT_REQUESTS_SHOWN:])
        ],
        "No calls yet.",
        5,
    )
    quick_faults = "".join(f"<li>{_quick_fault_button(fault)}</li>" for fault in FAULTS)
    status_options = _options([str(s) for s in HTML_FAULT_STATUSES], "503")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>DingTalk sandbox</title>
</head>
<body>
<h1>DingTalk sandbox</h1>
<p>JSON: <a href="{PREFIX}/meetings">meetings</a>, <a href="{PREFIX}/faults">faults</a>,
<a href="{PREFIX}/requests">requests</a>.</p>

<h2>Meetings</h2>
<table>
<thead><tr><th>scheduleConferenceId</th><th>Title</th><th>Creator</th><th>Start</th><th>End</th><th>State</th></tr></thead>
<tbody>{meeting_rows}</tbody>
</table>

<h2>Armed faults</h2>
<table>
<thead><tr><th>#</th><th>Fault</th><th>API</th><th>Calls left</th><th>Seconds</th><th>Status</th></tr></thead>
<tbody>{fault_rows}</tbody>
</table>
{_post_button(PREFIX + "/faults/clear", "Clear all faults", {})}

<h2>Fail the next save with…</h2>
<ul>{quick_faults}</ul>
<p>InvalidAuthentication fails a save of an organization with a pasted token. One with app credentials
renews its token and succeeds: arm 2 calls below to see its message.</p>

<h2>Arm a fault</h2>
<form method="post" action="{PREFIX}/faults">
<label>Fault <select name="fault">{_options(FAULTS, "systemError")}</select></label>
<label>API <select name="api">{_options([*APIS, ANY_API], "update")}</select></label>
<label>Calls <input type="number" name="count" value="1" min="1"></label>
<label>Seconds (slow) <input type="number" name="seconds" value="3" min="0" step="0.1"></label>
<label>Status (html) <select name="status">{status_options}</select></label>
<button type="submit">Arm</button>
</form>

<h2>Seed a meeting</h2>
<form method="post" action="{PREFIX}/meetings">
<label>scheduleConferenceId (blank: new) <input name="scheduleConferenceId"></label>
<label>Creator unionId <input name="creatorUnionId" required></label>
<label>Title <input name="title" required maxlength="256"></label>
<label>Start (UTC) <input type="datetime-local" name="startTime" required></label>
<label>End (UTC) <input type="datetime-local" name="endTime" required></label>
<button type="submit">Save meeting</button>
</form>

<h2>Recent calls</h2>
<table>
<thead><tr><th>Method</th><th>Path</th><th>API</th><th>Status</th><th>Fault</th></tr></thead>
<tbody>{request_rows}</tbody>
</table>
{_post_button(PREFIX + "/requests/clear", "Clear the log", {})}

<h2>Reset</h2>
<p>Forgets meetings, issued tokens, faults and the log; keeps apps and preloaded tokens.</p>
{_post_button(PREFIX + "/reset", "Reset the sandbox", {})}
</body>
</html>
"""


def _error_page(message: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox: bad input</title></head>
<body><h1>Bad input</h1><p>{_e(message)}</p><p><a href="{PAGE}">Back</a></p></body></html>
"""
