"""Booking, canceling and a meeting's settings over real HTTP against the sandbox (DingTalk's rules)."""

import pytest
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import grant

from .helpers import CREATOR, FLAGS_AS_SHOWN

pytestmark = pytest.mark.e2e


@pytest.fixture
def power_portal(portal, office_admin):
    grant(office_admin, "cancel_meeting", "change_meeting_settings")
    return portal


def test_booking_creates_the_meeting_in_dingtalk_and_shows_how_to_join(power_portal, sandbox, organization):
    page = power_portal.get(reverse("meetings:create") + f"?organization={organization.pk}")

    page = power_portal.submit(
        page,
        {
            "organization": str(organization.pk),
            "title": "Launch review",
            "start_time": "2027-04-01T09:00",
            "end_time": "2027-04-01T10:00",
            "creator_union_id": CREATOR,
        },
        action="",
    )

    [booked] = [m for m in sandbox.state.meetings() if m.title == "Launch review"]
    meeting = Meeting.objects.get(schedule_conference_id=booked.schedule_conference_id)
    assert page.url.endswith(reverse("meetings:edit", args=[meeting.pk]))
    assert page.messages[0][0] == "success"
    html = power_portal.session.get(page.url, timeout=30).text
    assert f'data-copy="{booked.room_code}"' in html and f'data-copy="{booked.url}"' in html
    assert meeting.meeting_number == booked.room_code and meeting.join_url == booked.url


def test_canceling_cancels_in_dingtalk_and_a_second_look_finds_it_read_only(power_portal, sandbox, meeting):
    page = power_portal.get(reverse("meetings:cancel", args=[meeting.pk]))

    page = power_portal.submit(page, {"confirm": "1"}, action="")

    assert page.messages == [("success", texts.MEETING_CANCELED_DONE % {"title": "Design reveiw"})]
    assert sandbox.state.get_meeting(meeting.schedule_conference_id).canceled
    assert Meeting.objects.get(pk=meeting.pk).is_canceled
    assert MeetingChange.objects.get(action=MeetingChange.Action.CANCEL).outcome == MeetingChange.Outcome.SUCCESS


def test_settings_send_only_the_changed_field(power_portal, sandbox, meeting):
    page = power_portal.get(reverse("meetings:settings", args=[meeting.pk]))

    page = power_portal.submit(page, {**FLAGS_AS_SHOWN, "lock_room": "on"}, action="")

    assert page.messages[0][0] == "success"
    [sent] = sandbox.state.requests("settings_update")
    assert sent["body"]["scheduleConfSettingModel"] == {"lockRoom": 1}
    assert sandbox.state.get_meeting(meeting.schedule_conference_id).current_settings()["lockRoom"] == 1


def test_settings_changed_in_dingtalk_stop_the_save(power_portal, sandbox, meeting):
    page = power_portal.get(reverse("meetings:settings", args=[meeting.pk]))
    sandbox.state.update_settings(meeting.schedule_conference_id, by=CREATOR, changes={"muteOnJoin": -1})

    page = power_portal.submit(page, {**FLAGS_AS_SHOWN, "lock_room": "on"}, action="")

    assert page.messages == [("warning", str(texts.SETTINGS_CHANGED_IN_DINGTALK))]
    assert sandbox.state.requests("settings_update") == []
    assert sandbox.state.get_meeting(meeting.schedule_conference_id).current_settings()["lockRoom"] == 0
