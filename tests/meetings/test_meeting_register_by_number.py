"""/meetings/add/ by meeting number: one meeting, several, a creator DingTalk refuses, an unknown number;
and registration by ID checked with DingTalk."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import responses
from django.urls import reverse

from meetings import dingtalk, texts
from meetings.models import Meeting, MeetingChange, Organization
from tests.helpers import API_BASE, dingtalk_error, edit_url, shown_messages, the_outcome

ADD_URL = reverse("meetings:add")
NUMBER = "8387221234"
LOOKUP_URL = API_BASE + dingtalk.ROOM_CODE_PATH.format(room_code=NUMBER)
START_MS = 1764554400000  # 2025-12-01 02:00 UTC, 10:00 in Shanghai
HOUR_MS = 3_600_000


def query_url(conference_id):
    return API_BASE + dingtalk.QUERY_PATH.format(id=conference_id)


def instance(conference_id="conf-a", **overrides):
    return {
        "conferenceId": "inst-" + conference_id,
        "scheduleConferenceId": conference_id,
        "title": "Design reveiw",
        "startTime": START_MS,
        "endTime": START_MS + HOUR_MS,
        "status": 0,
        "creatorId": "union-" + conference_id,
        "creatorNick": "Wang Fang",
        "roomCode": NUMBER,
        "externalLinkUrl": "https://meeting.dingtalk.com/j/" + NUMBER,
        **overrides,
    }


def dingtalk_lists(*instances):
    responses.get(LOOKUP_URL, json={"conferenceList": list(instances), "hasMore": False, "totalCount": len(instances)})


def dingtalk_answers_creator(conference_id="conf-a", title="Design reveiw"):
    responses.get(
        query_url(conference_id),
        json={
            "scheduleConferenceId": conference_id,
            "title": title,
            "startTime": START_MS,
            "endTime": START_MS + HOUR_MS,
            "roomCode": NUMBER,
            "url": "https://meeting.dingtalk.com/j/" + NUMBER,
        },
    )


def dingtalk_refuses_creator(conference_id="conf-a"):
    responses.get(query_url(conference_id), **dingtalk_error(400, "permissionError", "permissionError:not creator"))


def post(client, organization, **data):
    return client.post(ADD_URL, {"organization": organization.pk, **data})


def creator_union_id_sent(call):
    return parse_qs(urlsplit(call.request.url).query)["requestUnionId"]


@responses.activate
def test_one_meeting_behind_the_number_is_added_at_once(alice_client, organization):
    dingtalk_lists(instance())
    dingtalk_answers_creator()

    response = post(alice_client, organization, meeting_number="会议号：838 722 1234")

    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == edit_url(meeting)
    assert (meeting.schedule_conference_id, meeting.creator_union_id, meeting.title) == (
        "conf-a",
        "union-conf-a",
        "Design reveiw",
    )
    assert meeting.starts_at == datetime.datetime(2025, 12, 1, 2, 0, tzinfo=datetime.UTC)
    assert (meeting.meeting_number, meeting.join_url) == (NUMBER, "https://meeting.dingtalk.com/j/" + NUMBER)
    assert creator_union_id_sent(responses.calls[1]) == ["union-conf-a"]
    assert MeetingChange.objects.get().action == MeetingChange.Action.REGISTER


@responses.activate
def test_the_instances_of_a_recurring_meeting_are_one_meeting(alice_client, organization):
    week = 7 * 24 * HOUR_MS
    dingtalk_lists(
        *(
            instance(conferenceId=f"i{n}", startTime=START_MS + n * week, endTime=START_MS + n * week + HOUR_MS)
            for n in range(3)
        )
    )
    dingtalk_answers_creator()

    response = post(alice_client, organization, meeting_number=NUMBER)

    assert response.status_code == 302
    assert Meeting.objects.get().schedule_conference_id == "conf-a"


@responses.activate
def test_several_meetings_behind_a_number_are_listed_and_nothing_is_stored(alice_client, organization):
    dingtalk_lists(
        instance("conf-a"),
        instance(
            "conf-b",
            title="Budget",
            creatorNick="Li Lei",
            startTime=START_MS + 2 * HOUR_MS,
            endTime=START_MS + 3 * HOUR_MS,
        ),
    )

    response = post(alice_client, organization, meeting_number=NUMBER)

    assert response.status_code == 200
    assert not Meeting.objects.exists()
    html = response.content.decode()
    assert html.count('type="radio" name="schedule_conference_id"') == 2
    assert " checked" not in html.split("<fieldset")[1].split("</fieldset>")[0]  # the person chooses
    assert 'value="conf-a"' in html and 'value="conf-b"' in html
    # One line, where Enter submits the form.
    assert re.search(r'<input type="text" name="meeting_number"', html) and "<textarea" not in html
    assert "Budget" in html and "Li Lei" in html
    assert "2025-12-01 12:00" in html  # conf-b's start in Shanghai
    assert shown_messages(response) == [texts.MEETING_NUMBER_SEVERAL % {"number": "838 722 1234"}]
    assert len(responses.calls) == 1


@responses.activate
def test_the_chosen_meeting_is_added(alice_client, organization):
    dingtalk_lists(instance("conf-a"), instance("conf-b", title="Budget"))
    dingtalk_answers_creator("conf-b", title="Budget")

    response = post(alice_client, organization, meeting_number=NUMBER, schedule_conference_id="conf-b")

    assert response.status_code == 302
    assert Meeting.objects.get().schedule_conference_id == "conf-b"
    assert creator_union_id_sent(responses.calls[1]) == ["union-conf-b"]


@responses.activate
def test_a_creator_dingtalk_refuses_asks_for_the_union_id(alice_client, organization):
    dingtalk_lists(instance(creatorId="staff-7"))
    dingtalk_refuses_creator()

    response = post(alice_client, organization, meeting_number=NUMBER)

    assert response.status_code == 200
    assert not Meeting.objects.exists()
    assert response.context["form"].errors["creator_union_id"] == [texts.CREATOR_REFUSED % {"creator": "staff-7"}]
    html = response.content.decode()
    assert 'name="creator_union_id"' in html
    assert '<input type="hidden" name="schedule_conference_id" value="conf-a">' in html


@responses.activate
def test_the_union_id_given_then_is_checked_and_stored(alice_client, organization):
    dingtalk_lists(instance(creatorId="staff-7"))
    dingtalk_answers_creator()

    response = post(
        alice_client,
        organization,
        meeting_number=NUMBER,
        schedule_conference_id="conf-a",
        creator_union_id="union-right",
    )

    assert response.status_code == 302
    assert Meeting.objects.get().creator_union_id == "union-right"
    assert creator_union_id_sent(responses.calls[-1]) == ["union-right"]


@responses.activate
def test_a_lookup_without_a_creator_asks_for_one_without_calling_the_query(alice_client, organization):
    dingtalk_lists(instance(creatorId=""))

    response = post(alice_client, organization, meeting_number=NUMBER)

    assert response.context["form"].errors["creator_union_id"] == [texts.CREATOR_UNKNOWN]
    assert len(responses.calls) == 1


@responses.activate
def test_an_unknown_number_is_an_error_on_the_number(alice_client, organization):
    dingtalk_lists()

    response = post(alice_client, organization, meeting_number="838 722 1234")

    assert response.status_code == 200
    assert response.context["form"].errors["meeting_number"] == [
        texts.MEETING_NUMBER_UNKNOWN % {"number": "838 722 1234"}
    ]
    assert not Meeting.objects.exists()


@responses.activate
def test_text_without_a_number_is_refused_without_calling_dingtalk(alice_client, organization):
    response = post(alice_client, organization, meeting_number="the design meeting")

    assert response.context["form"].errors["meeting_number"] == [texts.MEETING_NUMBER_INVALID]
    assert len(responses.calls) == 0


def test_an_empty_form_asks_for_a_number_or_the_ids(alice_client, organization):
    response = post(alice_client, organization)

    assert response.context["form"].errors["meeting_number"] == [texts.MEETING_NUMBER_OR_IDS]


@responses.activate
def test_a_failed_lookup_says_why(alice_client, organization):
    responses.get(LOOKUP_URL, **dingtalk_error(500, "systemError", "systemError:busy"))

    response = post(alice_client, organization, meeting_number=NUMBER)

    assert response.status_code == 200
    assert shown_messages(response)[0].startswith(texts.SYSTEM_ERROR % {"detail": "busy"})
    assert not Meeting.objects.exists()


# --- registration by ID is checked with DingTalk ------------------------------------------------------


@responses.activate
def test_registration_by_id_refused_by_dingtalk_stores_nothing(alice_client, organization):
    dingtalk_refuses_creator("conf-x")

    response = post(alice_client, organization, schedule_conference_id="conf-x", creator_union_id="wrong")

    assert response.status_code == 200
    assert response.context["form"].errors["creator_union_id"] == [texts.CREATOR_REFUSED % {"creator": "wrong"}]
    assert not Meeting.objects.exists() and not MeetingChange.objects.exists()
    assert 'value="conf-x"' in response.content.decode()


def test_registration_by_id_needs_both_ids(alice_client, organization):
    response = post(alice_client, organization, schedule_conference_id="conf-x")
    assert response.context["form"].errors["creator_union_id"] == [texts.CREATOR_UNION_ID_REQUIRED]
    assert "%(" not in response.content.decode()  # booking's sentence, unfilled, was shown here once


# --- one booked meeting, one organization per DingTalk host -------------------------------------------


@responses.activate
def test_a_meeting_under_another_organization_on_the_host_is_not_added_twice(alice_client, organization, office_admin):
    other = Organization.objects.create(name="Beijing Office", time_zone="Asia/Shanghai", api_base=API_BASE)
    other.members.add(office_admin)
    existing = Meeting.objects.create(
        organization=other,
        schedule_conference_id="conf-a",
        creator_union_id="u",
        title="Design review",
        starts_at=datetime.datetime.now(datetime.UTC),
        ends_at=datetime.datetime.now(datetime.UTC),
    )
    dingtalk_lists(instance())

    response = post(alice_client, organization, meeting_number=NUMBER)

    # The person is in both organizations: the page links to the meeting, by its title.
    assert response.context["form"].errors["meeting_number"] == [texts.MEETING_ALREADY_ELSEWHERE]
    assert (
        f'<a href="{edit_url(existing)}">Open “Design review”, already in the portal</a>' in response.content.decode()
    )
    assert Meeting.objects.count() == 1
    assert len(responses.calls) == 1


@responses.activate
def test_the_same_conference_id_on_another_host_is_another_meeting(alice_client, organization):
    other = Organization.objects.create(name="Intl", time_zone="UTC", api_base="https://api.dingtalk.io")
    Meeting.objects.create(
        organization=other,
        schedule_conference_id="conf-a",
        creator_union_id="u",
        title="x",
        starts_at=datetime.datetime.now(datetime.UTC),
        ends_at=datetime.datetime.now(datetime.UTC),
    )
    dingtalk_answers_creator()

    response = post(alice_client, organization, schedule_conference_id="conf-a", creator_union_id="union-conf-a")

    assert response.status_code == 302
    assert Meeting.objects.count() == 2


@responses.activate
def test_a_failed_lookup_offers_try_again_with_the_typed_number_kept(alice_client, organization):
    responses.get(LOOKUP_URL, **dingtalk_error(500, "systemError", "systemError:busy"))

    response = alice_client.post(ADD_URL, {"organization": organization.pk, "meeting_number": "838 722 1234"})

    html = response.content.decode()
    shown = the_outcome(response)
    assert (shown["level"], shown["focused"], shown["count"]) == ("error", True, 1)
    assert '<form method="post" class="form" id="register-form" novalidate>' in html
    assert '<button type="submit" form="register-form" class="primary">Try again</button>' in shown["html"]
    assert 'value="838 722 1234"' in html
