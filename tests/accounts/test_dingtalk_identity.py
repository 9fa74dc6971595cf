"""A person who signs in with DingTalk is their unionId in the portal: booking is for them unless they say
otherwise, Change creator offers "me", the list offers "Meetings I booked", pages name them by DingTalk name."""

from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse

from accounts import services
from meetings import texts
from meetings.forms import MeetingCreateForm
from meetings.models import Meeting, MeetingChange, Organization
from tests.accounts.helpers import NICK, UNION_ID
from tests.helpers import dingtalk_has, post_edit, shown_messages


@pytest.fixture
def mei(corp_organization):
    """Mei signs in with DingTalk, approved as an office admin of the corp's organization."""
    person, _ = services._person_for(union_id=UNION_ID, nick=NICK, corp_id=corp_organization.corp_id)
    services.person_approve(person=person, role="office_admin", organizations=[corp_organization], by=None)
    user = person.user
    user.refresh_from_db()
    return user


@pytest.fixture
def mei_client(client, mei):
    client.force_login(mei)
    return client


def test_booking_is_for_the_signed_in_person_and_says_so(mei_client, corp_organization):
    corp_organization.default_creator_union_id = "someone-else"
    corp_organization.save()
    response = mei_client.get(reverse("meetings:create"))
    form = response.context["form"]
    assert form["creator_union_id"].value() == UNION_ID
    assert texts.BOOKED_FOR_YOU % {"nick": NICK} in response.content.decode()


def test_an_empty_creator_books_for_the_signed_in_person(corp_organization):
    data = {
        "organization": corp_organization.pk,
        "title": "Sync",
        "start_time": "2027-03-15T10:00",
        "end_time": "2027-03-15T11:00",
        "creator_union_id": "",
    }
    form = MeetingCreateForm(data, organizations=Organization.objects.all(), me=(UNION_ID, NICK))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["creator_union_id"] == UNION_ID


def test_a_password_user_books_for_the_organizations_default_creator_as_before(alice_client, organization):
    organization.default_creator_union_id = "default-creator"
    organization.save()
    form = alice_client.get(reverse("meetings:create")).context["form"]
    assert form["creator_union_id"].value() == "default-creator"


@responses.activate
def test_change_creator_offers_me(mei_client, meeting, mei):
    page = mei_client.get(reverse("meetings:creator", args=[meeting.pk])).content.decode()
    assert texts.CREATOR_ME % {"nick": NICK} in page
    dingtalk_has(meeting)
    response = mei_client.post(
        reverse("meetings:creator", args=[meeting.pk]), {"creator_union_id": "typed", "me": "1"}, follow=True
    )
    meeting.refresh_from_db()
    assert meeting.creator_union_id == UNION_ID
    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["requestUnionId"] == [UNION_ID]
    assert shown_messages(response) == [texts.CREATOR_CHANGED % {"title": meeting.title, "creator": UNION_ID}]


def test_me_is_not_offered_to_a_password_user(alice_client, meeting):
    page = alice_client.get(reverse("meetings:creator", args=[meeting.pk])).content.decode()
    assert 'name="me"' not in page


def test_the_list_offers_meetings_i_booked(mei_client, meeting, corp_organization):
    mine = Meeting.objects.create(
        organization=corp_organization,
        schedule_conference_id="mine-1",
        creator_union_id=UNION_ID,
        title="Mei's own sync",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )
    everything = mei_client.get(reverse("meetings:list"))
    assert 'name="mine"' in everything.content.decode()
    assert {m.pk for m in everything.context["meetings"]} == {meeting.pk, mine.pk}
    booked = mei_client.get(reverse("meetings:list"), {"mine": "on"})
    assert [m.pk for m in booked.context["meetings"]] == [mine.pk]


@responses.activate
def test_history_and_activity_show_the_dingtalk_name(mei_client, meeting, mei):
    dingtalk_has(meeting)
    responses.put("https://api.dingtalk.com/v1.0/conference/scheduleConferences", json={"success": True})
    post_edit(mei_client, meeting, start_time="2026-12-01T10:00", end_time="2026-12-01T11:00")
    assert MeetingChange.objects.get().user == mei
    history = mei_client.get(reverse("meetings:history", args=[meeting.pk])).content.decode()
    assert NICK in history and mei.username not in history
    activity = mei_client.get(reverse("meetings:activity")).content.decode()
    assert NICK in activity and mei.username not in activity
    export = mei_client.get(reverse("meetings:activity_csv"))
    content = b"".join(export.streaming_content) if export.streaming else export.content
    assert NICK in content.decode("utf-8-sig")


def test_knowing_who_the_person_is_in_dingtalk_costs_the_list_no_query(
    mei_client, meeting, django_assert_max_num_queries
):
    mei_client.get(reverse("meetings:list"))  # warm the session
    # session, person with their DingTalk identity (one statement), permissions, count, page
    with django_assert_max_num_queries(5):
        page = mei_client.get(reverse("meetings:list"), {"mine": "on"})
    assert 'name="mine"' in page.content.decode()
