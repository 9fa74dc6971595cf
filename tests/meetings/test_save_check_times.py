"""A lost answer to a save that moved only the times (the title unchanged): checking with DingTalk compares the
times too, not the title alone (issue 24's surviving mutation; issue 19's proof asks for it as well)."""

import datetime

import pytest
import requests
import responses
from django.utils import timezone

from meetings import dingtalk
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    TYPED_END,
    TYPED_START,
    UPDATE_URL,
    dingtalk_has,
    dingtalk_query_url,
    edit_url,
    post_typed,
    sent_updates,
    the_change,
)

pytestmark = pytest.mark.usefixtures("read_timeout")


def times_moved_and_answer_lost(alice_client, meeting) -> MeetingChange:
    """Alice moves the meeting (same title) and DingTalk's answer is lost; then the wait is over."""
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, body=requests.ReadTimeout("slow"))
    post_typed(alice_client, meeting, title=meeting.title)
    change = the_change(meeting)
    assert (change.outcome, change.new_title, change.new_starts_at) == ("unknown", meeting.title, TYPED_START)
    assert len(sent_updates()) == 1
    past = timezone.now() - datetime.timedelta(seconds=1)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=past)
    MeetingChange.objects.filter(pk=change.pk).update(check_after=past)
    return change


def dingtalk_now_has(meeting, *, starts_at, ends_at):
    responses.replace(
        responses.GET,
        dingtalk_query_url(meeting),
        json={
            "scheduleConferenceId": meeting.schedule_conference_id,
            "title": meeting.title,
            "startTime": dingtalk.epoch_ms(starts_at),
            "endTime": dingtalk.epoch_ms(ends_at),
        },
    )


@responses.activate
def test_times_dingtalk_never_applied_did_not_change_though_the_title_matches(alice_client, meeting):
    change = times_moved_and_answer_lost(alice_client, meeting)
    dingtalk_now_has(meeting, starts_at=meeting.starts_at, ends_at=meeting.ends_at)  # the old times

    alice_client.get(edit_url(meeting))

    change.refresh_from_db()
    assert change.outcome_label == "Unknown → did not change (checked with DingTalk)"
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.starts_at, stored.ends_at, stored.version) == (meeting.starts_at, meeting.ends_at, meeting.version)


@responses.activate
def test_times_dingtalk_applied_are_saved(alice_client, meeting, office_admin):
    change = times_moved_and_answer_lost(alice_client, meeting)
    dingtalk_now_has(meeting, starts_at=TYPED_START, ends_at=TYPED_END)

    alice_client.get(edit_url(meeting))

    change.refresh_from_db()
    assert change.outcome_label == "Unknown → succeeded (checked with DingTalk)"
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.title, stored.starts_at, stored.ends_at) == (meeting.title, TYPED_START, TYPED_END)
    assert (stored.version, stored.updated_by) == (meeting.version + 1, office_admin)
