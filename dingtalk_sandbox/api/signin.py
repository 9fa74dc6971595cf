"""Signing people in: `POST /v1.0/oauth2/userAccessToken` and `GET /v1.0/contact/users/me`.

DingTalk documents no exact code for a bad authorization code; the sandbox answers the nearest documented
one, 400 `paramsError` (`error:authCode ...`). A wrong clientSecret is `invalidClientIdOrSecret`, as for
the apps' tokens.
"""

from __future__ import annotations

from ..signin_state import USER_TOKEN_TTL, ClientRefused, CodeRefused
from ..state import SandboxState
from ..wire import Reply, Request, json_reply
from .body import json_object, string
from .errors import invalid_authentication, invalid_credentials, params_error

TOKEN_HEADER = "x-acs-dingtalk-access-token"


def user_access_token(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = json_object(request)
    client_id, client_secret = body.get("clientId"), body.get("clientSecret")
    if not isinstance(client_id, str) or not isinstance(client_secret, str):
        raise invalid_credentials()
    if body.get("grantType") != "authorization_code":
        raise params_error("grantType must be authorization_code")
    code = string(body, "code")
    try:
        token, corp_id = state.signin.redeem_code(client_id=client_id, client_secret=client_secret, code=code)
    except ClientRefused:
        raise invalid_credentials() from None
    except CodeRefused:
        raise params_error("authCode is invalid, expired or already used") from None
    reply = {"accessToken": token, "refreshToken": token[::-1], "expireIn": USER_TOKEN_TTL}
    if corp_id is not None:
        reply["corpId"] = corp_id
    return json_reply(200, reply)


def users_me(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    person = state.signin.person_for_token(request.headers.get(TOKEN_HEADER, ""))
    if person is None:
        raise invalid_authentication()
    return json_reply(200, person.profile())
