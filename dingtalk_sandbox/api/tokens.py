"""`POST /v1.0/oauth2/accessToken` (an internal app) and `/v1.0/oauth2/corpAccessToken` (a third-party suite)."""

from __future__ import annotations

from ..state import SandboxState
from ..wire import Reply, Request, json_reply
from .body import json_object, string
from .errors import invalid_credentials, params_error


def access_token(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = json_object(request)
    app_key, app_secret = body.get("appKey"), body.get("appSecret")
    if not isinstance(app_key, str) or not isinstance(app_secret, str):
        raise invalid_credentials()
    token = state.issue_app_token(app_key, app_secret)
    if token is None:
        raise invalid_credentials()
    return json_reply(200, {"accessToken": token.token, "expireIn": state.token_ttl})


def corp_access_token(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = json_object(request)
    suite_key, suite_secret = string(body, "suiteKey"), string(body, "suiteSecret")
    corp_id, ticket = string(body, "authCorpId"), string(body, "suiteTicket")
    suite = state.get_suite(suite_key)
    if suite is None or suite.suite_secret != suite_secret:
        raise invalid_credentials()
    if suite.corp_ids and corp_id not in suite.corp_ids:
        raise params_error("authCorpId has not authorized this suite")
    if suite.suite_ticket is not None and ticket != suite.suite_ticket:
        raise params_error("invalid suiteTicket")
    token = state.issue_corp_token(suite, corp_id)
    return json_reply(200, {"accessToken": token.token, "expireIn": state.token_ttl})
