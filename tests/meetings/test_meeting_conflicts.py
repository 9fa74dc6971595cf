"""/meetings/<id>/edit/ and /refresh/: no save silently overwrites another, in the portal or in DingTalk."""

import datetime

import pytest
import responses
from django.test import Client
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    DINGTALK_CANCELED,
    FAILURES,
    TYPED,
    UPDATE_URL,
    assert_input_kept,
    dingtalk_has,
    dingtalk_query_url,
    edit_url,
    form_values,
    grant,
    opened_form,
    shown_messages,
)


@pytest.fixture
def bob_client(django_user_model, organization):
    bob = django_user_model.objects.create_user("bob", password="pw-bob-123456")
    grant(bob, "view_meeting", "change_meeting", "reschedule_meeting")
    organization.members.add(bob)
    client = Client()
    client.force_login(bob)
    return client


@responses.activate
def test_two_people_saving_the_same_meeting_never_overwrite_each_other(alice_client, bob_client, meeting):
    alices_form, bobs_form = opened_form(alice_client, meeting), opened_form(bob_client, meeting)
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    bob_client.post(edit_url(meeting), {**bobs_form, "title": "Bob's title"})
    calls_before = len(responses.calls)

    response = alice_client.post(edit_url(meeting), {**alices_form, **TYPED}, follow=True)

    assert response.status_code == 200
    assert len(responses.calls) == calls_before  # nothing was sent for Alice
    assert shown_messages(response) == [str(texts.SAVED_BY_SOMEONE_ELSE)]
    html = response.content.decode()
    assert "bob" in html and "Bob&#x27;s title" in html  # who changed what
    assert "Last changed by" in html  # the save read the meeting without its last editor; the page reads them
    assert_input_kept(response)
    assert 'name="version" value="1"' in html  # still the version Alice's form was based on
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.title, stored.version) == ("Bob's title", 2)
    conflict = MeetingChange.objects.get(outcome=MeetingChange.Outcome.CONFLICT)
    assert (conflict.user.username, conflict.new_title, conflict.based_on_version) == ("alice", TYPED["title"], 1)


@responses.activate
def test_a_save_from_another_tab_of_the_same_person_says_so(alice_client, meeting):
    first_tab, second_tab = opened_form(alice_client, meeting), opened_form(alice_client, meeting)
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    alice_client.post(edit_url(meeting), {**first_tab, "title": "From the first tab"}, follow=True)

    response = alice_client.post(edit_url(meeting), {**second_tab, **TYPED}, follow=True)

    assert shown_messages(response) == [str(texts.SAVED_BY_YOU_ELSEWHERE)]
    html = response.content.decode()
    assert "Saved by you, in another tab, after you opened this form" in html
    assert "someone else" not in html
    assert "From the first tab" in html  # what that tab saved
    assert_input_kept(response)


@responses.activate
def test_saving_again_from_a_stale_form_is_still_refused(alice_client, meeting):
    form = opened_form(alice_client, meeting)
    Meeting.objects.filter(pk=meeting.pk).update(title="Changed meanwhile", version=2)

    refused = alice_client.post(edit_url(meeting), {**form, **TYPED}, follow=True)
    # Save again the form the page shows now: Alice's input, still based on version 1.
    again = alice_client.post(edit_url(meeting), form_values(refused), follow=True)

    assert shown_messages(again) == [str(texts.SAVED_BY_SOMEONE_ELSE)]
    assert len(responses.calls) == 0


@responses.activate
def test_a_change_made_in_dingtalk_after_the_form_was_opened_is_detected_before_the_update(alice_client, meeting):
    form = opened_form(alice_client, meeting)
    moved_start = datetime.datetime(2026, 12, 1, 5, 0, tzinfo=datetime.UTC)  # 13:00 in Shanghai
    moved_end = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC)
    dingtalk_has(meeting, title="Moved in DingTalk", starts_at=moved_start, ends_at=moved_end)

    response = alice_client.post(edit_url(meeting), {**form, **TYPED}, follow=True)

    assert [call.request.method for call in responses.calls] == ["GET"]
    assert shown_messages(response) == [
        texts.CHANGED_IN_DINGTALK
        % {
            "title": "Moved in DingTalk",
            "start": "2026-12-01 13:00",
            "end": "2026-12-01 14:00",
            "time_zone": "Beijing time (UTC+8)",
        }
    ]
    html = response.content.decode()
    # DingTalk's values next to the portal's, in the organization's zone.
    assert "Moved in DingTalk" in html and "2026-12-01 13:00" in html and "2026-12-01 10:00" in html
    assert reverse("meetings:refresh", args=[meeting.pk]) in html
    assert_input_kept(response)
    assert Meeting.objects.get(pk=meeting.pk).title == "Weekly sync"
    assert MeetingChange.objects.get().outcome == MeetingChange.Outcome.CONFLICT


@responses.activate
def test_taking_dingtalks_values_stores_them_and_the_next_save_goes_through(alice_client, meeting):
    dingtalk_has(meeting, title="Moved in DingTalk")

    response = alice_client.post(reverse("meetings:refresh", args=[meeting.pk]), follow=True)

    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.title, stored.version) == ("Moved in DingTalk", 2)
    assert shown_messages(response) == [
        texts.MEETING_REFRESHED
        % {
            "title": "Moved in DingTalk",
            "start": "2026-12-01 10:00",
            "end": "2026-12-01 11:00",
            "time_zone": "Beijing time (UTC+8)",
        }
    ]
    form = response.context["form"]
    assert form["title"].value() == "Moved in DingTalk" and form["version"].value() == 2

    responses.put(UPDATE_URL, json={"success": True})
    alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), "title": "Final"})
    assert Meeting.objects.get(pk=meeting.pk).title == "Final"


def test_refresh_only_takes_posts(alice_client, meeting):
    assert alice_client.get(reverse("meetings:refresh", args=[meeting.pk])).status_code == 405


QUERY_FAILURES = [param for param in FAILURES if param.id != "success-false"]  # that one is the update's


@pytest.mark.parametrize("reply, expected", QUERY_FAILURES)
@responses.activate
def test_a_failed_query_has_the_same_message_as_a_failed_update(alice_client, meeting, reply, expected):
    responses.get(dingtalk_query_url(meeting), **reply)

    response = alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), **TYPED}, follow=True)

    assert shown_messages(response) == [expected]
    assert_input_kept(response)
    assert not any(call.request.method == "PUT" for call in responses.calls)
    assert MeetingChange.objects.get().outcome == MeetingChange.Outcome.FAILED


@responses.activate
def test_a_query_saying_canceled_marks_the_meeting_read_only(alice_client, meeting):
    responses.get(dingtalk_query_url(meeting), **DINGTALK_CANCELED)

    response = alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), **TYPED}, follow=True)

    assert Meeting.objects.get(pk=meeting.pk).is_canceled
    assert "Canceled in DingTalk" in response.content.decode()
    assert 'name="title"' not in alice_client.get(edit_url(meeting)).content.decode()
