"""Restore: history offers an earlier change's old values; the edit form opens with them and saves normally."""

import datetime

import pytest
import responses
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import UPDATE_URL, dingtalk_has, edit_url, grant, shown_messages

LATER = datetime.timedelta(hours=2)


@pytest.fixture
def renamed(meeting, office_admin):
    """The meeting after a successful save that renamed and moved it."""
    change = MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=office_admin,
        action=MeetingChange.Action.UPDATE,
        outcome=MeetingChange.Outcome.SUCCESS,
        based_on_version=1,
        old_title="Weekly sync",
        new_title="Weekly sync (moved)",
        old_starts_at=meeting.starts_at,
        new_starts_at=meeting.starts_at + LATER,
        old_ends_at=meeting.ends_at,
        new_ends_at=meeting.ends_at + LATER,
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        title="Weekly sync (moved)", starts_at=meeting.starts_at + LATER, ends_at=meeting.ends_at + LATER, version=2
    )
    meeting.refresh_from_db()
    return change


def restore_url(change):
    return f"{edit_url(change.meeting)}?restore={change.pk}"


def test_history_offers_restore_for_a_successful_change(alice_client, office_admin, renamed):
    grant(office_admin, "view_meetingchange")

    html = alice_client.get(reverse("meetings:history", args=[renamed.meeting_id])).content.decode()

    assert f'href="{restore_url(renamed)}"' in html


def test_history_offers_no_restore_for_a_failed_change(alice_client, office_admin, renamed):
    grant(office_admin, "view_meetingchange")
    renamed.outcome = MeetingChange.Outcome.FAILED
    renamed.save()

    html = alice_client.get(reverse("meetings:history", args=[renamed.meeting_id])).content.decode()

    assert "?restore=" not in html


def test_the_edit_form_opens_with_the_old_values(alice_client, renamed):
    response = alice_client.get(restore_url(renamed))

    html = response.content.decode()
    assert 'value="Weekly sync"' in html
    assert 'value="2026-12-01 10:00"' in html and 'value="2026-12-01 11:00"' in html
    assert response.context["form"]["version"].value() == 2  # based on the meeting as it is now
    assert shown_messages(response) == [
        texts.RESTORE_PREFILLED % {"time": texts.local_time(renamed.created_at, renamed.organization)}
    ]


@responses.activate
def test_saving_the_restored_values_goes_through_the_normal_save(alice_client, renamed):
    meeting = renamed.meeting
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    form = alice_client.get(restore_url(renamed)).context["form"]
    data = {name: form[name].value() for name in ("title", "version")}
    data.update(start_time="2026-12-01T10:00", end_time="2026-12-01T11:00")

    alice_client.post(edit_url(meeting), data)

    meeting.refresh_from_db()
    assert (meeting.title, meeting.starts_at) == ("Weekly sync", renamed.old_starts_at)
    assert meeting.changes.filter(outcome=MeetingChange.Outcome.SUCCESS).count() == 2


def test_a_title_fixer_gets_the_old_title_only(client, helpdesk, renamed):
    client.force_login(helpdesk)

    response = client.get(restore_url(renamed))

    html = response.content.decode()
    assert 'value="Weekly sync"' in html
    assert 'value="2026-12-01 12:00"' in html  # the times stay as they are now


def test_an_unrestorable_change_says_so(alice_client, renamed):
    renamed.outcome = MeetingChange.Outcome.CONFLICT
    renamed.save()

    response = alice_client.get(restore_url(renamed))

    assert shown_messages(response) == [str(texts.RESTORE_NOT_POSSIBLE)]
    assert 'value="Weekly sync (moved)"' in response.content.decode()
