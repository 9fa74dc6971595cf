"""The client's create, cancel and settings calls: what DingTalk receives and what comes back."""

import json

import pytest
import requests
import responses

from meetings import dingtalk
from tests.helpers import (
    API_BASE,
    CREATE_MAY_HAVE_ARRIVED,
    SYNC_ENDS_AT,
    SYNC_STARTS_AT,
    dingtalk_error,
)

CREATE_URL = API_BASE + dingtalk.CREATE_PATH
CANCEL_URL = API_BASE + dingtalk.CANCEL_PATH
SETTINGS_URL = API_BASE + dingtalk.SETTINGS_PATH


@pytest.fixture
def client(settings):
    return dingtalk.client_for(API_BASE)


def create(client, **overrides):
    return client.create_schedule_conference(
        **{
            "access_token": "tok-1",
            "creator_union_id": "creator-1",
            "title": "Kick-off",
            "starts_at": SYNC_STARTS_AT,
            "ends_at": SYNC_ENDS_AT,
            **overrides,
        }
    )


CREATED = {
    "scheduleConferenceId": "conf-new",
    "url": "https://meeting.dingtalk.com/j/123456789",
    "roomCode": "123456789",
    "phones": ["+86 0571 2818 0000"],
}


@responses.activate
def test_create_sends_the_documented_request_and_returns_the_new_meeting(client):
    responses.post(CREATE_URL, json=CREATED, headers={"x-acs-request-id": "req-c"})

    created = create(client)

    assert created == dingtalk.CreatedConference(
        schedule_conference_id="conf-new",
        url="https://meeting.dingtalk.com/j/123456789",
        meeting_number="123456789",
        phones=("+86 0571 2818 0000",),
        request_id="req-c",
    )
    sent = responses.calls[0].request
    assert sent.headers["x-acs-dingtalk-access-token"] == "tok-1"
    assert json.loads(sent.body) == {
        "creatorUnionId": "creator-1",
        "title": "Kick-off",
        "startTime": 1687924800000,
        "endTime": 1687928400000,
    }


@responses.activate
@pytest.mark.parametrize(
    "reply",
    [*CREATE_MAY_HAVE_ARRIVED, dingtalk_error(403, "Forbidden.AccessDenied.QpsLimitForApi", "qps")],
)
def test_create_is_never_retried(client, reply, dingtalk_waits):
    responses.post(CREATE_URL, **reply)

    with pytest.raises(dingtalk.DingTalkError):
        create(client)

    assert len(responses.calls) == 1
    assert dingtalk_waits == []


@responses.activate
def test_a_timed_out_create_may_have_booked_a_meeting(client):
    responses.post(CREATE_URL, body=requests.ReadTimeout("slow"))

    with pytest.raises(dingtalk.DingTalkError) as caught:
        create(client)

    assert caught.value.may_have_been_applied


@responses.activate
def test_a_create_reply_without_an_id_is_a_bad_reply(client):
    responses.post(CREATE_URL, json={"url": "https://x"})

    with pytest.raises(dingtalk.DingTalkBadReply):
        create(client)


def test_create_refuses_a_title_dingtalk_would_refuse(client):
    with pytest.raises(ValueError):
        create(client, title="会" * 51)
    with pytest.raises(ValueError):
        create(client, ends_at=SYNC_STARTS_AT)


@responses.activate
def test_cancel_sends_creator_and_meeting(client):
    responses.post(CANCEL_URL, json={"success": True}, headers={"x-acs-request-id": "req-x"})

    request_id = client.cancel_schedule_conference(
        access_token="tok-1", creator_union_id="creator-1", schedule_conference_id="conf-1"
    )

    assert request_id == "req-x"
    assert json.loads(responses.calls[0].request.body) == {
        "creatorUnionId": "creator-1",
        "scheduleConferenceId": "conf-1",
    }


@responses.activate
def test_cancel_says_when_the_meeting_was_already_canceled(client):
    responses.post(CANCEL_URL, **dingtalk_error(400, "resourceCancel", "Schedule conference has canceled"))

    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        client.cancel_schedule_conference(
            access_token="tok-1", creator_union_id="creator-1", schedule_conference_id="conf-1"
        )

    assert caught.value.code == dingtalk.Code.RESOURCE_CANCEL


