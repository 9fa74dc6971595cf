"""The DingTalk client: exactly what DingTalk receives, and what it makes of DingTalk's answers."""

import datetime
import json
import zoneinfo

import pytest
import requests
import responses

from dingtalk_sandbox import Sandbox
from meetings import dingtalk
from meetings.forms import MeetingForm
from tests.helpers import (
    API_BASE,
    SYNC_ENDS_AT,
    SYNC_STARTS_AT,
    UPDATE_URL,
    dingtalk_error,
    send_update,
)


@pytest.fixture
def client(dingtalk_client):
    """The DingTalk client under test (these tests were written calling it `client`)."""
    return dingtalk_client


@responses.activate
def test_it_sends_the_documented_request(client):
    responses.put(UPDATE_URL, json={"success": True}, headers={"x-acs-request-id": "req-1"})

    assert send_update(client) == "req-1"

    sent = responses.calls[0].request
    assert sent.method == "PUT"
    assert sent.url == UPDATE_URL
    assert sent.headers["x-acs-dingtalk-access-token"] == "tok-1"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {
        "creatorUnionId": "creator-1",
        "scheduleConferenceId": "conf-1",
        "title": "Weekly sync",
        "startTime": 1687924800000,
        "endTime": 1687928400000,
    }


@responses.activate
def test_it_sends_chinese_titles_as_utf8_json(client):
    responses.put(UPDATE_URL, json={"success": True})
    send_update(client, title="周会：产品评审")
    assert json.loads(responses.calls[0].request.body.decode("utf-8"))["title"] == "周会：产品评审"


def test_epoch_ms_is_utc_milliseconds_in_shanghai():
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    # The seed page's example: 2023-06-28 12:00 in Shanghai is 04:00 UTC.
    assert dingtalk.epoch_ms(datetime.datetime(2023, 6, 28, 12, 0, tzinfo=shanghai)) == 1687924800000


def test_epoch_ms_respects_daylight_saving():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    summer = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=berlin)  # UTC+2
    winter = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=berlin)  # UTC+1
    assert dingtalk.epoch_ms(summer) == int(datetime.datetime(2026, 7, 1, 10, tzinfo=datetime.UTC).timestamp()) * 1000
    assert dingtalk.epoch_ms(winter) == int(datetime.datetime(2026, 1, 1, 11, tzinfo=datetime.UTC).timestamp()) * 1000


def test_epoch_ms_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        dingtalk.epoch_ms(datetime.datetime(2026, 1, 1, 12, 0))


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 51},
        {"title": "😀" * 26},  # 52 UTF-16 code units, as DingTalk counts them
        {"starts_at": "2023-06-28T04:00:00Z"},
        {"ends_at": 1687928400000},
        {"starts_at": SYNC_STARTS_AT.replace(tzinfo=None)},
        {"ends_at": SYNC_STARTS_AT},
        {"ends_at": SYNC_STARTS_AT - datetime.timedelta(minutes=1)},
        {"creator_union_id": ""},
        {"schedule_conference_id": " "},
    ],
)
@responses.activate
def test_it_never_sends_an_invalid_body(client, overrides):
    with pytest.raises(ValueError):
        send_update(client, **overrides)
    assert len(responses.calls) == 0


@responses.activate
def test_it_uses_explicit_connect_and_read_timeouts(client, settings):
    responses.put(UPDATE_URL, json={"success": True})
    send_update(client)
    assert responses.calls[0].request.req_kwargs["timeout"] == (
        settings.DINGTALK_CONNECT_TIMEOUT,
        settings.DINGTALK_READ_TIMEOUT,
    )


@responses.activate
def test_it_queries_a_meeting(client):
    url = API_BASE + "/v1.0/conference/scheduleConferences/conf-1/infos"
    responses.get(
        url,
        json={
            "scheduleConferenceId": "conf-1",
            "title": "Design review",
            "startTime": 1687924800000,
            "endTime": 1687928400000,
            "url": "https://meeting.example/1",
            "roomCode": "123",
        },
    )
    conference = client.get_schedule_conference(
        access_token="tok-1", schedule_conference_id="conf-1", creator_union_id="creator-1"
    )
    assert conference == dingtalk.Conference("Design review", SYNC_STARTS_AT, SYNC_ENDS_AT)
    sent = responses.calls[0].request
    assert sent.url == url + "?requestUnionId=creator-1"
    assert sent.headers["x-acs-dingtalk-access-token"] == "tok-1"


