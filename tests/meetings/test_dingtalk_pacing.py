"""Pacing: a bulk job's calls per (organization, DingTalk API) stay under DINGTALK_MAX_CALLS_PER_SECOND."""

import pytest
import responses

from meetings import dingtalk
from meetings.dingtalk import pacing
from tests.helpers import API_BASE, UPDATE_URL, send_update


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_calls_for_one_key_start_an_interval_apart():
    clock = FakeClock()
    pacer = pacing.Pacer(20, clock=clock, sleep=clock.sleep)

    waits = [pacer.wait(("org-1", "PUT update")) for _ in range(4)]

    assert [round(wait, 6) for wait in waits] == [0, 0.05, 0.05, 0.05]


def test_each_organization_and_api_has_its_own_turns():
    clock = FakeClock()
    pacer = pacing.Pacer(20, clock=clock, sleep=clock.sleep)

    pacer.wait(("org-1", "GET query"))

    assert pacer.wait(("org-1", "PUT update")) == 0
    assert pacer.wait(("org-2", "GET query")) == 0


def test_a_pause_does_not_bank_turns_for_a_burst():
    clock = FakeClock()
    pacer = pacing.Pacer(20, clock=clock, sleep=clock.sleep)
    pacer.wait("key")
    clock.now += 10

    assert [round(pacer.wait("key"), 6) for _ in range(2)] == [0, 0.05]


@responses.activate
def test_the_client_waits_its_turn_only_inside_a_paced_block(settings, monkeypatch):
    settings.DINGTALK_MAX_CALLS_PER_SECOND = 10
    asked = []
    monkeypatch.setattr(
        pacing, "_pacer", lambda rate: type("P", (), {"wait": lambda self, key: asked.append((rate, key))})()
    )
    responses.put(UPDATE_URL, json={"success": True})
    client = dingtalk.client_for(API_BASE)

    send_update(client)
    with pacing.paced(7):
        send_update(client)

    assert asked == [(10.0, (7, "PUT /v1.0/conference/scheduleConferences"))]


@responses.activate
def test_every_meeting_read_is_one_api_for_pacing(monkeypatch):
    asked = []
    monkeypatch.setattr(pacing, "_pacer", lambda rate: type("P", (), {"wait": lambda self, key: asked.append(key)})())
    for conference_id in ("a", "b"):
        responses.get(
            API_BASE + dingtalk.QUERY_PATH.format(id=conference_id),
            json={"title": "t", "startTime": 0, "endTime": 1},
        )
    client = dingtalk.client_for(API_BASE)

    with pacing.paced(7):
        for conference_id in ("a", "b"):
            client.get_schedule_conference(access_token="t", schedule_conference_id=conference_id, creator_union_id="u")

    assert asked == [(7, "GET " + dingtalk.QUERY_PATH)] * 2


def throttled(code_index=0):
    return dingtalk.DingTalkAPIError("qps", status=403, code=dingtalk.Code.QPS_LIMITS[code_index])


def test_a_throttled_call_waits_and_tries_again(monkeypatch):
    answers, slept = iter([throttled(), "ok"]), []
    monkeypatch.setattr(pacing, "sleep", slept.append)

    def call():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert pacing.paced_call(organization=1, call=call) == "ok"
    assert slept == [pacing.THROTTLED_WAIT]


def test_it_gives_up_after_its_tries(monkeypatch):
    monkeypatch.setattr(pacing, "sleep", lambda seconds: None)
    calls = []

    def call():
        calls.append(1)
        raise throttled(1)

    with pytest.raises(dingtalk.DingTalkAPIError):
        pacing.paced_call(organization=1, call=call)
    assert len(calls) == pacing.THROTTLED_TRIES


def test_other_errors_are_not_tried_again(monkeypatch):
    monkeypatch.setattr(pacing, "sleep", lambda seconds: None)
    calls = []

    def call():
        calls.append(1)
        raise dingtalk.DingTalkAPIError("no", status=400, code=dingtalk.Code.PERMISSION_ERROR)

    with pytest.raises(dingtalk.DingTalkAPIError):
        pacing.paced_call(organization=1, call=call)
    assert calls == [1]


def test_the_rate_must_be_positive():
    with pytest.raises(ValueError):
        pacing.Pacer(0)
