"""Signing people in: the login page, `userAccessToken` (one-use codes, the app's secret, the chosen
corpId) and `contact/users/me`, on the wire as DingTalk speaks them."""

from __future__ import annotations

import re
import urllib.parse

import pytest
import requests

from dingtalk_sandbox import DEMO_CORP_IDS, DEMO_LOGIN_CLIENT_ID, DEMO_LOGIN_CLIENT_SECRET, DEMO_PEOPLE, UNKNOWN_CORP_ID

from .helpers import assert_error

USER_TOKEN_PATH = "/v1.0/oauth2/userAccessToken"
ME_PATH = "/v1.0/contact/users/me"
PORTAL_CALLBACK = "http://127.0.0.1:9/accounts/dingtalk/login/callback/"
LEI, HAN, ANNA, ZHANG = DEMO_PEOPLE


def login_params(**overrides):
    return {
        "client_id": DEMO_LOGIN_CLIENT_ID,
        "redirect_uri": PORTAL_CALLBACK,
        "response_type": "code",
        "scope": "openid corpid",
        "state": "state-123",
        "prompt": "consent",
        **overrides,
    }


def choose(sandbox, person, **overrides):
    """The person's button on the login page: the redirect back, not followed."""
    data = {**login_params(**overrides), "union_id": person.union_id, "corp_id": person.corp_id}
    return requests.post(sandbox.base_url + "/oauth2/auth", data=data, allow_redirects=False, timeout=5)


def code_from(response) -> str:
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["Location"])
    query = dict(urllib.parse.parse_qsl(location.query))
    assert location._replace(query="").geturl() == PORTAL_CALLBACK
    assert query["state"] == "state-123"
    return query["authCode"]


def redeem(sandbox, code, secret=DEMO_LOGIN_CLIENT_SECRET):
    body = {"clientId": DEMO_LOGIN_CLIENT_ID, "clientSecret": secret, "code": code, "grantType": "authorization_code"}
    return requests.post(sandbox.base_url + USER_TOKEN_PATH, json=body, timeout=5)


def test_the_login_page_lists_the_people_of_each_demo_corp_and_one_unknown(sandbox):
    response = requests.get(sandbox.base_url + "/oauth2/auth", params=login_params(), timeout=5)
    assert response.status_code == 200
    page = response.text
    for organization, corp_id in DEMO_CORP_IDS.items():
        assert organization in page and corp_id in page
    assert UNKNOWN_CORP_ID in page
    assert all(person.nick in page for person in DEMO_PEOPLE)
    # The choice posts here and is redirected to the portal: the page's CSP lets that form go there.
    assert "form-action 'self' http://127.0.0.1:9" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"client_id": "unknown"}, "unknown client_id"),
        ({"response_type": "token"}, "response_type must be code"),
        ({"scope": "corpid"}, "scope must include openid"),
        ({"redirect_uri": "javascript:alert(1)"}, "redirect_uri must be an http(s) URL"),
    ],
)
def test_the_login_page_refuses_what_dingtalk_refuses(sandbox, overrides, problem):
    response = requests.get(sandbox.base_url + "/oauth2/auth", params=login_params(**overrides), timeout=5)
    assert response.status_code == 400
    assert problem in response.text


def test_a_registered_redirect_uri_is_the_only_one(sandbox):
    sandbox.state.signin.add_app("fixed-app", "fixed-secret", PORTAL_CALLBACK)
    elsewhere = login_params(client_id="fixed-app", redirect_uri="http://127.0.0.1:9/elsewhere/")
    assert requests.get(sandbox.base_url + "/oauth2/auth", params=elsewhere, timeout=5).status_code == 400
    same = login_params(client_id="fixed-app")
    assert requests.get(sandbox.base_url + "/oauth2/auth", params=same, timeout=5).status_code == 200


def test_a_code_gives_a_token_with_the_chosen_corp_and_the_token_says_who(sandbox):
    response = redeem(sandbox, code_from(choose(sandbox, HAN)))
    assert response.status_code == 200
    body = response.json()
    assert body["corpId"] == HAN.corp_id
    assert body["expireIn"] == 7200 and body["refreshToken"]
    me = requests.get(
        sandbox.base_url + ME_PATH, headers={"x-acs-dingtalk-access-token": body["accessToken"]}, timeout=5
    )
    assert me.status_code == 200
    assert {key: me.json()[key] for key in ("nick", "unionId", "openId")} == {
        "nick": HAN.nick,
        "unionId": HAN.union_id,
        "openId": HAN.open_id,
    }


def test_without_the_corpid_scope_no_corp_is_named(sandbox):
    body = redeem(sandbox, code_from(choose(sandbox, ANNA, scope="openid"))).json()
    assert "corpId" not in body


def test_a_code_is_good_once(sandbox):
    code = code_from(choose(sandbox, LEI))
    assert redeem(sandbox, code).status_code == 200
    assert_error(redeem(sandbox, code), 400, "paramsError")


def test_a_wrong_secret_is_refused_and_leaves_the_code_for_the_app(sandbox):
    code = code_from(choose(sandbox, ZHANG))
    assert_error(redeem(sandbox, code, secret="wrong"), 400, "invalidClientIdOrSecret")
    assert redeem(sandbox, code).json()["corpId"] == UNKNOWN_CORP_ID


def test_an_expired_code_is_refused(sandbox):
    code = code_from(choose(sandbox, LEI))
    sandbox.state.advance(301)
    assert_error(redeem(sandbox, code), 400, "paramsError")


def test_users_me_refuses_an_unknown_token(sandbox):
    response = requests.get(sandbox.base_url + ME_PATH, headers={"x-acs-dingtalk-access-token": "nope"}, timeout=5)
    assert_error(response, 400, "InvalidAuthentication")


def test_a_choice_posted_from_another_site_is_refused(sandbox):
    data = {**login_params(), "union_id": LEI.union_id, "corp_id": LEI.corp_id}
    response = requests.post(
        sandbox.base_url + "/oauth2/auth", data=data, headers={"Origin": "http://evil.example"}, timeout=5
    )
    assert response.status_code == 403


def test_the_request_log_masks_the_secret_and_the_code(sandbox):
    code = code_from(choose(sandbox, LEI))
    redeem(sandbox, code)
    logged = requests.get(sandbox.base_url + "/_sandbox/requests", timeout=5).text
    assert DEMO_LOGIN_CLIENT_SECRET not in logged and code not in logged
    assert re.search(r"userAccessToken", logged)


def test_people_and_apps_are_added_through_the_control_api(sandbox):
    added = requests.post(
        sandbox.base_url + "/_sandbox/login-people",
        json={"unionId": "u-new", "nick": "New Person", "corpId": "corp-new", "organization": "New Org"},
        timeout=5,
    )
    assert added.status_code == 201
    people = requests.get(sandbox.base_url + "/_sandbox/login-people", timeout=5).json()["people"]
    assert {"unionId": "u-new", "nick": "New Person", "corpId": "corp-new", "organization": "New Org"} in people
    app = requests.post(
        sandbox.base_url + "/_sandbox/login-apps",
        json={"clientId": "c2", "clientSecret": "s2", "redirectUri": PORTAL_CALLBACK},
        timeout=5,
    )
    assert app.status_code == 201
    assert sandbox.state.signin.app("c2").redirect_uri == PORTAL_CALLBACK
