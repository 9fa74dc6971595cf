"""Signing in with DingTalk in tests: DingTalk's side faked with `responses` (the e2e tests use the sandbox)."""

import urllib.parse

import responses
from django.conf import settings
from django.urls import reverse

CLIENT_ID = "ding-login-app"
CLIENT_SECRET = "login-Secret-0123456789"
CORP_ID = "ding-corp-hangzhou"
OTHER_CORP_ID = "ding-corp-elsewhere"
UNION_ID = "union-Mei-1"
NICK = "王美 Mei"
USER_TOKEN = "user-Token-Never-Kept-1"


def start_sign_in(client, next_url=""):
    """ "Sign in with DingTalk" clicked: the portal's redirect to DingTalk, and its query."""
    response = client.post(reverse("dingtalk_login"), {"next": next_url} if next_url else {})
    assert response.status_code == 302, response
    location = response["Location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    return location, query


def dingtalk_answers(*, code="code-1", corp_id=CORP_ID, union_id=UNION_ID, nick=NICK, token=USER_TOKEN):
    """DingTalk's token and profile replies for one sign-in with `code` (call inside @responses.activate)."""
    api = settings.DINGTALK_LOGIN_API_BASE
    responses.post(
        api + "/v1.0/oauth2/userAccessToken",
        match=[
            responses.matchers.json_params_matcher(
                {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "code": code, "grantType": "authorization_code"}
            )
        ],
        json={"accessToken": token, "refreshToken": "refresh-1", "expireIn": 7200, "corpId": corp_id},
    )
    responses.get(
        api + "/v1.0/contact/users/me",
        match=[responses.matchers.header_matcher({"x-acs-dingtalk-access-token": token})],
        json={"nick": nick, "unionId": union_id, "openId": "open-" + union_id, "avatarUrl": "", "stateCode": "86"},
    )


def come_back(client, state, code="code-1"):
    """DingTalk sends the browser back to the portal's callback with authCode and state."""
    return client.get(reverse("dingtalk_callback"), {"authCode": code, "state": state})


def sign_in(client, **answers):
    """The whole round: start, DingTalk answers, come back. Returns the callback's response."""
    _, query = start_sign_in(client)
    dingtalk_answers(**answers)
    return come_back(client, query["state"], answers.get("code", "code-1"))
