"""The meeting number and join link on the list and the edit page, and `q` matching the number."""

import datetime

import pytest
import responses
from django.urls import reverse

from meetings.models import Meeting
from tests.helpers import dingtalk_has, edit_url

LIST_URL = reverse("meetings:list")
LINK = "https://meeting.dingtalk.com/j/8387221234"


@pytest.fixture
def numbered(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(meeting_number="8387221234", join_url=LINK)
    meeting.refresh_from_db()
    return meeting


def other_meeting(organization, **fields):
    moment = datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC)
    values = {
        "schedule_conference_id": "conf-other",
        "creator_union_id": "u",
        "title": "Budget",
        "starts_at": moment,
        "ends_at": moment + datetime.timedelta(hours=1),
        **fields,
    }
    return Meeting.objects.create(organization=organization, **values)


def test_the_list_shows_the_number_grouped_with_a_copy_button(alice_client, numbered):
    html = alice_client.get(LIST_URL).content.decode()

    assert "<code>838 722 1234</code>" in html
    assert 'data-copy="8387221234"' in html
    assert '<script src="/static/js/copy.js" defer></script>' in html


def test_the_edit_page_shows_the_number_and_the_join_link(alice_client, numbered):
    html = alice_client.get(edit_url(numbered)).content.decode()

    assert "<code>838 722 1234</code>" in html
    assert f'href="{LINK}"' in html and f'data-copy="{LINK}"' in html


def test_a_meeting_without_a_number_shows_a_dash(alice_client, meeting):
    html = alice_client.get(edit_url(meeting)).content.decode()
    assert "data-copy" not in html


@pytest.mark.parametrize("query", ["838 722", "722-1234", "8387221234"])
def test_q_matches_the_number_whatever_its_grouping(alice_client, numbered, organization, query):
    other_meeting(organization, meeting_number="8387220000")
    response = alice_client.get(LIST_URL, {"q": query})
    if response.status_code == 302:  # one meeting found by its number opens it
        assert response.url == edit_url(numbered)
    else:
        titles = [m.title for m in response.context["meetings"]]
        assert "Weekly sync" in titles


def test_one_meeting_found_by_its_number_opens_it(alice_client, numbered, organization):
    other_meeting(organization, meeting_number="123456789")

    response = alice_client.get(LIST_URL, {"q": "838 722 1234"})

    assert response.status_code == 302 and response.url == edit_url(numbered)


def test_several_found_by_number_are_listed(alice_client, numbered, organization):
    other_meeting(organization, meeting_number="8387221234")

    response = alice_client.get(LIST_URL, {"q": "838 722 1234"})

    assert response.status_code == 200
    assert len(response.context["meetings"]) == 2


def test_q_still_matches_titles_and_conference_ids(alice_client, numbered, organization):
    other_meeting(organization)
    assert [m.title for m in alice_client.get(LIST_URL, {"q": "budg"}).context["meetings"]] == ["Budget"]
    assert [m.title for m in alice_client.get(LIST_URL, {"q": "conf-oth"}).context["meetings"]] == ["Budget"]


def test_a_number_of_another_organizations_meeting_is_not_found(alice_client, numbered, django_user_model):
    from meetings.models import Organization

    elsewhere = Organization.objects.create(name="Not mine", time_zone="UTC")
    other_meeting(elsewhere, meeting_number="5555555555")
    response = alice_client.get(LIST_URL, {"q": "5555555555"})
    assert response.status_code == 200 and list(response.context["meetings"]) == []


@responses.activate
def test_reading_again_from_dingtalk_keeps_the_number_and_link(alice_client, meeting):
    dingtalk_has(meeting, also={"roomCode": "8387221234", "url": LINK})

    alice_client.post(reverse("meetings:refresh", args=[meeting.pk]))

    meeting.refresh_from_db()
    assert (meeting.meeting_number, meeting.join_url) == ("8387221234", LINK)


@responses.activate
def test_a_join_link_that_is_not_http_is_not_kept(alice_client, meeting):
    dingtalk_has(meeting, also={"roomCode": "838 722 1234", "url": "javascript:alert(1)"})

    alice_client.post(reverse("meetings:refresh", args=[meeting.pk]))

    meeting.refresh_from_db()
    assert (meeting.meeting_number, meeting.join_url) == ("8387221234", "")
