"""Pacing per organization and API, and waiting out DingTalk's throttling."""

import pytest

from meetings import dingtalk
from meetings.dingtalk import pacing


class FakeClock:
    def __init__(self):
        self.now, self.slept = 0.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def test_calls_of_one_organization_and_api_are_spaced(clock):
    pace = pacing.Pacer(20, clock=clock, sleep=clock.sleep)

    for _ in range(3):
        pace.wait((1, "query"))

    assert clock.slept == pytest.approx([0.05, 0.05])


def test_other_organizations_and_apis_have_their_own_pace(clock):
    pace = pacing.Pacer(20, clock=clock, sleep=clock.sleep)

    for key in [(1, "query"), (2, "query"), (1, "room_code")]:
        pace.wait(key)

    assert clock.slept == []


def test_a_throttled_call_waits_and_tries_again(clock):
    pace = pacing.Pacer(20, clock=clock, sleep=clock.sleep)
    answers = iter([dingtalk.DingTalkAPIError("qps", status=403, code=dingtalk.Code.QPS_LIMITS[0]), "ok"])

    def call():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert pacing.paced(organization_id=1, api="query", call=call, pace=pace) == "ok"
    assert pacing.THROTTLED_WAIT in clock.slept


def test_it_gives_up_after_its_tries(clock):
    pace = pacing.Pacer(1000, clock=clock, sleep=clock.sleep)
    calls = []

    def call():
        calls.append(1)
        raise dingtalk.DingTalkAPIError("qps", status=403, code=dingtalk.Code.QPS_LIMITS[1])

    with pytest.raises(dingtalk.DingTalkAPIError):
        pacing.paced(organization_id=1, api="query", call=call, pace=pace)
    assert len(calls) == pacing.THROTTLED_TRIES


def test_other_errors_are_not_tried_again(clock):
    pace = pacing.Pacer(20, clock=clock, sleep=clock.sleep)
    calls = []

    def call():
        calls.append(1)
        raise dingtalk.DingTalkAPIError("no", status=400, code=dingtalk.Code.PERMISSION_ERROR)

    with pytest.raises(dingtalk.DingTalkAPIError):
        pacing.paced(organization_id=1, api="query", call=call, pace=pace)
    assert calls == [1]


def test_the_rate_comes_from_the_settings(settings):
    settings.DINGTALK_MAX_CALLS_PER_SECOND = 4
    assert pacing.pacer().interval == 0.25


def test_the_rate_must_be_positive():
    with pytest.raises(ValueError):
        pacing.Pacer(0)
