"""The request log: what DingTalk received, and how it was answered."""

from __future__ import annotations

from .conftest import CONFERENCES_PATH, TOKEN, TOKEN_PATH, update_body

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
