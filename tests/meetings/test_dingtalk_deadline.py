"""The DingTalk client's time bound: a call always ends in time, whatever DingTalk does.

The tests drive a fake clock that the fake sleep and each fake timeout advance; two use a real socket and
the real clock.
"""

import socket
import time

import pytest
import requests
import responses

from meetings import dingtalk
from tests.helpers import (
    API_BASE,
    UPDATE_URL,
    send_update,
)

QUERY_URL = API_BASE + dingtalk.QUERY_PATH.format(id="conf-1")

# --- the time bound -------------------------------------------------------------------------------


class FakeTime:
    """A clock that only moves when the client sleeps or an attempt times out."""

    def __init__(self):
        self.now = 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds

    def time_out(self, request):
        self.now += sum(request.req_kwargs["timeout"])
        raise requests.ReadTimeout("read timed out")


def time_out_every_attempt(*, deadline):
    """Query with a client whose every attempt times out after its full timeouts; return the fake clock.

    The query, not the update: only a call that changes nothing is retried after a read timeout."""
    fake = FakeTime()
    client = dingtalk.DingTalkClient(
        API_BASE, timeout=(3.05, 6.0), deadline=deadline, sleep=fake.sleep, clock=fake.clock
    )
    responses.add_callback(responses.GET, QUERY_URL, callback=fake.time_out)
    with pytest.raises(dingtalk.DingTalkTimeout):
        client.get_schedule_conference(access_token="tok-1", schedule_conference_id="conf-1", creator_union_id="c-1")
    return fake


@pytest.mark.parametrize("deadline", [3.0, 12.0, 20.0, 25.0])
@responses.activate
def test_every_call_ends_within_the_deadline_even_when_each_attempt_times_out(settings, deadline):
    fake = time_out_every_attempt(deadline=deadline)

    assert fake.now <= deadline
    assert 1 <= len(responses.calls) <= dingtalk.MAX_ATTEMPTS


@responses.activate
def test_the_deadline_cuts_the_timeouts_of_the_last_attempt(settings):
    # 9.05 s for the first attempt, about 0.6 s of waiting, and what is left of 12 s for the second.
    fake = time_out_every_attempt(deadline=12.0)

    first, last = (call.request.req_kwargs["timeout"] for call in responses.calls)
    assert first == (3.05, 6.0)
    assert sum(last) < sum(first)
    assert last[0] / last[1] == pytest.approx(3.05 / 6.0)
    assert fake.now == pytest.approx(12.0)


@responses.activate
def test_a_retry_too_late_for_the_deadline_is_not_started(settings):
    fake = time_out_every_attempt(deadline=20.0)

    # 9.05 + ~0.6 + 9.05 s leaves about a second: not enough for a wait of at least 1 s and an attempt.
    assert len(responses.calls) == 2
    assert fake.now < 20.0


@pytest.fixture
def silent_dingtalk():
    """Clients of a listening socket that never answers (connections succeed, reads wait forever), with
    real sleeping and the real clock; call it with the client's own deadline."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        host, port = server.getsockname()
        yield lambda deadline: dingtalk.DingTalkClient(
            f"http://{host}:{port}", timeout=(0.5, 30.0), deadline=deadline, sleep=time.sleep, clock=time.monotonic
        )


def test_the_deadline_holds_against_a_real_silent_server(silent_dingtalk):
    client = silent_dingtalk(deadline=1.0)
    started = time.monotonic()
    with pytest.raises(dingtalk.DingTalkTimeout):
        send_update(client)
    elapsed = time.monotonic() - started

    # The read timeout alone is 30 s: ending far sooner, the deadline cut it (a bound a busy machine keeps).
    assert elapsed < 15


@responses.activate
def test_inside_a_spent_shared_deadline_nothing_is_sent(dingtalk_client):
    responses.put(UPDATE_URL, json={"success": True})

    with dingtalk.shared_deadline(0), pytest.raises(dingtalk.DingTalkTimeout):
        send_update(dingtalk_client)

    assert len(responses.calls) == 0


@responses.activate
def test_a_nested_shared_deadline_never_extends_the_outer_one(dingtalk_client):
    responses.put(UPDATE_URL, json={"success": True})

    with dingtalk.shared_deadline(0), dingtalk.shared_deadline(100), pytest.raises(dingtalk.DingTalkTimeout):
        send_update(dingtalk_client)
    assert len(responses.calls) == 0

    send_update(dingtalk_client)  # the block is over: the client's own deadline holds again
    assert len(responses.calls) == 1


def test_all_calls_in_a_shared_deadline_end_within_it_against_a_real_silent_server(silent_dingtalk):
    # Like a save: a read, then an update. Each alone may take 20 s; together they get 1.2 s.
    client = silent_dingtalk(deadline=20)
    started = time.monotonic()
    with dingtalk.shared_deadline(1.2):
        with pytest.raises(dingtalk.DingTalkTimeout):
            client.get_schedule_conference(access_token="t", schedule_conference_id="c", creator_union_id="u")
        with pytest.raises(dingtalk.DingTalkTimeout):
            send_update(client)
    elapsed = time.monotonic() - started

    # Each call with its own 1.2 s would take at least 2.4 s (with the client's own 20 s each, 40 s): below that
    # bound the two shared one 1.2 s (a busy machine adds its delays, not another 1.2 s).
    assert elapsed < 2 * 1.2


def test_the_default_deadline_stays_well_under_gunicorns_timeout(settings):
    assert settings.DINGTALK_DEADLINE <= 0.75 * settings.GUNICORN_TIMEOUT


@responses.activate
def test_a_call_whose_turn_comes_after_the_deadline_is_not_sent(monkeypatch):
    # A bulk job waits its turn under the rate limit; a turn past the deadline leaves no time to send.
    fake = FakeTime()
    client = dingtalk.DingTalkClient(API_BASE, timeout=(3.05, 6.0), deadline=5.0, sleep=fake.sleep, clock=fake.clock)
    monkeypatch.setattr(dingtalk.pacing, "wait_for_turn", lambda api: fake.sleep(6.0))
    responses.put(UPDATE_URL, json={"success": True})

    with pytest.raises(dingtalk.DingTalkTimeout) as caught:
        send_update(client)

    assert len(responses.calls) == 0
    assert not caught.value.may_have_been_applied