SETTINGS_MODEL = {
    "hostUnionId": "host-1",
    "cohostUnionIds": ["co-1", "co-2"],
    "lockRoom": 1,
    "screenShareForbidden": 0,
    "muteOnJoin": 5,
    "confAllowedCorpId": "corp-1",
    "moziConfVirtualExtraSetting": {"waitingRoom": 1, "joinBeforeHost": 0, "enableChat": 1, "lockNick": 0},
}


@responses.activate
def test_settings_are_read_into_the_portal_names(client):
    responses.get(SETTINGS_URL, json={"scheduleConfSettingModel": SETTINGS_MODEL})

    current = client.get_conference_settings(access_token="tok-1", schedule_conference_id="conf/1")

    assert current == dingtalk.ConferenceSettings(
        host_union_id="host-1",
        cohost_union_ids=("co-1", "co-2"),
        lock_room=True,
        screen_share_forbidden=False,
        mute_on_join=5,
        waiting_room=True,
        join_before_host=False,
        enable_chat=True,
        lock_nick=False,
    )
    assert responses.calls[0].request.url == SETTINGS_URL + "?scheduleConferenceId=conf%2F1"


@responses.activate
def test_settings_dingtalk_leaves_out_read_as_defaults(client):
    responses.get(SETTINGS_URL, json={"scheduleConfSettingModel": {"lockRoom": 1}})

    current = client.get_conference_settings(access_token="tok-1", schedule_conference_id="conf-1")

    assert current == dingtalk.ConferenceSettings(lock_room=True)


@responses.activate
@pytest.mark.parametrize(
    "body",
    [{}, {"scheduleConfSettingModel": {"lockRoom": "yes"}}, {"scheduleConfSettingModel": {"cohostUnionIds": "a"}}],
)
def test_an_unusable_settings_reply_is_a_bad_reply(client, body):
    responses.get(SETTINGS_URL, json=body)

    with pytest.raises(dingtalk.DingTalkBadReply):
        client.get_conference_settings(access_token="tok-1", schedule_conference_id="conf-1")


@responses.activate
def test_a_settings_update_sends_only_the_changes_in_dingtalk_shape(client):
    responses.put(SETTINGS_URL, json={"success": True}, headers={"x-acs-request-id": "req-s"})

    request_id = client.update_conference_settings(
        access_token="tok-1",
        creator_union_id="creator-1",
        schedule_conference_id="conf-1",
        changes={"lock_room": True, "mute_on_join": -1, "waiting_room": False, "cohost_union_ids": ("a",)},
    )

    assert request_id == "req-s"
    assert json.loads(responses.calls[0].request.body) == {
        "creatorUnionId": "creator-1",
        "scheduleConferenceId": "conf-1",
        "scheduleConfSettingModel": {
            "lockRoom": 1,
            "muteOnJoin": -1,
            "cohostUnionIds": ["a"],
            "moziConfVirtualExtraSetting": {"waitingRoom": 0},
        },
    }


@responses.activate
def test_a_settings_update_is_retried_when_throttled(client, dingtalk_waits):
    responses.put(SETTINGS_URL, **dingtalk_error(403, "Forbidden.AccessDenied.QpsLimitForApi", "qps"))
    responses.put(SETTINGS_URL, json={"success": True})

    client.update_conference_settings(
        access_token="tok-1", creator_union_id="c", schedule_conference_id="conf-1", changes={"lock_room": True}
    )

    assert len(responses.calls) == 2
    assert 1.0 <= dingtalk_waits[0] <= 1.5


def test_a_settings_update_needs_known_changes(client):
    with pytest.raises(ValueError):
        client.update_conference_settings(
            access_token="tok-1", creator_union_id="c", schedule_conference_id="conf-1", changes={}
        )
    with pytest.raises(ValueError):
        client.update_conference_settings(
            access_token="tok-1", creator_union_id="c", schedule_conference_id="conf-1", changes={"room": 1}
        )
