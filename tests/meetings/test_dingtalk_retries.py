"""Retries in the DingTalk client: when they happen, how long they wait, and that a call always ends in time.

DingTalk's replies are a sequence (`OrderedRegistry`): each request gets the next one. Waits are recorded
by the `dingtalk_waits` fixture instead of slept; the time-bound tests drive a fake clock that the fake
sleep and each fake timeout advance, and one test uses a real socket and the real clock.
"""

import json
import socket
import time

import pytest
import requests
import responses
from django.urls import reverse
from responses.registries import OrderedRegistry

from meetings import dingtalk
from meetings.models import MeetingChange
from tests.helpers import (
    API_BASE,
    UPDATE_URL,
    connection_dropped,
    connection_refused,
    dingtalk_error,
    dingtalk_has,
    send_update,
)

QUERY_URL = API_BASE + dingtalk.QUERY_PATH.format(id="conf-1")
QPS_APP, QPS_API = dingtalk.Code.QPS_LIMITS
SUCCESS = {"json": {"success": True}, "headers": {"x-acs-request-id": "req-ok"}}


SYSTEM_ERROR = dingtalk_error(500, "systemError", "systemError:busy")
NOT_SENT = {"body": connection_refused()}
DROPPED = {"body": connection_dropped()}
TIMED_OUT = {"body": requests.ReadTimeout("read timed out")}


def reply_in_order(url, *replies, method=responses.PUT):
    for reply in replies:
        responses.add(method, url, **reply)


# --- what is retried ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(SYSTEM_ERROR, id="systemError"),
        pytest.param(NOT_SENT, id="connection-refused"),
        pytest.param({"body": requests.ConnectTimeout("connect timed out")}, id="connect-timeout"),
    ],
)
@responses.activate(registry=OrderedRegistry)
def test_it_retries_a_failure_that_a_retry_can_fix(dingtalk_client, dingtalk_waits, failure):
    reply_in_order(UPDATE_URL, failure, SUCCESS)

    assert send_update(dingtalk_client) == "req-ok"

    assert len(responses.calls) == 2
    assert responses.calls[0].request.body == responses.calls[1].request.body
    assert len(dingtalk_waits) == 1
    assert dingtalk.RETRY_BASE_DELAY <= dingtalk_waits[0] <= dingtalk.RETRY_BASE_DELAY * (1 + dingtalk.JITTER)


@pytest.mark.parametrize("code", [QPS_APP, QPS_API])
@responses.activate(registry=OrderedRegistry)
def test_it_waits_about_a_second_when_throttled(dingtalk_client, dingtalk_waits, code):
    reply_in_order(UPDATE_URL, dingtalk_error(403, code, "too many calls"), SUCCESS)

    assert send_update(dingtalk_client) == "req-ok"

    assert len(responses.calls) == 2
    assert dingtalk.THROTTLE_DELAY <= dingtalk_waits[0] <= dingtalk.THROTTLE_DELAY * (1 + dingtalk.JITTER)


@responses.activate(registry=OrderedRegistry)
def test_it_retries_at_most_twice_and_backs_off(dingtalk_client, dingtalk_waits):
    reply_in_order(UPDATE_URL, SYSTEM_ERROR, SYSTEM_ERROR, SYSTEM_ERROR, SUCCESS)

    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        send_update(dingtalk_client)

    assert caught.value.code == "systemError"
    assert len(responses.calls) == 3
    first, second = dingtalk_waits
    assert dingtalk.RETRY_BASE_DELAY <= first <= dingtalk.RETRY_BASE_DELAY * (1 + dingtalk.JITTER)
    assert 2 * dingtalk.RETRY_BASE_DELAY <= second <= 2 * dingtalk.RETRY_BASE_DELAY * (1 + dingtalk.JITTER)


@responses.activate(registry=OrderedRegistry)
def test_a_retry_meets_whatever_dingtalk_says_next(dingtalk_client, dingtalk_waits):
    reply_in_order(UPDATE_URL, SYSTEM_ERROR, dingtalk_error(400, "paramsError", "error:bad title"), SUCCESS)

    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        send_update(dingtalk_client)

    assert caught.value.code == "paramsError"
    assert len(responses.calls) == 2


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(dingtalk_error(403, QPS_APP), id="throttled"),
        pytest.param(DROPPED, id="connection-dropped"),
        pytest.param(TIMED_OUT, id="read-timeout"),
    ],
)
@responses.activate(registry=OrderedRegistry)
def test_it_retries_the_query(dingtalk_client, dingtalk_waits, failure):
    meeting = {"scheduleConferenceId": "conf-1", "title": "Design review", "startTime": 1, "endTime": 2}
    reply_in_order(QUERY_URL, failure, {"json": meeting}, method=responses.GET)

    conference = dingtalk_client.get_schedule_conference(
        access_token="tok-1", schedule_conference_id="conf-1", request_union_id="creator-1"
    )

    assert conference.title == "Design review"
    assert len(responses.calls) == 2


