"""The DingTalk sandbox over real HTTP on loopback: wire contract, faults, control, persistence, speed.

Pure pytest (no Django, no database). Run with:
    .venv/bin/python -m pytest tests/sandbox -q -p no:django
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from dingtalk_sandbox import (
    DEMO_APP_KEY,
    DEMO_APP_SECRET,
    DEMO_SUITE_KEY,
    DEMO_SUITE_SECRET,
    FAULTS,
    READ_SCOPE,
    WRITE_SCOPE,
    Sandbox,
    SandboxState,
)

TOKEN = "test-token"
CREATOR = "creator-union-id"
MEETING_ID = "2a489000-0000-0000-0000-000000000001"
START = 1_687_924_800_000
END = START + 3_600_000

TOKEN_PATH = "/v1.0/oauth2/accessToken"
CORP_TOKEN_PATH = "/v1.0/oauth2/corpAccessToken"
CONFERENCES_PATH = "/v1.0/conference/scheduleConferences"
CANCEL_PATH = CONFERENCES_PATH + "/cancel"
CANCELED_MESSAGE = "Schedule conference has canceled"


def query_path(meeting_id: str = MEETING_ID) -> str:
    return f"{CONFERENCES_PATH}/{meeting_id}/infos"


def update_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "creatorUnionId": CREATOR,
        "scheduleConferenceId": MEETING_ID,
        "title": "Renamed sync",
        "startTime": START,
        "endTime": END,
    }
    body.update(overrides)
    return body


class Api:
    """A thin client over one keep-alive session, so tests read as DingTalk calls."""

    def __init__(self, sandbox: Sandbox, session: requests.Session) -> None:
        self.sandbox, self.session = sandbox, session

    def url(self, path: str) -> str:
        return self.sandbox.base_url + path

    def call(self, method: str, path: str, token: str | None = TOKEN, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["x-acs-dingtalk-access-token"] = token
        return self.session.request(method, self.url(path), headers=headers, timeout=5, **kwargs)

    def update(self, token: str | None = TOKEN, **overrides: Any) -> requests.Response:
        return self.call("PUT", CONFERENCES_PATH, token, json=update_body(**overrides))

    def query(
        self, meeting_id: str = MEETING_ID, token: str | None = TOKEN, union_id: str = CREATOR
    ) -> requests.Response:
        return self.call("GET", query_path(meeting_id), token, params={"requestUnionId": union_id})

    def create(self, token: str | None = TOKEN, **overrides: Any) -> requests.Response:
        body = {"creatorUnionId": CREATOR, "title": "New meeting", "startTime": START, "endTime": END}
        body.update(overrides)
        return self.call("POST", CONFERENCES_PATH, token, json=body)

    def cancel(self, token: str | None = TOKEN, **overrides: Any) -> requests.Response:
        body = {"creatorUnionId": CREATOR, "scheduleConferenceId": MEETING_ID, **overrides}
        return self.call("POST", CANCEL_PATH, token, json=body)

    def token(self, app_key: str = DEMO_APP_KEY, app_secret: str = DEMO_APP_SECRET) -> requests.Response:
        return self.call("POST", TOKEN_PATH, None, json={"appKey": app_key, "appSecret": app_secret})

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url("/_sandbox" + path), timeout=5, **kwargs)


def assert_error(response: requests.Response, status: int, code: str, message: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["requestid"] == response.headers["x-acs-request-id"]
    if message is not None:
        assert body["message"] == message
    return body


@pytest.fixture
def sandbox():
    with Sandbox(tokens=[TOKEN]) as started:
        started.state.upsert_meeting(
            schedule_conference_id=MEETING_ID,
            creator_union_id=CREATOR,
            title="Weekly sync",
            start_time=START,
            end_time=END,
        )
        yield started


@pytest.fixture
def api(sandbox):
    with requests.Session() as session:
        yield Api(sandbox, session)


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


# --- query ----------------------------------------------------------------------------------------


def test_it_returns_a_meetings_details(api, sandbox):
    response = api.query()

    assert response.status_code == 200
    meeting = sandbox.state.get_meeting(MEETING_ID)
    assert response.json() == {
        "scheduleConferenceId": MEETING_ID,
        "title": "Weekly sync",
        "startTime": START,
        "endTime": END,
        "url": meeting.url,
        "roomCode": meeting.room_code,
        "phones": meeting.phones,
    }


def test_it_rejects_query_of_an_unknown_meeting(api):
    assert_error(api.query("no-such-meeting"), 400, "paramsError")


def test_it_rejects_query_of_a_canceled_meeting(api):
    api.cancel()

    assert_error(api.query(), 400, "resourceCancel", CANCELED_MESSAGE)


def test_it_requires_request_union_id_on_query(api):
    response = api.call("GET", query_path())

    assert_error(response, 400, "paramsError")


# --- create ---------------------------------------------------------------------------------------


def test_it_creates_a_meeting_that_can_be_queried(api):
    response = api.create(title="Kick-off")

    assert response.status_code == 200
    created = response.json()
    assert set(created) == {"scheduleConferenceId", "url", "roomCode", "phones"}
    queried = api.query(created["scheduleConferenceId"]).json()
    assert queried["title"] == "Kick-off"
    assert (queried["startTime"], queried["endTime"]) == (START, END)


def test_it_cuts_a_created_title_at_50_characters(api):
    created = api.create(title="x" * 60).json()

    assert api.query(created["scheduleConferenceId"]).json()["title"] == "x" * 50


def test_it_rejects_a_created_title_over_256_characters(api):
    assert_error(api.create(title="x" * 257), 400, "paramsError")


def test_it_rejects_create_with_end_before_start(api):
    assert_error(api.create(startTime=END, endTime=START), 400, "paramsError")


# --- update ---------------------------------------------------------------------------------------


def test_it_updates_a_meeting(api, sandbox):
    response = api.update(title="Renamed", startTime=START + 60_000, endTime=END + 60_000)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    meeting = sandbox.state.get_meeting(MEETING_ID)
    assert (meeting.title, meeting.start_time, meeting.end_time) == ("Renamed", START + 60_000, END + 60_000)


def test_it_accepts_a_50_character_title_counted_in_characters_not_bytes(api, sandbox):
    title = "会" * 50  # 150 bytes in UTF-8

    assert api.update(title=title).status_code == 200
    assert sandbox.state.get_meeting(MEETING_ID).title == title


def test_it_rejects_title_over_50_characters(api):
    body = assert_error(api.update(title="会" * 51), 400, "paramsError")

    assert body["message"].startswith("error:")


def test_it_rejects_an_empty_title(api):
    assert_error(api.update(title=""), 400, "paramsError")


@pytest.mark.parametrize("field", ["creatorUnionId", "scheduleConferenceId", "title", "startTime", "endTime"])
def test_it_rejects_an_update_missing_a_field(api, field):
    body = update_body()
    del body[field]

    response = api.call("PUT", CONFERENCES_PATH, json=body)

    error = assert_error(response, 400, "paramsError")
    assert error["message"].startswith("error:")
    assert field in error["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("creatorUnionId", 123),
        ("scheduleConferenceId", 1),
        ("title", 5),
        ("title", ["a"]),
        ("startTime", str(START)),
        ("startTime", True),
        ("endTime", float(END)),
        ("endTime", None),
    ],
)
def test_it_rejects_mistyped_update_fields(api, field, value):
    assert_error(api.update(**{field: value}), 400, "paramsError")


@pytest.mark.parametrize("end", [START, START - 1])
def test_it_rejects_an_end_time_not_after_the_start_time(api, end):
    assert_error(api.update(endTime=end), 400, "paramsError")


def test_it_rejects_a_non_json_update_body(api):
    response = api.call("PUT", CONFERENCES_PATH, data=update_body())  # form-encoded

    assert_error(response, 400, "paramsError")


def test_it_rejects_an_update_body_that_is_not_an_object(api):
    response = api.call("PUT", CONFERENCES_PATH, json=[update_body()])

    assert_error(response, 400, "paramsError")


def test_it_rejects_update_of_an_unknown_meeting(api):
    assert_error(api.update(scheduleConferenceId="no-such-meeting"), 400, "paramsError")


def test_it_rejects_update_by_someone_other_than_the_creator(api):
    body = assert_error(api.update(creatorUnionId="someone-else"), 400, "permissionError")

    assert body["message"].startswith("permissionError:")


def test_it_rejects_update_of_a_canceled_meeting(api):
    api.cancel()

    assert_error(api.update(), 400, "resourceCancel", CANCELED_MESSAGE)


def test_a_rejected_update_leaves_the_meeting_unchanged(api, sandbox):
    api.update(title="x" * 51)
    api.update(creatorUnionId="someone-else")

    assert sandbox.state.get_meeting(MEETING_ID).title == "Weekly sync"


# --- cancel ---------------------------------------------------------------------------------------


def test_it_cancels_a_meeting(api, sandbox):
    response = api.cancel()

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert sandbox.state.get_meeting(MEETING_ID).canceled


def test_it_rejects_cancel_by_someone_other_than_the_creator(api):
    assert_error(api.cancel(creatorUnionId="someone-else"), 400, "permissionError")


def test_it_rejects_cancel_of_an_unknown_meeting(api):
    assert_error(api.cancel(scheduleConferenceId="no-such-meeting"), 400, "paramsError")


def test_it_rejects_cancel_of_a_canceled_meeting(api):
    api.cancel()

    assert_error(api.cancel(), 400, "resourceCancel", CANCELED_MESSAGE)


# --- wire details ---------------------------------------------------------------------------------


def test_every_reply_carries_a_unique_request_id(api):
    responses = [api.query(), api.query("no-such-meeting"), api.control("GET", "/faults"), api.update()]

    ids = [r.headers["x-acs-request-id"] for r in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)


def test_it_answers_an_unknown_api_with_404(api):
    assert_error(api.call("GET", "/v1.0/no/such/api"), 404, "InvalidAction.NotFound")
    assert_error(api.call("DELETE", CONFERENCES_PATH), 404, "InvalidAction.NotFound")


def test_it_keeps_the_connection_alive_between_calls(sandbox):
    connection = http.client.HTTPConnection("127.0.0.1", int(sandbox.base_url.rsplit(":", 1)[1]), timeout=5)
    headers = {"x-acs-dingtalk-access-token": TOKEN}
    try:
        connection.request("GET", query_path() + f"?requestUnionId={CREATOR}", headers=headers)
        first = connection.getresponse()
        first.read()
        sock = connection.sock
        connection.request("GET", query_path() + f"?requestUnionId={CREATOR}", headers=headers)
        second = connection.getresponse()
        second.read()

        assert (first.status, second.status) == (200, 200)
        assert first.getheader("Connection") is None
        assert connection.sock is sock
    finally:
        connection.close()


# --- faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "code", "message_prefix"),
    [
        ("paramsError", 400, "paramsError", "error:"),
        ("permissionError", 400, "permissionError", "permissionError:"),
        ("resourceCancel", 400, "resourceCancel", CANCELED_MESSAGE),
        ("systemError", 500, "systemError", "systemError:"),
        ("InvalidAuthentication", 400, "InvalidAuthentication", ""),
        ("missingScope", 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied", ""),
        ("qpsLimit", 403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", ""),
        ("apiCountLimit", 403, "Forbidden.AccessDenied.ApiCountLimitForOrg", ""),
    ],
)
def test_an_armed_error_fault_fails_the_next_update_once(api, sandbox, fault, status, code, message_prefix):
    sandbox.state.arm_fault(fault, api="update")

    body = assert_error(api.update(), status, code)

    assert body["message"].startswith(message_prefix)
    assert api.update().status_code == 200
    assert sandbox.state.get_meeting(MEETING_ID).title == "Renamed sync"


def test_the_missing_scope_fault_names_the_required_scope(api, sandbox):
    sandbox.state.arm_fault("missingScope", api="*", count=2)

    on_query = assert_error(api.query(), 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    on_update = assert_error(api.update(), 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")

    assert on_query["accessdenieddetail"] == {"requiredScopes": [READ_SCOPE]}
    assert on_update["accessdenieddetail"] == {"requiredScopes": [WRITE_SCOPE]}


@pytest.mark.parametrize("status", [503, 200])
def test_the_html_fault_answers_with_a_page_instead_of_json(api, sandbox, status):
    sandbox.state.arm_fault("html", api="update", status=status)

    response = api.update()

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.lstrip().startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError):
        response.json()


def test_the_drop_fault_closes_the_connection_without_a_reply(api, sandbox):
    sandbox.state.arm_fault("drop", api="update")

    with pytest.raises(requests.ConnectionError):
        api.update()

    assert api.update().status_code == 200
    assert [entry["status"] for entry in sandbox.state.requests("update")] == [None, 200]


def test_the_slow_fault_delays_then_answers_normally(api, sandbox):
    sandbox.state.arm_fault("slow", api="update", seconds=0.3)

    started = time.perf_counter()
    response = api.update()

    assert time.perf_counter() - started >= 0.3
    assert response.status_code == 200
    assert sandbox.state.get_meeting(MEETING_ID).title == "Renamed sync"


def test_the_slow_fault_makes_a_client_read_timeout_happen(api, sandbox):
    sandbox.state.arm_fault("slow", api="query", seconds=0.5)

    with pytest.raises(requests.Timeout):
        api.session.get(api.url(query_path()), params={"requestUnionId": CREATOR}, timeout=(1, 0.1))


def test_the_success_false_fault_answers_200_without_success(api, sandbox):
    sandbox.state.arm_fault("success_false", api="update")

    response = api.update()

    assert response.status_code == 200
    assert response.json() == {"success": False}
    assert sandbox.state.get_meeting(MEETING_ID).title == "Weekly sync"


def test_a_fault_fails_exactly_count_calls(api, sandbox):
    sandbox.state.arm_fault("systemError", api="update", count=2)

    statuses = [api.update().status_code for _ in range(3)]

    assert statuses == [500, 500, 200]


def test_a_fault_only_hits_its_api(api, sandbox):
    sandbox.state.arm_fault("systemError", api="query")

    assert api.update().status_code == 200
    assert api.query().status_code == 500


def test_a_fault_for_any_api_hits_the_next_call(api, sandbox):
    sandbox.state.arm_fault("qpsLimit", api="*")

    assert api.token().status_code == 403
    assert api.token().status_code == 200


def test_a_token_fault_hits_the_token_endpoint(api, sandbox):
    sandbox.state.arm_fault("systemError", api="token")

    assert_error(api.token(), 500, "systemError")


def test_faults_are_armed_listed_and_cleared_over_http(api, sandbox):
    response = api.control("POST", "/faults", json={"fault": "slow", "api": "query", "count": 2, "seconds": 1.5})

    assert response.status_code == 201
    listed = api.control("GET", "/faults").json()["faults"]
    assert [(f["fault"], f["api"], f["remaining"], f["seconds"]) for f in listed] == [("slow", "query", 2, 1.5)]
    assert api.control("DELETE", "/faults").json() == {"cleared": 1}
    assert sandbox.state.faults() == []


def test_arming_a_fault_from_the_page_redirects_back_to_it(api, sandbox):
    response = api.control(
        "POST", "/faults", data={"fault": "qpsLimit", "api": "update", "count": "1"}, allow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/_sandbox/"
    assert [f.fault for f in sandbox.state.faults()] == ["qpsLimit"]
    assert_error(api.update(), 403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi")


@pytest.mark.parametrize(
    "payload",
    [
        {"fault": "meteorStrike"},
        {"fault": "systemError", "api": "nope"},
        {"fault": "systemError", "count": 0},
        {"fault": "html", "status": 404},
        {"api": "update"},
    ],
)
def test_it_rejects_a_bad_fault(api, sandbox, payload):
    response = api.control("POST", "/faults", json=payload)

    assert response.status_code == 400
    assert response.json()["error"]
    assert sandbox.state.faults() == []


def test_it_refuses_a_cross_origin_form_post(api, sandbox):
    response = api.control("POST", "/reset", data={}, headers={"Origin": "http://evil.example"}, allow_redirects=False)

    assert response.status_code == 403
    assert sandbox.state.get_meeting(MEETING_ID) is not None


# --- request log ----------------------------------------------------------------------------------


def test_it_logs_exactly_what_dingtalk_received(api, sandbox):
    api.update(title="Logged")

    [entry] = sandbox.state.requests()
    assert entry["api"] == "update"
    assert entry["method"] == "PUT"
    assert entry["path"] == CONFERENCES_PATH
    assert entry["query"] == {}
    assert entry["headers"]["x-acs-dingtalk-access-token"] == TOKEN
    assert entry["headers"]["content-type"] == "application/json"
    assert entry["body"] == update_body(title="Logged")
    assert entry["status"] == 200
    assert entry["fault"] is None


def test_it_logs_the_query_string_and_a_non_json_body(api, sandbox):
    api.query(union_id="u-42")
    api.call("POST", TOKEN_PATH, None, data="appKey=a&appSecret=b")

    query, token = sandbox.state.requests()
    assert query["query"] == {"requestUnionId": "u-42"}
    assert token["body"] is None
    assert token["rawBody"] == "appKey=a&appSecret=b"
    assert token["status"] == 400


def test_it_logs_which_fault_answered(api, sandbox):
    sandbox.state.arm_fault("systemError", api="update")
    api.update()

    assert sandbox.state.requests("update")[0]["fault"] == "systemError"


def test_the_request_log_is_served_and_cleared_over_http(api, sandbox):
    api.query()
    api.control("GET", "/meetings")  # control calls are not DingTalk calls: not logged

    logged = api.control("GET", "/requests").json()["requests"]
    assert [(e["api"], e["status"]) for e in logged] == [("query", 200)]
    assert api.control("DELETE", "/requests").status_code == 200
    assert sandbox.state.requests() == []


# --- control endpoints ----------------------------------------------------------------------------


def test_it_seeds_a_meeting_with_a_fixed_id_over_http(api):
    meeting = {
        "scheduleConferenceId": "demo-1",
        "creatorUnionId": "demo-user",
        "title": "Demo",
        "startTime": START,
        "endTime": END,
    }

    response = api.control("POST", "/meetings", json=meeting)

    assert response.status_code == 201
    queried = api.query("demo-1", union_id="demo-user").json()
    assert (queried["title"], queried["startTime"]) == ("Demo", START)
    listed = api.control("GET", "/meetings").json()["meetings"]
    assert {m["scheduleConferenceId"] for m in listed} == {MEETING_ID, "demo-1"}
    detail = api.control("GET", "/meetings/demo-1").json()["meeting"]
    assert (detail["creatorUnionId"], detail["canceled"]) == ("demo-user", False)


def test_seeding_from_the_page_form_takes_utc_datetimes(api, sandbox):
    form = {
        "creatorUnionId": "demo-user",
        "title": "From the page",
        "startTime": "2023-06-28T04:00",
        "endTime": "2023-06-28T05:00",
    }

    response = api.control("POST", "/meetings", data=form, allow_redirects=False)

    assert response.status_code == 303
    [seeded] = [m for m in sandbox.state.meetings() if m.title == "From the page"]
    assert (seeded.start_time, seeded.end_time) == (START, END)


def test_seeding_upserts_an_existing_meeting(api, sandbox):
    sandbox.state.upsert_meeting(
        schedule_conference_id=MEETING_ID, creator_union_id=CREATOR, title="Replaced", start_time=1, end_time=2
    )

    assert api.query().json()["title"] == "Replaced"
    assert len(sandbox.state.meetings()) == 1


def test_reset_forgets_meetings_faults_log_and_issued_tokens_but_keeps_static_tokens(api, sandbox):
    issued = api.token().json()["accessToken"]
    sandbox.state.arm_fault("systemError", api="cancel")

    assert api.control("POST", "/reset").status_code == 200

    assert sandbox.state.meetings() == []
    assert sandbox.state.faults() == []
    assert sandbox.state.requests() == []
    assert_error(api.query(token=issued), 400, "InvalidAuthentication")
    assert_error(api.query(token=TOKEN), 400, "paramsError")  # static token still valid


def test_the_clock_and_tokens_can_be_driven_over_http(api):
    assert api.control("POST", "/tokens", json={"token": "remote", "expiresIn": 30}).status_code == 201
    assert api.query(token="remote").status_code == 200

    assert api.control("POST", "/clock", json={"advance": 31}).status_code == 200

    assert_error(api.query(token="remote"), 400, "InvalidAuthentication")


def test_apps_can_be_added_over_http(api):
    response = api.control("POST", "/apps", json={"appKey": "reader", "appSecret": "s", "scopes": [READ_SCOPE]})

    assert response.status_code == 201
    token = api.token("reader", "s").json()["accessToken"]
    assert api.query(token=token).status_code == 200
    assert api.update(token=token).status_code == 403


def test_the_control_page_escapes_a_hostile_meeting_title(api, sandbox):
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>\"&"
    sandbox.state.upsert_meeting(
        schedule_conference_id='"><b>id</b>', creator_union_id="<i>u</i>", title=hostile, start_time=START, end_time=END
    )
    api.call("GET", "/v1.0/<script>/x")  # shows up in the recent-calls table

    response = api.control("GET", "/")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&amp;" in page
    assert "<script" not in page
    assert "<img" not in page
    assert "<b>id</b>" not in page
    assert "<i>u</i>" not in page
    assert "style=" not in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_control_page_has_a_button_to_fail_the_next_update_with_each_fault(api):
    page = api.control("GET", "/").text

    for fault in FAULTS:
        assert f'<input type="hidden" name="fault" value="{fault}">' in page


# --- persistence ----------------------------------------------------------------------------------


def test_it_keeps_meetings_and_tokens_across_a_restart(tmp_path):
    state_file = tmp_path / "sandbox.json"
    with Sandbox(state_file=str(state_file)) as first, requests.Session() as session:
        api = Api(first, session)
        token = api.token().json()["accessToken"]
        created = api.create(token=token, title="Survives").json()["scheduleConferenceId"]
        assert api.update(token=token, scheduleConferenceId=created, title="Edited").status_code == 200

    with Sandbox(state_file=str(state_file)) as second, requests.Session() as session:
        api = Api(second, session)
        assert api.query(created, token=token).json()["title"] == "Edited"
        assert api.token().json()["accessToken"] == token


def test_it_saves_the_state_file_atomically(tmp_path, monkeypatch):
    state_file = tmp_path / "sandbox.json"
    replaced: list[tuple[str, str]] = []
    real_replace = __import__("os").replace

    def spy(src: str, dst: Any) -> None:
        replaced.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr("dingtalk_sandbox.state.os.replace", spy)
    state = SandboxState(state_file=state_file)

    state.upsert_meeting(schedule_conference_id="m", creator_union_id="u", title="t", start_time=1, end_time=2)

    assert [dst for _, dst in replaced] == [str(state_file)]
    assert Path(replaced[0][0]).parent == tmp_path
    assert json.loads(state_file.read_text())["meetings"]["m"]["title"] == "t"
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]  # no temp file left behind


def test_it_refuses_a_corrupt_state_file(tmp_path):
    state_file = tmp_path / "sandbox.json"
    state_file.write_text("{not json")

    with pytest.raises(ValueError, match="sandbox.json"):
        SandboxState(state_file=state_file)


# --- latency, threads, and the no-stall property --------------------------------------------------


def test_latency_ms_delays_api_replies_but_not_control_endpoints():
    with Sandbox(tokens=[TOKEN], latency_ms=150) as sandbox, requests.Session() as session:
        api = Api(sandbox, session)
        api.control("GET", "/meetings")  # warm the connection

        started = time.perf_counter()
        api.query("no-such-meeting")
        api_seconds = time.perf_counter() - started
        started = time.perf_counter()
        api.control("GET", "/meetings")
        control_seconds = time.perf_counter() - started

    assert api_seconds >= 0.15
    assert control_seconds < 0.1


def test_a_slow_call_does_not_hold_up_other_connections(sandbox):
    sandbox.state.arm_fault("slow", api="query", seconds=0.5)
    slow = threading.Thread(
        target=requests.get,
        args=(sandbox.base_url + query_path(),),
        kwargs={"headers": {"x-acs-dingtalk-access-token": TOKEN}, "timeout": 5},
    )
    slow.start()
    time.sleep(0.05)

    started = time.perf_counter()
    with requests.Session() as session:
        assert Api(sandbox, session).update().status_code == 200
    elapsed = time.perf_counter() - started
    slow.join()

    assert elapsed < 0.3


def test_each_reply_goes_out_in_one_socket_write(sandbox, monkeypatch):
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    server_writes: list[int] = []
    real_sendall = socket.socket.sendall

    def spy(self: socket.socket, data: Any, *args: Any) -> None:
        if self.getsockname()[1] == port:  # the server's side of a connection
            server_writes.append(len(data))
        real_sendall(self, data, *args)

    monkeypatch.setattr(socket.socket, "sendall", spy)
    sandbox.state.arm_fault("html", api="query")
    with requests.Session() as session:
        api = Api(sandbox, session)
        responses = [api.update(), api.update(title=""), api.query(), api.control("GET", "/")]

    assert len(server_writes) == len(responses)
    for written, response in zip(server_writes, responses, strict=True):
        assert written > len(response.content)  # status line, headers and body together


def test_keep_alive_round_trips_do_not_stall_on_delayed_ack(api):
    # A server writing headers and body separately stalls ~40 ms per call here (Nagle + delayed ACK).
    api.update()  # open the connection
    durations = []
    for _ in range(20):
        started = time.perf_counter()
        assert api.update().status_code == 200
        durations.append(time.perf_counter() - started)

    assert statistics.median(durations) < 0.015


# --- command line ---------------------------------------------------------------------------------


def test_the_command_line_serves_with_preloaded_tokens(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "dingtalk_sandbox", "--port", "0", "--token", "cli-token", "--quiet"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        base_url = first_line.rsplit(" ", 1)[1].strip()
        assert base_url.startswith("http://127.0.0.1:")

        response = requests.post(
            base_url + CONFERENCES_PATH,
            json={"creatorUnionId": CREATOR, "title": "CLI", "startTime": START, "endTime": END},
            headers={"x-acs-dingtalk-access-token": "cli-token"},
            timeout=5,
        )

        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()
