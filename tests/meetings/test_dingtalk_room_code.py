"""The client's meeting-number lookup: what DingTalk receives, paging, and bodies it must not trust."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from meetings import dingtalk
from tests.helpers import API_BASE, dingtalk_error

LOOKUP_URL = API_BASE + dingtalk.ROOM_CODE_PATH.format(room_code="8387221234")


def entry(schedule_conference_id="conf-1", **overrides):
    return {
        "conferenceId": "inst-" + schedule_conference_id,
        "scheduleConferenceId": schedule_conference_id,
        "title": "Design review",
        "startTime": 1687924800000,
        "endTime": 1687928400000,
        "status": 0,
        "creatorId": "union-1",
        "creatorNick": "Wang Fang",
        "roomCode": "8387221234",
        "externalLinkUrl": "https://meeting.dingtalk.com/j/8387221234",
        "bizType": "1",
        "confDuration": 3600,
        **overrides,
    }


@pytest.fixture
def client(settings):
    return dingtalk.client_for(API_BASE)


def find(client, meeting_number="8387221234"):
    return client.find_conferences_by_meeting_number(access_token="tok-1", meeting_number=meeting_number)


def query_of(call) -> dict:
    return parse_qs(urlsplit(call.request.url).query)


@responses.activate
def test_it_sends_the_documented_request_and_reads_an_instance(client):
    responses.get(LOOKUP_URL, json={"conferenceList": [entry()], "hasMore": False, "totalCount": 1})

    [instance] = find(client)

    sent = responses.calls[0].request
    assert urlsplit(sent.url).path == "/v1.0/conference/roomCodes/8387221234/infos"
    assert query_of(responses.calls[0]) == {"maxResults": ["20"]}
    assert sent.headers["x-acs-dingtalk-access-token"] == "tok-1"
    assert instance == dingtalk.ConferenceInstance(
        schedule_conference_id="conf-1",
        conference_id="inst-conf-1",
        title="Design review",
        starts_at=datetime.datetime(2023, 6, 28, 4, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2023, 6, 28, 5, 0, tzinfo=datetime.UTC),
        status=0,
        creator_staff_id="union-1",
        creator_nick="Wang Fang",
        meeting_number="8387221234",
        url="https://meeting.dingtalk.com/j/8387221234",
    )


@responses.activate
def test_it_follows_next_token_while_has_more(client):
    responses.get(LOOKUP_URL, json={"conferenceList": [entry("a")], "hasMore": True, "nextToken": "p2"})
    responses.get(LOOKUP_URL, json={"conferenceList": [entry("b")], "hasMore": True, "nextToken": "p3"})
    responses.get(LOOKUP_URL, json={"conferenceList": [entry("c")], "hasMore": False, "nextToken": "p4"})

    instances = find(client)

    assert [i.schedule_conference_id for i in instances] == ["a", "b", "c"]
    assert [query_of(call).get("nextToken") for call in responses.calls] == [None, ["p2"], ["p3"]]


@responses.activate
def test_it_stops_when_dingtalk_repeats_a_token(client):
    responses.get(LOOKUP_URL, json={"conferenceList": [entry("a")], "hasMore": True, "nextToken": "same"})

    assert len(find(client)) == 2  # the first page, and the one asked for with "same" -- then no more
    assert len(responses.calls) == 2


@responses.activate
def test_it_stops_after_the_most_pages(client):
    for number in range(dingtalk.client.ROOM_CODE_MAX_PAGES + 5):
        responses.get(
            LOOKUP_URL, json={"conferenceList": [entry(str(number))], "hasMore": True, "nextToken": f"t{number}"}
        )

    assert len(find(client)) == dingtalk.client.ROOM_CODE_MAX_PAGES
    assert len(responses.calls) == dingtalk.client.ROOM_CODE_MAX_PAGES


@responses.activate
def test_an_unknown_number_is_an_empty_list(client):
    responses.get(LOOKUP_URL, json={"conferenceList": [], "hasMore": False, "totalCount": 0})
    assert find(client) == []


@responses.activate
def test_a_reply_without_a_list_is_no_meeting(client):
    responses.get(LOOKUP_URL, json={"hasMore": False})
    assert find(client) == []


@pytest.mark.parametrize(
    "body",
    [
        {"conferenceList": "nope"},
        {"conferenceList": ["not an object"]},
        {"conferenceList": [entry(scheduleConferenceId=None)]},
        {"conferenceList": [entry(scheduleConferenceId=" ")]},
        {"conferenceList": [entry(title=42)]},
        {"conferenceList": [entry(title="x\x00y")]},
        {"conferenceList": [entry(startTime="1687924800000")]},
        {"conferenceList": [entry(endTime=True)]},
        {"conferenceList": [entry(startTime=10**20)]},
    ],
)
@responses.activate
def test_it_refuses_a_body_it_cannot_trust(client, body):
    responses.get(LOOKUP_URL, json=body)
    with pytest.raises(dingtalk.DingTalkBadReply):
        find(client)


@responses.activate
def test_fields_it_only_shows_may_be_missing_or_mistyped(client):
    responses.get(
        LOOKUP_URL,
        json={
            "conferenceList": [
                entry(creatorId=7, creatorNick=None, status="x", externalLinkUrl=["x"], conferenceId=None)
            ]
        },
    )

    [instance] = find(client)

    assert (
        instance.creator_staff_id,
        instance.creator_nick,
        instance.status,
        instance.url,
        instance.conference_id,
    ) == (
        "",
        "",
        None,
        "",
        "",
    )


@responses.activate
def test_an_error_is_a_dingtalk_error(client):
    scopes = {"requiredScopes": ["VideoConference.Conference.Read"]}
    responses.get(LOOKUP_URL, **dingtalk_error(403, dingtalk.Code.MISSING_SCOPE, "no", accessdenieddetail=scopes))
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        find(client)
    assert caught.value.required_scopes == ("VideoConference.Conference.Read",)


@pytest.mark.parametrize("meeting_number", ["", "838 722", "abc", "８３８"])
def test_it_takes_digits_only(client, meeting_number):
    with pytest.raises(ValueError):
        find(client, meeting_number)


@responses.activate
def test_the_query_reads_the_meeting_number_and_join_link(client):
    responses.get(
        API_BASE + dingtalk.QUERY_PATH.format(id="conf-1"),
        json={
            "scheduleConferenceId": "conf-1",
            "title": "t",
            "startTime": 1687924800000,
            "endTime": 1687928400000,
            "url": "https://meeting.dingtalk.com/j/8387221234",
            "roomCode": "8387221234",
            "phones": [],
        },
    )

    conference = client.get_schedule_conference(
        access_token="tok-1", schedule_conference_id="conf-1", creator_union_id="union-1"
    )

    assert (conference.meeting_number, conference.url) == ("8387221234", "https://meeting.dingtalk.com/j/8387221234")