# --- what is never retried ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(DROPPED, id="connection-dropped"),
        pytest.param(TIMED_OUT, id="read-timeout"),
        pytest.param({"body": requests.exceptions.ChunkedEncodingError("cut short")}, id="cut-short"),
        pytest.param({"body": requests.exceptions.ContentDecodingError("bad gzip")}, id="bad-encoding"),
        pytest.param({"status": 502, "body": "<html>bad gateway</html>"}, id="html-5xx"),
        pytest.param(dingtalk_error(503, "someNewCode"), id="5xx"),
        pytest.param({"json": {"success": False}}, id="not-confirmed"),
    ],
)
@responses.activate(registry=OrderedRegistry)
def test_an_update_that_may_have_reached_dingtalk_is_not_sent_again(dingtalk_client, dingtalk_waits, failure):
    # A second copy could only arrive later than the first -- after someone else's save, overwriting it.
    reply_in_order(UPDATE_URL, failure, SUCCESS)

    with pytest.raises(dingtalk.DingTalkError) as caught:
        send_update(dingtalk_client)

    assert caught.value.may_have_been_applied
    assert len(responses.calls) == 1
    assert dingtalk_waits == []


FINAL = [
    pytest.param(dingtalk_error(400, "paramsError", "error:title"), id="paramsError"),
    pytest.param(dingtalk_error(400, "permissionError", "permissionError:not creator"), id="permissionError"),
    pytest.param(dingtalk_error(400, "resourceCancel", "Schedule conference has canceled"), id="resourceCancel"),
    pytest.param(dingtalk_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied"), id="missing-scope"),
    pytest.param(dingtalk_error(400, "InvalidAuthentication", "token expired"), id="InvalidAuthentication"),
    pytest.param(dingtalk_error(403, "Forbidden.AccessDenied.ApiCountLimitForOrg"), id="monthly-quota"),
    pytest.param(dingtalk_error(409, "someNewCode"), id="unknown-code"),
    pytest.param({"status": 200, "json": {"success": False}}, id="200-without-success"),
    pytest.param({"status": 200, "body": "<html>blocked</html>", "content_type": "text/html"}, id="html-200"),
    pytest.param({"status": 503, "body": "<html>busy</html>", "content_type": "text/html"}, id="html-503"),
    pytest.param({"status": 500, "body": "{broken", "content_type": "application/json"}, id="broken-json"),
]


@pytest.mark.parametrize("reply", FINAL)
@responses.activate(registry=OrderedRegistry)
def test_it_never_retries_dingtalks_decision_or_its_block_page(dingtalk_client, dingtalk_waits, reply):
    reply_in_order(UPDATE_URL, reply, SUCCESS)

    with pytest.raises(dingtalk.DingTalkError):
        send_update(dingtalk_client)

    assert len(responses.calls) == 1
    assert dingtalk_waits == []


@pytest.mark.parametrize("failure", [SYSTEM_ERROR, NOT_SENT, TIMED_OUT], ids=["systemError", "refused", "timeout"])
@responses.activate(registry=OrderedRegistry)
def test_it_never_retries_a_token_request(dingtalk_client, dingtalk_waits, failure):
    responses.add(responses.POST, API_BASE + dingtalk.ACCESS_TOKEN_PATH, **failure)
    responses.add(responses.POST, API_BASE + dingtalk.ACCESS_TOKEN_PATH, json={"accessToken": "t", "expireIn": 7200})

    with pytest.raises(dingtalk.DingTalkError):
        dingtalk_client.get_access_token(app_key="key", app_secret="secret")

    assert len(responses.calls) == 1
    assert dingtalk_waits == []


def test_the_jitter_spreads_the_waits():
    error = dingtalk.DingTalkAPIError("throttled", status=403, code=QPS_APP)
    waits = {dingtalk.retry_delay(error, retry=1) for _ in range(50)}
    assert len(waits) > 10
    assert all(1.0 <= wait <= 1.5 for wait in waits)


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
        client.get_schedule_conference(access_token="tok-1", schedule_conference_id="conf-1", request_union_id="c-1")
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
            f"http://{host}:{port}", timeout=(0.5, 3.0), deadline=deadline, sleep=time.sleep, clock=time.monotonic
        )


def test_the_deadline_holds_against_a_real_silent_server(silent_dingtalk):
    client = silent_dingtalk(deadline=1.0)
    started = time.monotonic()
    with pytest.raises(dingtalk.DingTalkTimeout):
        send_update(client)
    elapsed = time.monotonic() - started

    assert elapsed < 1.0 + 0.3  # the read timeout alone is 3 s: the deadline cut it


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
            client.get_schedule_conference(access_token="t", schedule_conference_id="c", request_union_id="u")
        with pytest.raises(dingtalk.DingTalkTimeout):
            send_update(client)
    elapsed = time.monotonic() - started

    assert elapsed < 1.2 + 0.3


def test_the_default_deadline_stays_well_under_gunicorns_timeout(settings):
    assert settings.DINGTALK_DEADLINE <= 0.75 * settings.GUNICORN_TIMEOUT


# --- through the edit page ------------------------------------------------------------------------


@responses.activate(registry=OrderedRegistry)
def test_a_save_survives_a_passing_system_error(alice_client, meeting):
    dingtalk_has(meeting)  # the read before the update
    reply_in_order(UPDATE_URL, SYSTEM_ERROR, SUCCESS)

    url = reverse("meetings:edit", args=[meeting.pk])
    form = alice_client.get(url).context["form"]
    alice_client.post(url, {**{name: form[name].value() for name in form.fields}, "title": "Weekly sync v2"})

    meeting.refresh_from_db()
    assert meeting.title == "Weekly sync v2"
    assert len(responses.calls) == 3
    assert json.loads(responses.calls[2].request.body)["title"] == "Weekly sync v2"
    change = MeetingChange.objects.get(action=MeetingChange.Action.UPDATE)
    assert (change.outcome, change.request_id) == (MeetingChange.Outcome.SUCCESS, "req-ok")
