"""Retries in the DingTalk client: when they happen and how long they wait.

DingTalk's replies are a sequence (`OrderedRegistry`): each request gets the next one. Waits are recorded
by the `dingtalk_waits` fixture instead of slept.
"""

import json

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
        access_token="tok-1", schedule_conference_id="conf-1", creator_union_id="creator-1"
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
