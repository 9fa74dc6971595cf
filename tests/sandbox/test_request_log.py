"""The request log: what DingTalk received, and how it was answered."""

from __future__ import annotations

from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_SUITE_KEY, DEMO_SUITE_SECRET

from .helpers import CONFERENCES_PATH, CORP_TOKEN_PATH, TOKEN, TOKEN_PATH, update_body

SUITE_TICKET = "suite-ticket-0123456789"

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


def test_the_request_log_served_over_http_masks_tokens_secrets_and_tickets(api, sandbox):
    issued = api.token().json()["accessToken"]
    corp_body = {
        "suiteKey": DEMO_SUITE_KEY,
        "suiteSecret": DEMO_SUITE_SECRET,
        "authCorpId": "ding-corp-1",
        "suiteTicket": SUITE_TICKET,
    }
    api.call("POST", CORP_TOKEN_PATH, None, json=corp_body)
    api.query(token=issued)
    api.call("POST", TOKEN_PATH, None, data=f"appKey={DEMO_APP_KEY}&appSecret={DEMO_APP_SECRET}")
    api.update()

    response = api.control("GET", "/requests")

    token_call, corp_call, query, form_call, update = response.json()["requests"]
    assert token_call["body"] == {"appKey": DEMO_APP_KEY, "appSecret": "sand…"}
    assert corp_call["body"] == {**corp_body, "suiteSecret": "sand…", "suiteTicket": "suit…"}
    assert query["headers"]["x-acs-dingtalk-access-token"] == issued[:4] + "…"
    assert form_call["rawBody"] == f"appKey={DEMO_APP_KEY}&appSecret=sand…"
    assert update["headers"]["x-acs-dingtalk-access-token"] == "test…"
    for secret in (DEMO_APP_SECRET, DEMO_SUITE_SECRET, SUITE_TICKET, issued, TOKEN):
        assert secret not in response.text
    assert sandbox.state.requests("query")[0]["headers"]["x-acs-dingtalk-access-token"] == issued  # kept whole


def test_the_recent_calls_on_the_page_show_which_token_masked(api, sandbox):
    issued = api.token().json()["accessToken"]
    api.query(token=issued)
    api.update()

    page = api.control("GET", "/").text

    assert f"<td>{issued[:4]}…</td>" in page
    assert "<td>test…</td>" in page
    assert issued not in page
    assert TOKEN not in page
    assert DEMO_APP_SECRET not in page
