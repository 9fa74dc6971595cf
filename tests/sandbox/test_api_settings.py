"""DingTalk's meeting settings endpoints and the per-API rate limit."""

from __future__ import annotations

import pytest
import requests

from dingtalk_sandbox import Sandbox

from .helpers import CONFERENCES_PATH, CREATOR, MEETING_ID, TOKEN, assert_error

SETTINGS_PATH = CONFERENCES_PATH + "/settings"


def read_settings(api, meeting_id=MEETING_ID):
    return api.call("GET", SETTINGS_PATH, params={"scheduleConferenceId": meeting_id})


def change_settings(api, model, creator=CREATOR, meeting_id=MEETING_ID):
    body = {"creatorUnionId": creator, "scheduleConferenceId": meeting_id, "scheduleConfSettingModel": model}
    return api.call("PUT", SETTINGS_PATH, json=body)


def test_a_new_meeting_has_the_creator_as_host_and_nothing_locked(api):
    response = read_settings(api)

    assert response.status_code == 200
    assert response.json()["scheduleConfSettingModel"] == {
        "hostUnionId": CREATOR,
        "cohostUnionIds": [],
        "lockRoom": 0,
        "screenShareForbidden": 0,
        "muteOnJoin": 0,
        "moziConfVirtualExtraSetting": {"waitingRoom": 0, "joinBeforeHost": 1, "enableChat": 1, "lockNick": 0},
    }


def test_an_update_changes_only_the_fields_sent(api):
    response = change_settings(api, {"lockRoom": 1, "moziConfVirtualExtraSetting": {"waitingRoom": 1}})

    assert response.status_code == 200
    assert response.json() == {"success": True}
    model = read_settings(api).json()["scheduleConfSettingModel"]
    assert model["lockRoom"] == 1
    assert model["muteOnJoin"] == 0
    assert model["moziConfVirtualExtraSetting"] == {
        "waitingRoom": 1,
        "joinBeforeHost": 1,
        "enableChat": 1,
        "lockNick": 0,
    }


def test_mute_on_join_takes_a_head_count(api):
    assert change_settings(api, {"muteOnJoin": 5}).status_code == 200

    assert read_settings(api).json()["scheduleConfSettingModel"]["muteOnJoin"] == 5


def test_only_the_creator_may_change_settings(api):
    assert_error(change_settings(api, {"lockRoom": 1}, creator="someone-else"), 400, "permissionError")

    assert read_settings(api).json()["scheduleConfSettingModel"]["lockRoom"] == 0


def test_a_canceled_meeting_refuses_settings_reads_and_changes(api):
    assert api.cancel().status_code == 200

    assert_error(read_settings(api), 400, "resourceCancel")
    assert_error(change_settings(api, {"lockRoom": 1}), 400, "resourceCancel")


def test_an_unknown_meeting_is_a_params_error(api):
    assert_error(read_settings(api, meeting_id="nope"), 400, "paramsError")
    assert_error(change_settings(api, {"lockRoom": 1}, meeting_id="nope"), 400, "paramsError")


@pytest.mark.parametrize(
    "model",
    [
        {"lockRoom": 2},
        {"lockRoom": True},
        {"muteOnJoin": -2},
        {"cohostUnionIds": "a,b"},
        {"hostUnionId": ""},
        {"moziConfVirtualExtraSetting": {"waitingRoom": "1"}},
        {"somethingElse": 1},
    ],
)
def test_it_refuses_a_bad_setting(api, model):
    assert_error(change_settings(api, model), 400, "paramsError")


def test_settings_need_a_valid_token(api):
    response = api.call("GET", SETTINGS_PATH, token="unknown", params={"scheduleConferenceId": MEETING_ID})

    assert_error(response, 400, "InvalidAuthentication")


# --- the rate limit ----------------------------------------------------------------------------------


def test_without_a_limit_every_call_is_answered(api):
    assert all(read_settings(api).status_code == 200 for _ in range(30))


