"""Access tokens (internal app and third-party suite), and the scopes they carry."""

from __future__ import annotations

from typing import Any

import pytest

from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_SUITE_KEY, DEMO_SUITE_SECRET, READ_SCOPE, WRITE_SCOPE

from .helpers import CORP_TOKEN_PATH, TOKEN_PATH, assert_error

# --- access tokens --------------------------------------------------------------------------------


def test_it_issues_an_access_token_to_the_demo_app(api):
    response = api.token()

    assert response.status_code == 200
    body = response.json()
    assert body["expireIn"] == 7200
    assert api.query(token=body["accessToken"]).status_code == 200


def test_it_returns_the_same_token_while_it_is_valid(api, sandbox):
    first = api.token().json()["accessToken"]
    sandbox.state.advance(7000)

    assert api.token().json()["accessToken"] == first


@pytest.mark.parametrize(
    "body",
    [
        {"appKey": DEMO_APP_KEY, "appSecret": "wrong"},
        {"appKey": "unknown", "appSecret": DEMO_APP_SECRET},
        {"appKey": DEMO_APP_KEY},
    ],
)
def test_it_rejects_wrong_app_credentials(api, body):
    response = api.call("POST", TOKEN_PATH, None, json=body)

    assert_error(response, 400, "invalidClientIdOrSecret")


def test_it_rejects_a_form_encoded_token_request(api):
    response = api.call("POST", TOKEN_PATH, None, data={"appKey": DEMO_APP_KEY, "appSecret": DEMO_APP_SECRET})

    assert response.status_code == 400
    assert response.json()["code"] == "paramsError"


def test_it_accepts_an_issued_token_until_it_expires(api, sandbox):
    token = api.token().json()["accessToken"]

    sandbox.state.advance(7199)
    assert api.query(token=token).status_code == 200
    sandbox.state.advance(2)
    assert_error(api.query(token=token), 400, "InvalidAuthentication")


def test_it_issues_a_new_token_once_the_old_one_expired(api, sandbox):
    old = api.token().json()["accessToken"]
    sandbox.state.advance(7201)

    new = api.token().json()["accessToken"]

    assert new != old
    assert api.query(token=new).status_code == 200


def test_a_preloaded_token_can_expire(api, sandbox):
    sandbox.state.add_token("short-lived", expires_in=60)
    assert api.query(token="short-lived").status_code == 200

    sandbox.state.advance(61)

    assert_error(api.query(token="short-lived"), 400, "InvalidAuthentication")


def corp_token_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "suiteKey": DEMO_SUITE_KEY,
        "suiteSecret": DEMO_SUITE_SECRET,
        "authCorpId": "ding-corp-1",
        "suiteTicket": "ticket",
    }
    body.update(overrides)
    return body


def test_it_issues_a_corp_access_token_to_a_suite(api):
    response = api.call("POST", CORP_TOKEN_PATH, None, json=corp_token_body())

    assert response.status_code == 200
    body = response.json()
    assert body["expireIn"] == 7200
    assert api.query(token=body["accessToken"]).status_code == 200


def test_it_issues_one_corp_token_per_corp(api):
    first = api.call("POST", CORP_TOKEN_PATH, None, json=corp_token_body(authCorpId="a")).json()
    second = api.call("POST", CORP_TOKEN_PATH, None, json=corp_token_body(authCorpId="b")).json()

    assert first["accessToken"] != second["accessToken"]


def test_it_rejects_wrong_suite_credentials(api):
    response = api.call("POST", CORP_TOKEN_PATH, None, json=corp_token_body(suiteSecret="wrong"))

    assert_error(response, 400, "invalidClientIdOrSecret")


def test_it_rejects_a_corp_token_for_a_corp_that_did_not_authorize_the_suite(api, sandbox):
    sandbox.state.add_suite("suite", "secret", corp_ids=["ding-corp-1"], suite_ticket="t1")
    body = corp_token_body(suiteKey="suite", suiteSecret="secret", suiteTicket="t1")

    assert api.call("POST", CORP_TOKEN_PATH, None, json=body).status_code == 200
    response = api.call("POST", CORP_TOKEN_PATH, None, json={**body, "authCorpId": "other"})
    assert_error(response, 400, "paramsError")
    response = api.call("POST", CORP_TOKEN_PATH, None, json={**body, "suiteTicket": "stale"})
    assert_error(response, 400, "paramsError")


# --- authentication and scopes --------------------------------------------------------------------

CONFERENCE_CALLS = ["create", "query", "update", "cancel"]


@pytest.mark.parametrize("call", CONFERENCE_CALLS)
def test_it_rejects_a_call_without_a_token(api, call):
    response = getattr(api, call)(token=None)

    assert_error(response, 400, "InvalidAuthentication")


@pytest.mark.parametrize("call", CONFERENCE_CALLS)
def test_it_rejects_a_call_with_an_unknown_token(api, call):
    response = getattr(api, call)(token="never-issued")

    assert_error(response, 400, "InvalidAuthentication")


@pytest.mark.parametrize("call", ["create", "update", "cancel"])
def test_it_rejects_writes_with_a_token_lacking_the_write_scope(api, sandbox, call):
    sandbox.state.add_token("read-only", scopes=[READ_SCOPE])

    response = getattr(api, call)(token="read-only")

    body = assert_error(response, 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert body["accessdenieddetail"] == {"requiredScopes": [WRITE_SCOPE]}


def test_it_rejects_query_with_a_token_lacking_the_read_scope(api, sandbox):
    sandbox.state.add_token("write-only", scopes=[WRITE_SCOPE])

    response = api.query(token="write-only")

    body = assert_error(response, 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert body["accessdenieddetail"] == {"requiredScopes": [READ_SCOPE]}


def test_an_app_token_carries_the_apps_scopes(api, sandbox):
    sandbox.state.add_app("reader", "secret", scopes=[READ_SCOPE])
    token = api.token("reader", "secret").json()["accessToken"]

    assert api.query(token=token).status_code == 200
    assert_error(api.update(token=token), 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