@responses.activate
def test_it_escapes_the_conference_id_in_the_query_path(client):
    responses.get(
        API_BASE + "/v1.0/conference/scheduleConferences/a%2F..%2Fb/infos",
        json={"title": "t", "startTime": 1, "endTime": 2},
    )
    client.get_schedule_conference(access_token="t", schedule_conference_id="a/../b", creator_union_id="u")
    assert len(responses.calls) == 1


@pytest.mark.parametrize("milliseconds", [10**20, -(10**20)])
@responses.activate
def test_it_refuses_a_query_reply_with_times_no_datetime_can_hold(client, milliseconds):
    responses.get(
        API_BASE + "/v1.0/conference/scheduleConferences/conf-1/infos",
        json={"title": "x", "startTime": milliseconds, "endTime": 1687928400000},
    )
    with pytest.raises(dingtalk.DingTalkBadReply):
        client.get_schedule_conference(access_token="t", schedule_conference_id="conf-1", creator_union_id="u")


@responses.activate
def test_it_refuses_a_query_reply_without_times(client):
    responses.get(API_BASE + "/v1.0/conference/scheduleConferences/conf-1/infos", json={"title": "x", "startTime": "1"})
    with pytest.raises(dingtalk.DingTalkBadReply):
        client.get_schedule_conference(access_token="t", schedule_conference_id="conf-1", creator_union_id="u")


@responses.activate
def test_it_gets_an_internal_app_token_with_a_json_body(client):
    responses.post(API_BASE + dingtalk.ACCESS_TOKEN_PATH, json={"accessToken": "new-token", "expireIn": 7200})
    token = client.get_access_token(app_key="key", app_secret="secret")
    assert (token.token, token.expires_in) == ("new-token", 7200)
    assert "new-token" not in repr(token)
    assert json.loads(responses.calls[0].request.body) == {"appKey": "key", "appSecret": "secret"}
    assert "x-acs-dingtalk-access-token" not in responses.calls[0].request.headers


@responses.activate
def test_it_never_logs_the_access_token(client, caplog):
    responses.put(UPDATE_URL, **dingtalk_error(400, "paramsError", "error:bad"))
    with pytest.raises(dingtalk.DingTalkAPIError):
        send_update(client, access_token="super-secret-token")
    assert "paramsError" in caplog.text
    assert "super-secret-token" not in caplog.text


@pytest.mark.parametrize("emoji, accepted", [(25, True), (26, False)], ids=["50-units", "52-units"])
def test_the_form_the_client_and_the_sandbox_count_an_emoji_title_alike(meeting, emoji, accepted):
    title = "😀" * emoji  # outside the Basic Multilingual Plane: two UTF-16 code units each, as Java counts
    form = MeetingForm(
        data={"title": title, "start_time": "2026-12-01T10:00", "end_time": "2026-12-01T11:00", "version": "1"},
        meeting=meeting,
        may_reschedule=True,
    )
    with Sandbox(tokens=["tok-1"]) as sandbox:
        sandbox.state.upsert_meeting(
            schedule_conference_id="conf-1",
            creator_union_id="creator-1",
            title="Weekly sync",
            start_time=1687924800000,
            end_time=1687928400000,
        )
        direct = requests.Session()
        direct.trust_env = False  # loopback, never through a proxy
        sandbox_reply = direct.put(
            sandbox.base_url + dingtalk.UPDATE_PATH,
            json={
                "creatorUnionId": "creator-1",
                "scheduleConferenceId": "conf-1",
                "title": title,
                "startTime": 1687924800000,
                "endTime": 1687928400000,
            },
            headers={dingtalk.TOKEN_HEADER: "tok-1"},
            timeout=5,
        )
        try:
            send_update(dingtalk.client_for(sandbox.base_url), title=title)
            client_sends = True
        except ValueError:
            client_sends = False

    assert dingtalk.title_length(title) == 2 * emoji
    assert form.is_valid() is accepted, form.errors
    assert (sandbox_reply.status_code == 200) is accepted, sandbox_reply.text
    assert client_sends is accepted
