"""meeting_update and meeting_refresh: the decisions on what DingTalk has, with DingTalk faked by `responses`."""

import datetime
import json

import pytest
import responses

from meetings import dingtalk, services, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    DINGTALK_BUSY,
    DINGTALK_CANCELED,
    UPDATE_URL,
    dingtalk_has,
    dingtalk_query_url,
    stored_meeting,
    update_meeting,
)

LATER = datetime.timedelta(hours=2)


def sent_body(index=-1):
    return json.loads(responses.calls[index].request.body)


@responses.activate
def test_it_reads_dingtalk_before_it_sends_the_update(meeting, office_admin):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})

    change = update_meeting(meeting, office_admin, title="Weekly sync v2")

    assert [call.request.method for call in responses.calls] == ["GET", "PUT"]
    assert responses.calls[0].request.url == dingtalk_query_url(meeting) + "?requestUnionId=creator-union-1"
    assert (change.outcome, change.based_on_version) == (MeetingChange.Outcome.SUCCESS, 1)
    assert (stored_meeting(meeting).title, stored_meeting(meeting).version, stored_meeting(meeting).updated_by) == (
        "Weekly sync v2",
        2,
        office_admin,
    )
    assert stored_meeting(meeting).update_lease_until is None


@pytest.mark.parametrize(
    "in_dingtalk",
    [
        pytest.param({"title": "Renamed in DingTalk"}, id="title"),
        pytest.param({"starts_at": datetime.datetime(2026, 12, 1, 2, 30, tzinfo=datetime.UTC)}, id="start"),
        pytest.param({"ends_at": datetime.datetime(2026, 12, 1, 4, 0, tzinfo=datetime.UTC)}, id="end"),
    ],
)
@responses.activate
def test_it_stops_when_dingtalk_changed_since_the_form_was_opened(meeting, office_admin, in_dingtalk):
    dingtalk_has(meeting, **in_dingtalk)
    now = {"title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at, **in_dingtalk}

    with pytest.raises(services.MeetingChangedInDingTalk) as stopped:
        update_meeting(
            meeting, office_admin, title="Mine", starts_at=meeting.starts_at + LATER, ends_at=meeting.ends_at + LATER
        )

    assert [call.request.method for call in responses.calls] == ["GET"]
    assert stopped.value.current == dingtalk.Conference(**now)
    assert stopped.value.message == texts.CHANGED_IN_DINGTALK % {
        "title": now["title"],
        "start": texts.local_time(now["starts_at"], meeting.organization),
        "end": texts.local_time(now["ends_at"], meeting.organization),
        "time_zone": "Beijing time (UTC+8)",
    }
    change = MeetingChange.objects.get()
    assert (change.outcome, change.old_title, change.new_title) == ("conflict", "Weekly sync", "Mine")
    assert (stored_meeting(meeting).title, stored_meeting(meeting).version) == ("Weekly sync", 1)
    assert stored_meeting(meeting).update_lease_until is None


@responses.activate
def test_a_title_fix_sends_dingtalks_current_times(meeting, helpdesk):
    moved = {"starts_at": meeting.starts_at + LATER, "ends_at": meeting.ends_at + LATER}
    dingtalk_has(meeting, **moved)
    responses.put(UPDATE_URL, json={"success": True})

    change = update_meeting(meeting, helpdesk, title="Weekly sync (fixed)")

    assert sent_body()["startTime"] == int(moved["starts_at"].timestamp() * 1000)
    assert sent_body()["endTime"] == int(moved["ends_at"].timestamp() * 1000)
    assert (change.new_starts_at, change.new_ends_at) == (moved["starts_at"], moved["ends_at"])
    assert (stored_meeting(meeting).title, stored_meeting(meeting).starts_at) == (
        "Weekly sync (fixed)",
        moved["starts_at"],
    )


@responses.activate
def test_a_title_fix_in_progress_records_the_times_it_sends(meeting, helpdesk):
    # So that, if the process dies after sending, the check against DingTalk compares the right times.
    moved = {"starts_at": meeting.starts_at + LATER, "ends_at": meeting.ends_at + LATER}
    dingtalk_has(meeting, **moved)
    recorded = []

    def dingtalk_receives(request):
        row = MeetingChange.objects.get()
        recorded.append((row.outcome, row.new_starts_at, row.new_ends_at))
        return 200, {}, json.dumps({"success": True})

    responses.add_callback(responses.PUT, UPDATE_URL, callback=dingtalk_receives)

    update_meeting(meeting, helpdesk, title="Weekly sync (fixed)")

    assert recorded == [("in_progress", moved["starts_at"], moved["ends_at"])]


@responses.activate
def test_a_title_fix_stops_when_the_title_changed_in_dingtalk(meeting, helpdesk):
    dingtalk_has(meeting, title="Renamed in DingTalk")

    with pytest.raises(services.MeetingChangedInDingTalk):
        update_meeting(meeting, helpdesk, title="Weekly sync (fixed)")

    assert len(responses.calls) == 1


@responses.activate
def test_the_service_refuses_new_times_from_someone_who_may_not_reschedule(meeting, helpdesk):
    with pytest.raises(services.MeetingError) as refused:
        update_meeting(meeting, helpdesk, starts_at=meeting.starts_at + LATER, ends_at=meeting.ends_at + LATER)

    assert refused.value.message == str(texts.RESCHEDULE_NOT_ALLOWED)
    assert len(responses.calls) == 0
    assert stored_meeting(meeting).starts_at == meeting.starts_at


@responses.activate
def test_a_failed_query_is_kept_with_the_same_message_as_a_failed_update(meeting, office_admin):
    responses.get(dingtalk_query_url(meeting), **DINGTALK_BUSY)

    with pytest.raises(services.MeetingError) as failed:
        update_meeting(meeting, office_admin, title="Mine")

    expected = texts.SYSTEM_ERROR % {"detail": "busy"} + " " + texts.REQUEST_ID_SUFFIX % {"request_id": "req-q"}
    assert failed.value.message == expected
    assert all(call.request.method == "GET" for call in responses.calls)
    change = MeetingChange.objects.get()
    assert (change.outcome, change.dingtalk_code, change.request_id) == ("failed", "systemError", "req-q")
    assert stored_meeting(meeting).update_lease_until is None


@responses.activate
def test_a_query_saying_canceled_marks_the_meeting_canceled(meeting, office_admin):
    responses.get(dingtalk_query_url(meeting), **DINGTALK_CANCELED)

    with pytest.raises(services.MeetingError):
        update_meeting(meeting, office_admin, title="Mine")

    assert stored_meeting(meeting).status == Meeting.Status.CANCELED
    assert not any(call.request.method == "PUT" for call in responses.calls)


@responses.activate
def test_dingtalk_saying_canceled_is_a_meeting_canceled_and_other_refusals_are_not(meeting, office_admin):
    responses.get(dingtalk_query_url(meeting), **DINGTALK_BUSY)
    with pytest.raises(services.MeetingError) as failed:
        update_meeting(meeting, office_admin, title="Mine")
    assert not isinstance(failed.value, services.MeetingCanceled)

    responses.get(dingtalk_query_url(meeting), **DINGTALK_CANCELED)
    with pytest.raises(services.MeetingCanceled):
        update_meeting(meeting, office_admin, title="Mine")
    for use_case in (
        lambda: update_meeting(meeting, office_admin, title="Mine"),
        lambda: services.meeting_refresh(meeting=meeting, by=office_admin),
    ):
        with pytest.raises(services.MeetingCanceled) as refused:
            use_case()
        assert refused.value.message == str(texts.MEETING_CANCELED_READ_ONLY)


@responses.activate
def test_refresh_takes_dingtalks_values_and_bumps_the_version(meeting, helpdesk):
    moved = {"starts_at": meeting.starts_at + LATER, "ends_at": meeting.ends_at + LATER}
    dingtalk_has(meeting, title="Renamed in DingTalk", **moved)

    change = services.meeting_refresh(meeting=meeting, by=helpdesk)

    assert (change.action, change.outcome) == ("refresh", "success")
    assert (change.old_title, change.new_title) == ("Weekly sync", "Renamed in DingTalk")
    fresh = stored_meeting(meeting)
    assert (fresh.title, fresh.starts_at, fresh.ends_at, fresh.version, fresh.updated_by) == (
        "Renamed in DingTalk",
        moved["starts_at"],
        moved["ends_at"],
        2,
        helpdesk,
    )


@responses.activate
def test_refresh_changes_nothing_when_the_portal_is_current(meeting, office_admin):
    dingtalk_has(meeting)
    assert services.meeting_refresh(meeting=meeting, by=office_admin) is None
    assert stored_meeting(meeting).version == 1
    assert not MeetingChange.objects.exists()
