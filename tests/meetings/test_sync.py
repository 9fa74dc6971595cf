"""The background sync (meetings/services/sync.py): meetings that have not ended are read from DingTalk and
what changed there is taken over, except while a save holds the meeting."""

import datetime
import json
from html import unescape

import pytest
import responses
from django.urls import reverse
from django.utils import timezone, translation

from meetings import dingtalk, services, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import DINGTALK_CANCELED, dingtalk_has, dingtalk_query_url, grant

TOMORROW = (timezone.now() + datetime.timedelta(days=1)).replace(microsecond=0)


@pytest.fixture
def upcoming(organization):
    return Meeting.objects.create(
        organization=organization,
        schedule_conference_id="conf-upcoming",
        creator_union_id="creator-union-1",
        title="Weekly sync",
        starts_at=TOMORROW,
        ends_at=TOMORROW + datetime.timedelta(hours=1),
    )


@pytest.fixture
def historian(alice_client, office_admin):
    grant(office_admin, "view_meetingchange")
    return alice_client


@responses.activate
def test_a_title_and_times_changed_in_dingtalk_are_taken_over_and_shown_in_history(upcoming, historian):
    later = upcoming.starts_at + datetime.timedelta(hours=2)
    dingtalk_has(upcoming, title="Weekly sync (moved)", starts_at=later, ends_at=later + datetime.timedelta(hours=1))

    assert services.meetings_sync() == {"read": 0, "changed": 1, "canceled": 0, "failed": 0}

    upcoming.refresh_from_db()
    assert (upcoming.title, upcoming.starts_at, upcoming.version) == ("Weekly sync (moved)", later, 2)
    assert upcoming.last_synced_at is not None
    change = MeetingChange.objects.get(meeting=upcoming)
    assert (change.action, change.outcome, change.user) == (MeetingChange.Action.SYNC, "success", None)
    assert (change.old_title, change.new_title) == ("Weekly sync", "Weekly sync (moved)")
    html = historian.get(reverse("meetings:history", args=[upcoming.pk])).content.decode()
    assert "Changed in DingTalk" in html
    assert change.message.startswith("Changed in DingTalk: the portal took over “Weekly sync (moved)”")


@responses.activate
def test_history_reads_changed_in_dingtalk_in_chinese(upcoming, historian):
    dingtalk_has(upcoming, title="Weekly sync (moved)")
    services.meetings_sync()

    html = historian.get(
        reverse("meetings:history", args=[upcoming.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "在钉钉中被修改" in html
    upcoming.refresh_from_db()
    with translation.override("zh-hans"):
        taken_over = texts.SYNCED_CHANGED % {
            "title": "Weekly sync (moved)",
            "start": texts.local_time(upcoming.starts_at, upcoming.organization),
            "end": texts.local_time(upcoming.ends_at, upcoming.organization),
            "time_zone": texts.zone_name(upcoming.organization.time_zone, upcoming.starts_at),
        }
    assert str(taken_over) in unescape(html)  # the sync's sentence, not only the action's label
    assert "北京时间" in unescape(html)


@responses.activate
def test_history_reads_canceled_in_dingtalk_in_chinese(upcoming, historian):
    responses.get(dingtalk_query_url(upcoming), **DINGTALK_CANCELED)
    services.meetings_sync()

    html = historian.get(
        reverse("meetings:history", args=[upcoming.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    with translation.override("zh-hans"):
        assert str(texts.SYNCED_CANCELED) in unescape(html)


@responses.activate
def test_a_meeting_canceled_in_dingtalk_is_marked_canceled(upcoming):
    responses.get(dingtalk_query_url(upcoming), **DINGTALK_CANCELED)

    assert services.meetings_sync()["canceled"] == 1

    upcoming.refresh_from_db()
    assert upcoming.is_canceled
    change = MeetingChange.objects.get(meeting=upcoming)
    assert (change.action, change.message) == (MeetingChange.Action.SYNC, str(texts.SYNCED_CANCELED))


@responses.activate
def test_a_meeting_dingtalk_has_as_it_is_only_records_the_read(upcoming):
    dingtalk_has(upcoming)

    assert services.meetings_sync()["read"] == 1

    upcoming.refresh_from_db()
    assert upcoming.version == 1 and upcoming.last_synced_at is not None
    assert not MeetingChange.objects.exists()


@pytest.mark.parametrize("lease", [datetime.timedelta(seconds=30), -datetime.timedelta(seconds=30)])
def test_a_meeting_a_save_holds_or_whose_outcome_is_unknown_is_not_touched(upcoming, lease):
    """A save in flight holds the lease; a save whose outcome is unknown keeps it (run out) until settled."""
    Meeting.objects.filter(pk=upcoming.pk).update(update_lease_until=timezone.now() + lease)

    with responses.RequestsMock():  # DingTalk is not even read
        assert services.meetings_sync() == {"read": 0, "changed": 0, "canceled": 0, "failed": 0}

    assert Meeting.objects.get(pk=upcoming.pk).last_synced_at is None


@responses.activate
def test_a_save_that_starts_while_the_sync_reads_wins(upcoming):
    def a_save_takes_the_meeting_meanwhile(request):
        Meeting.objects.filter(pk=upcoming.pk).update(update_lease_until=timezone.now() + datetime.timedelta(minutes=1))
        return (
            200,
            {},
            json.dumps(
                {
                    "scheduleConferenceId": upcoming.schedule_conference_id,
                    "title": "Changed in DingTalk",
                    "startTime": dingtalk.epoch_ms(upcoming.starts_at),
                    "endTime": dingtalk.epoch_ms(upcoming.ends_at),
                }
            ),
        )

    responses.add_callback(responses.GET, dingtalk_query_url(upcoming), callback=a_save_takes_the_meeting_meanwhile)

    assert services.meetings_sync()["failed"] == 1

    upcoming.refresh_from_db()
    assert upcoming.title == "Weekly sync"
    assert not MeetingChange.objects.exists()


def test_a_meeting_that_has_ended_is_not_read(meeting):
    assert meeting.ends_at < timezone.now()
    with responses.RequestsMock():
        assert services.meetings_sync()["read"] == 0


@responses.activate
def test_the_list_says_when_each_meeting_was_last_read_from_dingtalk(upcoming, alice_client):
    dingtalk_has(upcoming)
    before = alice_client.get(reverse("meetings:list")).content.decode()
    services.meetings_sync()

    after = alice_client.get(reverse("meetings:list")).content.decode()

    assert "Last read from DingTalk" in before and "not yet" in before
    synced = timezone.localtime(Meeting.objects.get().last_synced_at, upcoming.organization.zone)
    assert synced.strftime("%Y-%m-%d %H:%M") in after and "not yet" not in after
