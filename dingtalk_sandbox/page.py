"""The sandbox's HTML control page, to seed meetings and arm faults from a browser, with no JavaScript.

The markup is in templates/; `render` fills a template's `$names`, escaping every value that is not
already `Html`. No inline script or style, so the strict Content-Security-Policy the control API sends
holds.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.resources
import string
import zoneinfo

from .api import TOKEN_HEADER
from .masking import masked_request
from .records import ANY_API, APIS, DEFAULT_TRICKLE_SECONDS, FAULTS, HTML_FAULT_STATUSES
from .state import SandboxState

RECENT_REQUESTS_SHOWN = 20
# "Fail the next save with…" arms a fault for every update call of one save. The portal tries an update
# up to three times when DingTalk certainly did not act on it (meetings/dingtalk/errors.py), so failing one
# call would only show a retry succeeding. A dropped or slow reply is never retried (the first try may
# still arrive), and a slow one leaves the outcome unknown only once it outlasts the read timeout (6 s). A
# trickled, gzip or oversized reply is unknown at once (the call was handled: the change is in the sandbox).
QUICK_FAULT_CALLS = {"systemError": 3, "qpsLimit": 3}
QUICK_SLOW_SECONDS = 10


class Html(str):
    """Markup that is already escaped: `render` inserts it as it is."""


def _template(name: str) -> string.Template:
    # Found beside this module, wherever the sandbox runs from; read once, so a missing file stops the start.
    return string.Template((importlib.resources.files(__package__) / "templates" / name).read_text("utf-8"))


PAGE_TEMPLATE = _template("page.html")
ERROR_TEMPLATE = _template("error.html")


def render(template: string.Template, **values: object) -> str:
    return template.substitute({name: _html(value) for name, value in values.items()})


def _html(value: object) -> Html:
    return value if isinstance(value, Html) else Html(html.escape(str(value), quote=True))


def render_page(state: SandboxState, *, prefix: str) -> str:
    """The control page at `prefix`/: meetings, armed faults, recent calls, and forms to change them."""
    meeting_rows = _rows(
        [
            [
                m.schedule_conference_id,
                m.title,
                m.organization or "",
                m.creator_union_id,
                m.room_code,
                m.occurrences,
                m.creator_id or "",
                _when(m.start_time, m.time_zone),
                _when(m.end_time, m.time_zone),
                "canceled" if m.canceled else "booked",
            ]
            for m in state.meetings()
        ],
        "No meetings.",
        10,
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
                r["headers"].get(TOKEN_HEADER, ""),  # masked: which token a call used
                "dropped" if r["status"] is None else r["status"],
                r["fault"] or "",
            ]
            for r in map(masked_request, reversed(state.requests()[-RECENT_REQUESTS_SHOWN:]))
        ],
        "No calls yet.",
        6,
    )
    return render(
        PAGE_TEMPLATE,
        prefix=prefix,
        meeting_rows=meeting_rows,
        fault_rows=fault_rows,
        clear_faults_button=_post_button(prefix + "/faults/clear", "Clear all faults", {}),
        quick_fault_buttons=Html("".join(f"<li>{_quick_fault_button(fault, prefix)}</li>" for fault in FAULTS)),
        fault_options=_options(FAULTS, "systemError"),
        api_options=_options([*APIS, ANY_API], "update"),
        status_options=_options([str(s) for s in HTML_FAULT_STATUSES], "503"),
        request_rows=request_rows,
        clear_log_button=_post_button(prefix + "/requests/clear", "Clear the log", {}),
        reset_button=_post_button(prefix + "/reset", "Reset the sandbox", {}),
    )


def render_error_page(message: str, *, page: str) -> str:
    """What a form post with bad input gets: the reason, and a link back to the page."""
    return render(ERROR_TEMPLATE, message=message, page=page)


def _when(millis: int, time_zone: str | None) -> str:
    """In UTC, and in the meeting's own zone when it has one: "2023-06-28 04:00 UTC (12:00 Asia/Shanghai)"."""
    try:
        moment = dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)
        zone = _zone(time_zone)
        local = moment.astimezone(zone) if zone else None
    except (OverflowError, OSError, ValueError):
        return str(millis)
    utc = moment.strftime("%Y-%m-%d %H:%M UTC")
    if local is None:
        return utc
    shown = "%H:%M" if local.date() == moment.date() else "%Y-%m-%d %H:%M"
    return f"{utc} ({local.strftime(shown)} {time_zone})"


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # e.g. a hand-edited state file
        return None


def _post_button(action: str, label: str, fields: dict[str, str]) -> Html:
    hidden = "".join(f'<input type="hidden" name="{_html(k)}" value="{_html(v)}">' for k, v in fields.items())
    return Html(
        f'<form method="post" action="{_html(action)}">{hidden}<button type="submit">{_html(label)}</button></form>'
    )


def _quick_fault_button(fault: str, prefix: str) -> Html:
    calls = QUICK_FAULT_CALLS.get(fault, 1)
    fields = {"fault": fault, "api": "update", "count": str(calls)}
    label = fault if calls == 1 else f"{fault} ({calls} calls)"
    if fault == "slow":
        fields["seconds"] = str(QUICK_SLOW_SECONDS)
        label = f"{fault} ({calls} calls, {QUICK_SLOW_SECONDS} s each)"
    if fault == "trickle":
        label = f"{fault} (a byte every {DEFAULT_TRICKLE_SECONDS} s)"
    return _post_button(prefix + "/faults", label, fields)


def _options(values: tuple[str, ...] | list[str], selected: str) -> Html:
    return Html(
        "".join(f'<option value="{_html(v)}"{" selected" if v == selected else ""}>{_html(v)}</option>' for v in values)
    )


def _rows(cells: list[list[object]], empty: str, columns: int) -> Html:
    """Table body rows, every cell escaped; one spanning row saying `empty` when there are none."""
    if not cells:
        return Html(f'<tr><td colspan="{columns}">{_html(empty)}</td></tr>')
    return Html("".join("<tr>" + "".join(f"<td>{_html(c)}</td>" for c in row) + "</tr>" for row in cells))
