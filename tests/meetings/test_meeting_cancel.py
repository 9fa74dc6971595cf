"""Canceling a meeting: a confirmation page, then DingTalk's cancel API; the meeting becomes read-only."""

import datetime
import json

import pytest
import requests
import responses
from django.urls import reverse
from django.utils import timezone

from meetings import dingtalk, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import API_BASE, connection_refused, dingtalk_error, edit_url, grant, shown_messages, the_outcome

CANCEL_URL = API_BASE + dingtalk.CANCEL_PATH


@pytest.fixture
def canceler(office_admin):
    grant(office_admin, "cancel_meeting")
    return office_admin


def cancel_page(meeting):
    return reverse("meetings:cancel", args=[meeting.pk])


def test_the_confirmation_page_names_the_meeting(alice_client, canceler, meeting):
    response = alice_client.get(cancel_page(meeting))

    html = response.content.decode()
    assert "Weekly sync" in html and meeting.schedule_conference_id in html
    assert 'name="confirm"' in html
    assert not meeting.changes.exists()


@responses.activate
def test_a_post_cancels_in_dingtalk_and_marks_it_canceled(alice_client, canceler, meeting):
    responses.post(CANCEL_URL, json={"success": True}, headers={"x-acs-request-id": "req-x"})

    response = alice_client.post(cancel_page(meeting), follow=True)

    assert response.redirect_chain[-1][0] == edit_url(meeting)
    assert shown_messages(response) == [texts.MEETING_CANCELED_DONE % {"title": "Weekly sync"}]
    assert json.loads(responses.calls[0].request.body) == {
        "creatorUnionId": "creator-union-1",
        "scheduleConferenceId": meeting.schedule_conference_id,
    }
    meeting.refresh_from_db()
    assert meeting.is_canceled
    assert str(texts.MEETING_CANCELED_NOTICE) in response.content.decode()
    change = MeetingChange.objects.get()
    assert (change.action, change.outcome, change.request_id, change.user) == (
        MeetingChange.Action.CANCEL,
        MeetingChange.Outcome.SUCCESS,
        "req-x",
        canceler,
    )


@responses.activate
def test_dingtalk_saying_already_canceled_counts_as_canceled(alice_client, canceler, meeting):
    responses.post(CANCEL_URL, **dingtalk_error(400, "resourceCancel", "Schedule conference has canceled"))

    response = alice_client.post(cancel_page(meeting), follow=True)

    assert shown_messages(response) == [texts.MEETING_ALREADY_CANCELED % {"title": "Weekly sync"}]
    meeting.refresh_from_db()
    assert meeting.is_canceled
    change = MeetingChange.objects.get()
    assert (change.outcome, change.dingtalk_code) == (MeetingChange.Outcome.SUCCESS, "resourceCancel")


@responses.activate
def test_a_refused_cancel_leaves_the_meeting_and_says_why(alice_client, canceler, meeting):
    responses.post(CANCEL_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))

    response = alice_client.post(cancel_page(meeting), follow=True)

    assert shown_messages(response)[0].startswith(texts.PERMISSION_ERROR % {"detail": "not creator"})
    # The cancel page again, its one message with the focus and the linked Change creator.
    shown = the_outcome(response)
    assert (shown["level"], shown["focused"], shown["count"]) == ("error", True, 1)
    creator = reverse("meetings:creator", args=[meeting.pk])
    assert f'<a class="button primary" href="{creator}">Change creator</a>' in shown["html"]
    meeting.refresh_from_db()
    assert not meeting.is_canceled
    assert meeting.update_lease_until is None
    assert MeetingChange.objects.get().outcome == MeetingChange.Outcome.FAILED


@responses.activate
def test_a_timed_out_cancel_is_retried(alice_client, canceler, meeting, dingtalk_waits):
    responses.post(CANCEL_URL, body=requests.ReadTimeout("slow"))
    responses.post(CANCEL_URL, json={"success": True})

    alice_client.post(cancel_page(meeting))

    assert len(responses.calls) == 2
    meeting.refresh_from_db()
    assert meeting.is_canceled


def test_a_canceled_meeting_cannot_be_edited(alice_client, canceler, meeting):
    meeting.status = Meeting.Status.CANCELED
    meeting.save()

    with responses.RequestsMock():
        response = alice_client.post(cancel_page(meeting), follow=True)

    assert shown_messages(response) == [str(texts.MEETING_CANCELED_READ_ONLY)]
    assert not meeting.changes.exists()


def test_cancel_needs_its_permission(alice_client, office_admin, meeting):
    assert alice_client.get(cancel_page(meeting)).status_code == 403
    assert alice_client.post(cancel_page(meeting)).status_code == 403


def test_a_meeting_of_another_organization_is_not_found(client, django_user_model, meeting):
    outsider = django_user_model.objects.create_user("eve")
    grant(outsider, "view_meeting", "cancel_meeting")
    client.force_login(outsider)

    assert client.post(cancel_page(meeting)).status_code == 404


def test_the_meeting_page_offers_cancel_to_those_who_may(alice_client, canceler, meeting):
    assert cancel_page(meeting) in alice_client.get(edit_url(meeting)).content.decode()


@responses.activate
def test_a_cancel_dingtalk_could_not_take_offers_try_again(alice_client, canceler, meeting):
    responses.post(CANCEL_URL, body=connection_refused())  # never sent: nothing changed

    response = alice_client.post(cancel_page(meeting))

    assert shown_messages(response) == [texts.CONNECTION_REFUSED % {"host": API_BASE}]
    html = response.content.decode()
    shown = the_outcome(response)
    assert (shown["level"], shown["focused"], shown["count"]) == ("error", True, 1)
    assert '<form method="post" class="inline" id="cancel-form">' in html
    assert '<button type="submit" form="cancel-form" class="primary">Try again</button>' in shown["html"]
    assert "What you typed is kept" not in html  # nothing was typed on this page
    meeting.refresh_from_db()
    assert not meeting.is_canceled


def test_a_save_under_way_blocks_the_cancel_and_says_how_long_in_words(alice_client, canceler, meeting):
    later = timezone.now() + datetime.timedelta(seconds=20)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=later)
    MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        action=MeetingChange.Action.UPDATE,
        outcome=MeetingChange.Outcome.IN_PROGRESS,
        based_on_version=meeting.version,
    )

    with responses.RequestsMock():  # nothing goes to DingTalk
        response = alice_client.post(cancel_page(meeting))

    shown = the_outcome(response)
    assert (shown["level"], shown["focused"], shown["count"]) == ("warning", True, 1)
    assert texts.WAIT_FOR_ANSWER % {"wait": texts.wait_in_words(20)} in shown["text"]
    assert '<button type="submit" form="cancel-form" class="primary">Try again</button>' in shown["html"]
