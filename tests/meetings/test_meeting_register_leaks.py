"""Nothing of another organization leaks through adding a meeting: the "already in the portal" answer names
and links the meeting only for those who may open it, and a meeting one organization removed and another
added brings none of the first one's history along."""

import datetime
import json

import pytest
import responses
from django.urls import reverse

from meetings import dingtalk, services, texts
from meetings.models import Meeting, MeetingChange, Organization
from tests.helpers import API_BASE, dingtalk_has, dingtalk_query_url, edit_url, grant

ADD_URL = reverse("meetings:add")
NUMBER = "8387221234"
WHEN = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture
def beijing(db):
    return Organization.objects.create(name="Beijing Secret Projects", time_zone="Asia/Shanghai", api_base=API_BASE)


@pytest.fixture
def beijings_meeting(beijing):
    return Meeting.objects.create(
        organization=beijing,
        schedule_conference_id="conf-secret",
        creator_union_id="u-b",
        title="Acquisition of Hangzhou",
        starts_at=WHEN,
        ends_at=WHEN + datetime.timedelta(hours=1),
    )


def add(client, organization, meeting):
    return client.post(
        ADD_URL,
        {
            "organization": organization.pk,
            "schedule_conference_id": meeting.schedule_conference_id,
            "creator_union_id": meeting.creator_union_id,
        },
    )


@responses.activate
def test_another_organizations_meeting_is_said_to_be_in_the_portal_without_its_title_or_link(
    alice_client, organization, beijings_meeting
):
    responses.get(  # the number finds the meeting, as it would for anyone on this DingTalk
        API_BASE + dingtalk.ROOM_CODE_PATH.format(room_code=NUMBER),
        json={
            "conferenceList": [
                {
                    "scheduleConferenceId": "conf-secret",
                    "title": "Acquisition of Hangzhou",
                    "startTime": 1764554400000,
                    "endTime": 1764558000000,
                    "creatorId": "u-b",
                    "roomCode": NUMBER,
                }
            ],
            "hasMore": False,
        },
    )

    response = alice_client.post(ADD_URL, {"organization": organization.pk, "meeting_number": NUMBER})

    assert response.context["form"].errors["meeting_number"] == [texts.MEETING_ALREADY_ELSEWHERE]
    html = response.content.decode()
    assert "Acquisition of Hangzhou" not in html
    assert "Beijing Secret Projects" not in html
    assert edit_url(beijings_meeting) not in html
    assert Meeting.objects.count() == 1


def test_it_is_said_the_same_way_when_the_database_refuses_the_second_add(organization, office_admin, beijings_meeting):
    """Beijing adds the meeting back while DingTalk answers this add: the constraint refuses this one's row."""
    Meeting.objects.filter(pk=beijings_meeting.pk).update(removed_at=WHEN)

    def added_back_meanwhile(request):
        Meeting.objects.filter(pk=beijings_meeting.pk).update(removed_at=None)
        return (
            200,
            {},
            json.dumps(
                {
                    "scheduleConferenceId": "conf-secret",
                    "title": "x",
                    "startTime": 1764554400000,
                    "endTime": 1764558000000,
                }
            ),
        )

    with responses.RequestsMock() as dingtalk_fake:
        dingtalk_fake.add_callback(responses.GET, dingtalk_query_url(beijings_meeting), callback=added_back_meanwhile)
        with pytest.raises(services.MeetingAlreadyRegistered) as refused:
            services.meeting_register(
                organization=organization,
                schedule_conference_id="conf-secret",
                creator_union_id="u-b",
                by=office_admin,
            )

    assert refused.value.message == texts.MEETING_ALREADY_ELSEWHERE
    assert refused.value.meeting == beijings_meeting
    assert Meeting.objects.count() == 1


@responses.activate
def test_a_meeting_another_organization_removed_comes_without_that_organizations_history(
    alice_client, organization, office_admin, beijing, beijings_meeting
):
    MeetingChange.objects.create(
        meeting=beijings_meeting,
        organization=beijing,
        action=MeetingChange.Action.UPDATE,
        outcome=MeetingChange.Outcome.SUCCESS,
        old_title="Acquisition of Hangzhou (draft)",
        new_title="Acquisition of Hangzhou",
    )
    Meeting.objects.filter(pk=beijings_meeting.pk).update(removed_at=WHEN)
    dingtalk_has(beijings_meeting, title="Town hall")

    response = add(alice_client, organization, beijings_meeting)

    added = Meeting.objects.get(organization=organization)
    assert response.status_code == 302 and response.url == edit_url(added)
    assert added.pk != beijings_meeting.pk and added.title == "Town hall"
    grant(office_admin, "view_meetingchange")
    history = alice_client.get(reverse("meetings:history", args=[added.pk]))
    assert [change.action for change in history.context["changes"]] == [MeetingChange.Action.REGISTER]
    assert "Acquisition" not in history.content.decode()
    # Beijing's row stays Beijing's, removed, with its history.
    assert Meeting.objects.get(pk=beijings_meeting.pk).organization == beijing
    assert beijings_meeting.changes.count() == 1


@pytest.fixture
def moved_meeting(organization, beijing, beijings_meeting, office_admin):
    """A meeting an earlier version of the portal moved from Beijing to this organization, history and all."""
    old = MeetingChange.objects.create(
        meeting=beijings_meeting,
        organization=beijing,
        action=MeetingChange.Action.UPDATE,
        outcome=MeetingChange.Outcome.SUCCESS,
        old_title="Acquisition of Hangzhou (draft)",
        new_title="Acquisition of Hangzhou",
        old_starts_at=WHEN,
        new_starts_at=WHEN,
        old_ends_at=WHEN,
        new_ends_at=WHEN,
    )
    Meeting.objects.filter(pk=beijings_meeting.pk).update(organization=organization, title="Town hall")
    MeetingChange.objects.create(
        meeting=beijings_meeting,
        organization=organization,
        action=MeetingChange.Action.REGISTER,
        outcome=MeetingChange.Outcome.SUCCESS,
        new_title="Town hall",
    )
    grant(office_admin, "view_meetingchange")
    return old


def test_history_shows_only_the_rows_of_the_readers_organizations(alice_client, beijings_meeting, moved_meeting):
    history = alice_client.get(reverse("meetings:history", args=[beijings_meeting.pk]))

    assert [change.action for change in history.context["changes"]] == [MeetingChange.Action.REGISTER]
    assert "Acquisition" not in history.content.decode()


def test_restore_offers_nothing_of_another_organization(alice_client, beijings_meeting, moved_meeting):
    response = alice_client.get(f"{edit_url(beijings_meeting)}?restore={moved_meeting.pk}", follow=True)

    assert "Acquisition" not in response.content.decode()
    assert str(texts.RESTORE_NOT_POSSIBLE) in [str(message) for message in response.context["messages"]]
