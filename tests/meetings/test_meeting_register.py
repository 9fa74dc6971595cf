import datetime

import pytest
import responses
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting, MeetingChange, Organization
from tests.helpers import ACCESS_TOKEN, API_BASE, shown_messages

ADD_URL = reverse("meetings:add")
QUERY_URL = API_BASE + "/v1.0/conference/scheduleConferences/conf-new/infos"


def form_data(organization, **overrides):
    return {
        "organization": organization.pk,
        "schedule_conference_id": "conf-new",
        "creator_union_id": "creator-9",
        **overrides,
    }


@responses.activate
def test_it_looks_the_meeting_up_and_stores_it(alice_client, organization, office_admin):
    responses.get(
        QUERY_URL,
        json={
            "scheduleConferenceId": "conf-new",
            "title": "项目评审",
            "startTime": 1764554400000,
            "endTime": 1764558000000,
        },
    )

    response = alice_client.post(ADD_URL, form_data(organization), follow=True)

    meeting = Meeting.objects.get(schedule_conference_id="conf-new")
    assert (meeting.title, meeting.creator_union_id, meeting.organization) == ("项目评审", "creator-9", organization)
    assert meeting.starts_at == datetime.datetime.fromtimestamp(1764554400, tz=datetime.UTC)
    assert response.redirect_chain[-1][0] == reverse("meetings:edit", args=[meeting.pk])
    assert [str(m) for m in response.context["messages"]] == [texts.MEETING_REGISTERED % {"title": "项目评审"}]
    sent = responses.calls[0].request
    assert sent.headers["x-acs-dingtalk-access-token"] == ACCESS_TOKEN
    assert sent.url == QUERY_URL + "?requestUnionId=creator-9"
    assert MeetingChange.objects.get().action == MeetingChange.Action.REGISTER


@pytest.mark.parametrize(
    "code, message, field, sentence",
    [  # DingTalk's documented message formats (a refused creator: tests/meetings/test_meeting_register_by_number.py)
        ("paramsError", "error:no such meeting", "schedule_conference_id", texts.LOOKUP_NO_SUCH_CONFERENCE),
    ],
)
@responses.activate
def test_a_refused_lookup_marks_the_field_it_is_about_and_keeps_the_input(
    alice_client, organization, code, message, field, sentence
):
    responses.get(QUERY_URL, status=400, json={"code": code, "message": message, "requestid": "r-1"})

    response = alice_client.post(ADD_URL, form_data(organization))

    assert response.status_code == 200
    expected = sentence % {"detail": "no such meeting"} + " " + texts.REQUEST_ID_SUFFIX % {"request_id": "r-1"}
    assert response.context["form"].errors == {field: [expected]}
    assert [str(m) for m in response.context["messages"]] == []
    html = response.content.decode()
    assert f'id="id_{field}_error">{expected}<' in html
    assert 'value="conf-new"' in html and 'value="creator-9"' in html
    assert not Meeting.objects.exists()


@responses.activate
def test_a_lookup_dingtalk_cannot_answer_says_why(alice_client, organization):
    responses.get(
        QUERY_URL, status=500, json={"code": "systemError", "message": "systemError:busy", "requestid": "r-2"}
    )

    response = alice_client.post(ADD_URL, form_data(organization))

    expected = texts.SYSTEM_ERROR % {"detail": "busy"} + " " + texts.REQUEST_ID_SUFFIX % {"request_id": "r-2"}
    assert shown_messages(response) == [expected]
    assert not response.context["form"].errors


@responses.activate
def test_it_refuses_a_meeting_already_registered(alice_client, organization, meeting):
    response = alice_client.post(
        ADD_URL, form_data(organization, schedule_conference_id=meeting.schedule_conference_id)
    )
    assert response.context["form"].errors["schedule_conference_id"] == [texts.CONFERENCE_ALREADY_REGISTERED]
    assert len(responses.calls) == 0
    # A link to the meeting already there.
    assert f'href="{reverse("meetings:edit", args=[meeting.pk])}"' in response.content.decode()


@responses.activate
def test_it_refuses_an_organization_the_person_is_not_in(alice_client):
    other = Organization.objects.create(name="Not mine", time_zone="UTC")
    response = alice_client.post(ADD_URL, form_data(other))
    assert response.context["form"].errors["organization"] == [texts.ORGANIZATION_NOT_ALLOWED]
    assert len(responses.calls) == 0
    assert "Not mine" not in response.content.decode()
