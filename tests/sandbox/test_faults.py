"""Armed faults: each stands in for one of DingTalk's failures, for a given number of calls."""

from __future__ import annotations

import gzip
import json
import socket
import time

import pytest
import requests

from dingtalk_sandbox import READ_SCOPE, WRITE_SCOPE
from dingtalk_sandbox.records import DEFAULT_TRICKLE_SECONDS, OVERSIZED_BYTES, TRICKLE_DECLARED_BYTES

from .helpers import (
    CANCELED_MESSAGE,
    CONFERENCES_PATH,
    CREATOR,
    MEETING_ID,
    TOKEN,
    assert_error,
    query_path,
    update_body,
)

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


# --- a hostile gateway's replies: the call is handled, its reply comes back wrong ----------------------


def test_the_trickle_fault_applies_the_call_then_sends_its_reply_a_byte_at_a_time(sandbox):
    sandbox.state.arm_fault("trickle", api="update", seconds=0.2)
    body = json.dumps(update_body()).encode()
    head = (
        f"PUT {CONFERENCES_PATH} HTTP/1.1\r\nHost: {sandbox.base_url.split('//')[1]}\r\n"
        f"x-acs-dingtalk-access-token: {TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(sandbox.base_url.split("//")[1].split(":"), timeout=5) as connection:
        # Timed from before the request goes: the sandbox's pauses all come after it, so however late this
        # thread reads (a busy machine), the time can only grow, never shrink below the pauses.
        started = time.monotonic()
        connection.sendall(head + body)
        reply = connection.makefile("rb")
        status = reply.readline()
        headers = list(iter(reply.readline, b"\r\n"))
        length = next(int(line.split(b":")[1]) for line in headers if line.lower().startswith(b"content-length"))
        first_bytes = reply.read(3)
        took = time.monotonic() - started

    assert status.startswith(b"HTTP/1.1 200")
    assert length == TRICKLE_DECLARED_BYTES  # far beyond the JSON, which is what comes first
    assert first_bytes == b'{"s'  # {"success": true}, then spaces
    assert took >= 2 * 0.2  # a byte every 0.2 s
    assert sandbox.state.get_meeting(MEETING_ID).title == "Renamed sync"  # DingTalk acted


def test_the_gzip_fault_compresses_the_reply_though_identity_was_asked_for(api, sandbox):
    sandbox.state.arm_fault("gzip", api="update")

    response = api.session.put(
        api.url(CONFERENCES_PATH),
        json=update_body(),
        headers={"x-acs-dingtalk-access-token": TOKEN, "Accept-Encoding": "identity"},
        stream=True,
        timeout=5,
    )

    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.raw.read(decode_content=False))) == {"success": True}
    assert sandbox.state.get_meeting(MEETING_ID).title == "Renamed sync"


def test_the_oversized_fault_pads_the_reply_past_the_portals_cap(api, sandbox):
    sandbox.state.arm_fault("oversized", api="query")

    response = api.query()

    assert len(response.content) == OVERSIZED_BYTES > 1024 * 1024
    assert response.json()["scheduleConferenceId"] == MEETING_ID  # still DingTalk's reply, only padded


def test_trickle_faults_are_armed_over_http_with_their_pace(api, sandbox):
    response = api.control("POST", "/faults", json={"fault": "trickle", "api": "update"})

    assert response.status_code == 201
    assert response.json()["fault"]["seconds"] == DEFAULT_TRICKLE_SECONDS


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
