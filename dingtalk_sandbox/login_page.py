"""DingTalk's login page, as the sandbox plays it: `GET /oauth2/auth` (the portal's redirect) lists the
people of every organization the sandbox knows, each a button; the button posts back here and the browser
is sent to `redirect_uri?authCode=…&state=…`, the code good once, for five minutes.

Checked as DingTalk would: a known `client_id`, `response_type=code`, scope `openid` (with `corpid` the
token answer names the chosen corp), and, when the app registered one, that very `redirect_uri`.
"""

from __future__ import annotations

import urllib.parse

from .control import _same_origin
from .page import Html, _html, _template, render
from .state import SandboxState
from .wire import Reply, Request, html_reply

LOGIN_PATH = "/oauth2/auth"
LOGIN_TEMPLATE = _template("login.html")
FORM_TYPE = "application/x-www-form-urlencoded"
PASSED_ON = ("client_id", "redirect_uri", "response_type", "scope", "state", "prompt")


def handle_login(state: SandboxState, request: Request) -> Reply:
    if request.method == "GET":
        params = dict(request.query)
    elif request.method == "POST" and request.content_type == FORM_TYPE:
        params = dict(urllib.parse.parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    else:
        return _refuse(405, "GET the login page, POST a choice")
    if request.method == "POST" and not _same_origin(request):
        return _refuse(403, "cross-origin request refused")
    problem = _problem(state, params)
    if problem:
        return _refuse(400, problem)
    if request.method == "GET":
        return html_reply(200, _page(state, params), _headers(params["redirect_uri"]))
    person = state.signin.person(params.get("union_id", ""), params.get("corp_id", ""))
    if person is None:
        return _refuse(400, "nobody by that unionId in that corp")
    code = state.signin.issue_code(
        client_id=params["client_id"], person=person, with_corp="corpid" in params.get("scope", "").split()
    )
    return _back(params, authCode=code)


def _problem(state: SandboxState, params: dict[str, str]) -> str | None:
    app = state.signin.app(params.get("client_id", ""))
    if app is None:
        return "unknown client_id"
    if params.get("response_type") != "code":
        return "response_type must be code"
    if "openid" not in params.get("scope", "").split():
        return "scope must include openid"
    redirect_uri = params.get("redirect_uri", "")
    if urllib.parse.urlsplit(redirect_uri).scheme not in ("http", "https"):
        return "redirect_uri must be an http(s) URL"
    if app.redirect_uri is not None and redirect_uri != app.redirect_uri:
        return "redirect_uri is not the one registered for this app"
    return None


def _page(state: SandboxState, params: dict[str, str]) -> str:
    hidden = "".join(f'<input type="hidden" name="{name}" value="{_html(params.get(name, ""))}">' for name in PASSED_ON)
    by_organization: dict[str, list] = {}
    for person in state.signin.people():
        by_organization.setdefault(person.organization, []).append(person)
    sections = []
    for organization, people in by_organization.items():
        buttons = "".join(
            f'<li><form method="post" action="{LOGIN_PATH}">{hidden}'
            f'<input type="hidden" name="union_id" value="{_html(person.union_id)}">'
            f'<input type="hidden" name="corp_id" value="{_html(person.corp_id)}">'
            f'<button type="submit">{_html(person.nick)}</button></form></li>'
            for person in people
        )
        sections.append(
            f"<h2>{_html(organization)} <small>(corp {_html(people[0].corp_id)})</small></h2><ul>{buttons}</ul>"
        )
    deny = _location(params, error="access_denied")
    return render(
        LOGIN_TEMPLATE,
        app_line=f"App {params['client_id']}.",
        redirect_uri=params["redirect_uri"],
        organizations=Html("".join(sections)),
        deny_url=deny,
    )


def _location(params: dict[str, str], **answer: str) -> str:
    target = urllib.parse.urlsplit(params["redirect_uri"])
    query = urllib.parse.parse_qsl(target.query, keep_blank_values=True)
    query += [*answer.items(), ("state", params.get("state", ""))]
    return urllib.parse.urlunsplit(target._replace(query=urllib.parse.urlencode(query)))


def _back(params: dict[str, str], **answer: str) -> Reply:
    return Reply(302, b"", "text/plain; charset=utf-8", (("Location", _location(params, **answer)),))


def _headers(redirect_uri: str) -> tuple[tuple[str, str], ...]:
    # The choice is a form post answered with a redirect to the portal: form-action must allow its origin.
    target = urllib.parse.urlsplit(redirect_uri)
    origin = f"{target.scheme}://{target.netloc}"
    return (
        ("Content-Security-Policy", f"default-src 'none'; form-action 'self' {origin}; frame-ancestors 'none'"),
        ("Cache-Control", "no-store"),
    )


REFUSED_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>DingTalk sandbox: refused</title>'
    "</head><body><main><h1>Cannot sign in</h1><p>{message}</p></main></body></html>"
)


def _refuse(status: int, message: str) -> Reply:
    page = REFUSED_PAGE.format(message=_html(message))
    return html_reply(status, page, (("Content-Security-Policy", "default-src 'none'"), ("Cache-Control", "no-store")))
