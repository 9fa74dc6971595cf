"""Armed faults: each stands in for one of DingTalk's failures, for a given number of calls."""

from __future__ import annotations

import time

import pytest
import requests

from dingtalk_sandbox import READ_SCOPE, WRITE_SCOPE

from .helpers import CANCELED_MESSAGE, CREATOR, MEETING_ID, assert_error, query_path

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