def test_past_the_limit_an_api_answers_qps_limit_for_api():
    with Sandbox(tokens=[TOKEN], qps=3) as sandbox, requests.Session() as session:
        sandbox.state.rate_clock = lambda: 1000.0  # every call within one second, however slow the machine
        sandbox.state.upsert_meeting(
            schedule_conference_id=MEETING_ID, creator_union_id=CREATOR, title="t", start_time=0, end_time=1
        )
        url = sandbox.base_url + CONFERENCES_PATH + f"/{MEETING_ID}/infos"
        replies = [
            session.get(url, params={"requestUnionId": CREATOR}, headers={"x-acs-dingtalk-access-token": TOKEN})
            for _ in range(4)
        ]
        # Another API has its own count.
        other = session.get(
            sandbox.base_url + SETTINGS_PATH,
            params={"scheduleConferenceId": MEETING_ID},
            headers={"x-acs-dingtalk-access-token": TOKEN},
        )

    assert [reply.status_code for reply in replies[:3]] == [200, 200, 200]
    assert_error(replies[3], 403, "Forbidden.AccessDenied.QpsLimitForApi")
    assert other.status_code == 200
    assert [entry["status"] for entry in sandbox.state.requests("query")] == [200, 200, 200, 403]


def test_the_limit_is_per_second():
    from dingtalk_sandbox.state import SandboxState

    now = [1000.0]
    sandbox_state = SandboxState(qps=2)
    sandbox_state.rate_clock = lambda: now[0]

    assert [sandbox_state.admit("query") for _ in range(3)] == [True, True, False]
    now[0] += 1.01
    assert sandbox_state.admit("query") is True


def test_the_limit_counts_a_call_when_it_arrives_not_when_its_slow_reply_is_made(monkeypatch):
    # A gateway counts calls as they reach it, before the service's latency: two calls that arrived a
    # second apart are both admitted, however long the first one's reply took to make.
    from types import SimpleNamespace

    from dingtalk_sandbox.api import gateway

    now = [1000.0]
    waits = iter([0.5, 0.0])  # the first reply takes half a second to make, the second none

    def sleep(seconds):
        now[0] += next(waits)

    monkeypatch.setattr(gateway, "time", SimpleNamespace(sleep=sleep))
    with Sandbox(tokens=[TOKEN], qps=1, latency_ms=1) as sandbox, requests.Session() as session:
        sandbox.state.rate_clock = lambda: now[0]
        sandbox.state.upsert_meeting(
            schedule_conference_id=MEETING_ID, creator_union_id=CREATOR, title="t", start_time=0, end_time=1
        )
        url = sandbox.base_url + CONFERENCES_PATH + f"/{MEETING_ID}/infos"
        headers = {"x-acs-dingtalk-access-token": TOKEN}
        first = session.get(url, params={"requestUnionId": CREATOR}, headers=headers)  # arrives at 1000.0
        now[0] = 1001.0  # the second arrives a second after the first
        second = session.get(url, params={"requestUnionId": CREATOR}, headers=headers)

    assert (first.status_code, second.status_code) == (200, 200)


def test_the_command_line_reads_the_limit_from_the_environment(monkeypatch):
    import argparse

    from dingtalk_sandbox.cli import add_arguments

    monkeypatch.setenv("DINGTALK_SANDBOX_QPS", "20")
    parser = argparse.ArgumentParser()
    add_arguments(parser)

    assert parser.parse_args([]).qps == 20
    monkeypatch.delenv("DINGTALK_SANDBOX_QPS")
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).qps is None


def test_it_takes_the_extension_app_list_the_official_sdk_always_sends(api):
    # The SDK's model writes "moziConfExtensionAppSettings": [] into every settings update.
    model = {"lockRoom": 1, "moziConfVirtualExtraSetting": {"waitingRoom": 1, "moziConfExtensionAppSettings": []}}

    response = change_settings(api, model)

    assert response.status_code == 200
    assert read_settings(api).json()["scheduleConfSettingModel"]["moziConfVirtualExtraSetting"]["waitingRoom"] == 1


def test_it_refuses_an_extension_app_list_that_is_not_a_list(api):
    response = change_settings(api, {"moziConfVirtualExtraSetting": {"moziConfExtensionAppSettings": "all"}})

    assert_error(response, 400, "paramsError")
