"""meeting_update and meeting_refresh: the decisions, with DingTalk faked by `responses`."""

import datetime
import json
import threading

import pytest
import responses
from django.db import connection
from django.utils import timezone

from meetings import dingtalk, services, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import UPDATE_URL, dingtalk_has, dingtalk_query_url

LATER = datetime.timedelta(hours=2)


def update(meeting, by, **values):
    return services.meeting_update(
        **{
            "meeting": meeting,
            "title": meeting.title,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "by": by,
            "based_on_version": meeting.version,
            **values,
        }
    )


def stored(meeting):
    return Meeting.objects.get(pk=meeting.pk)


def sent_body(index=-1):
    return json.loads(responses.calls[index].request.body)


@responses.activate
def test_it_reads_dingtalk_before_it_sends_the_update(meeting, office_admin):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})

    change = update(meeting, office_admin, title="Weekly sync v2")

    assert [call.request.method for call in responses.calls] == ["GET", "PUT"]
    assert responses.calls[0].request.url == dingtalk_query_url(meeting) + "?requestUnionId=creator-union-1"
    assert (change.outcome, change.based_on_version) == (MeetingChange.Outcome.SUCCESS, 1)
    assert (stored(meeting).title, stored(meeting).version, stored(meeting).updated_by) == (
        "Weekly sync v2",
        2,
        office_admin,
    )
    assert stored(meeting).update_lease_until is None


@responses.activate
def test_it_refuses_a_save_based_on_an_older_version(meeting, office_admin):
    with pytest.raises(services.MeetingConflict) as refused:
        update(meeting, office_admin, title="Mine", based_on_version=meeting.version - 1 or 0)

    assert refused.value.message == str(texts.SAVED_BY_SOMEONE_ELSE)
    assert len(responses.calls) == 0
    change = MeetingChange.objects.get()
    assert (change.outcome, change.new_title, change.message) == ("conflict", "Mine", refused.value.message)
    assert stored(meeting).title == "Weekly sync"


@responses.activate
def test_it_refuses_a_second_save_while_one_is_talking_to_dingtalk(meeting, office_admin):
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=timezone.now() + datetime.timedelta(seconds=30))

    with pytest.raises(services.MeetingConflict) as refused:
        update(meeting, office_admin, title="Mine")

    assert refused.value.message == str(texts.SAVE_IN_PROGRESS)
    assert len(responses.calls) == 0
    assert MeetingChange.objects.get().outcome == "conflict"


@responses.activate
def test_an_expired_lease_does_not_block_saves(meeting, office_admin):
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=timezone.now() - datetime.timedelta(seconds=1))
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})

    assert update(meeting, office_admin, title="Mine").outcome == "success"


@responses.activate
def test_the_compare_and_swap_guards_the_window_of_the_dingtalk_call(meeting, office_admin, django_user_model):
    """Someone else's save lands while DingTalk answers ours (their lease won after ours ran out)."""
    dingtalk_has(meeting)

    def someone_else_saves(request):
        Meeting.objects.filter(pk=meeting.pk).update(
            title="Theirs", version=meeting.version + 1, update_lease_until=None
        )
        return 200, {}, json.dumps({"success": True})

    responses.add_callback(responses.PUT, UPDATE_URL, callback=someone_else_saves)

    with pytest.raises(services.MeetingConflict) as refused:
        update(meeting, office_admin, title="Mine")

    assert refused.value.message == str(texts.CHANGED_IN_PORTAL_WHILE_SAVING)
    assert stored(meeting).title == "Theirs"
    assert MeetingChange.objects.get().outcome == "conflict"


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
        update(
            meeting, office_admin, title="Mine", starts_at=meeting.starts_at + LATER, ends_at=meeting.ends_at + LATER
        )

    assert [call.request.method for call in responses.calls] == ["GET"]
    assert stopped.value.current == dingtalk.Conference(**now)
    assert stopped.value.message == texts.CHANGED_IN_DINGTALK % {
        "title": now["title"],
        "start": texts.local_time(now["starts_at"], meeting.organization),
        "end": texts.local_time(now["ends_at"], meeting.organization),
        "time_zone": "Asia/Shanghai",
    }
    change = MeetingChange.objects.get()
    assert (change.outcome, change.old_title, change.new_title) == ("conflict", "Weekly sync", "Mine")
    assert (stored(meeting).title, stored(meeting).version) == ("Weekly sync", 1)
    assert stored(meeting).update_lease_until is None


@responses.activate
def test_a_title_fix_sends_dingtalks_current_times(meeting, helpdesk):
    moved = {"starts_at": meeting.starts_at + LATER, "ends_at": meeting.ends_at + LATER}
    dingtalk_has(meeting, **moved)
    responses.put(UPDATE_URL, json={"success": True})

    change = update(meeting, helpdesk, title="Weekly sync (fixed)")

    assert sent_body()["startTime"] == int(moved["starts_at"].timestamp() * 1000)
    assert sent_body()["endTime"] == int(moved["ends_at"].timestamp() * 1000)
    assert (change.new_starts_at, change.new_ends_at) == (moved["starts_at"], moved["ends_at"])
    assert (stored(meeting).title, stored(meeting).starts_at) == ("Weekly sync (fixed)", moved["starts_at"])


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

    update(meeting, helpdesk, title="Weekly sync (fixed)")

    assert recorded == [("in_progress", moved["starts_at"], moved["ends_at"])]


@responses.activate
def test_a_title_fix_stops_when_the_title_changed_in_dingtalk(meeting, helpdesk):
    dingtalk_has(meeting, title="Renamed in DingTalk")

    with pytest.raises(services.MeetingChangedInDingTalk):
        update(meeting, helpdesk, title="Weekly sync (fixed)")

    assert len(responses.calls) == 1


@responses.activate
def test_the_service_refuses_new_times_from_someone_who_may_not_reschedule(meeting, helpdesk):
    with pytest.raises(services.MeetingError) as refused:
        update(meeting, helpdesk, starts_at=meeting.starts_at + LATER, ends_at=meeting.ends_at + LATER)

    assert refused.value.message == str(texts.RESCHEDULE_NOT_ALLOWED)
    assert len(responses.calls) == 0
    assert stored(meeting).starts_at == meeting.starts_at


@responses.activate
def test_a_failed_query_is_kept_with_the_same_message_as_a_failed_update(meeting, office_admin):
    responses.get(
        dingtalk_query_url(meeting),
        status=500,
        json={"code": "systemError", "message": "systemError:busy", "requestid": "req-q"},
    )

    with pytest.raises(services.MeetingError) as failed:
        update(meeting, office_admin, title="Mine")

    expected = texts.SYSTEM_ERROR % {"detail": "busy"} + " " + texts.REQUEST_ID_SUFFIX % {"request_id": "req-q"}
    assert failed.value.message == expected
    assert all(call.request.method == "GET" for call in responses.calls)
    change = MeetingChange.objects.get()
    assert (change.outcome, change.dingtalk_code, change.request_id) == ("failed", "systemError", "req-q")
    assert stored(meeting).update_lease_until is None


@responses.activate
def test_a_query_saying_canceled_marks_the_meeting_canceled(meeting, office_admin):
    responses.get(
        dingtalk_query_url(meeting),
        status=400,
        json={"code": "resourceCancel", "message": "Schedule conference has canceled", "requestid": "r"},
    )

    with pytest.raises(services.MeetingError):
        update(meeting, office_admin, title="Mine")

    assert stored(meeting).status == Meeting.Status.CANCELED
    assert not any(call.request.method == "PUT" for call in responses.calls)


@responses.activate
def test_dingtalk_saying_canceled_is_a_meeting_canceled_and_other_refusals_are_not(meeting, office_admin):
    responses.get(
        dingtalk_query_url(meeting),
        status=500,
        json={"code": "systemError", "message": "systemError:busy", "requestid": "req-q"},
    )
    with pytest.raises(services.MeetingError) as failed:
        update(meeting, office_admin, title="Mine")
    assert not isinstance(failed.value, services.MeetingCanceled)

    responses.get(
        dingtalk_query_url(meeting),
        status=400,
        json={"code": "resourceCancel", "message": "Schedule conference has canceled", "requestid": "r"},
    )
    with pytest.raises(services.MeetingCanceled):
        update(meeting, office_admin, title="Mine")
    for use_case in (
        lambda: update(meeting, office_admin, title="Mine"),
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
    fresh = stored(meeting)
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
    assert stored(meeting).version == 1
    assert not MeetingChange.objects.exists()


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_of_two_simultaneous_saves_only_one_reaches_dingtalk(meeting, office_admin, django_user_model):
    """Both forms were opened at version 1; the second save arrives while the first waits for DingTalk."""
    bob = django_user_model.objects.create_user("bob", is_superuser=True)
    dingtalk_has(meeting)
    first_is_in_dingtalk, second_is_done = threading.Event(), threading.Event()
    outcomes = {}

    def slow_put(request):
        first_is_in_dingtalk.set()
        second_is_done.wait(5)
        return 200, {}, json.dumps({"success": True})

    responses.add_callback(responses.PUT, UPDATE_URL, callback=slow_put)

    def first():
        try:
            outcomes["first"] = update(Meeting.objects.get(pk=meeting.pk), office_admin, title="Alice's").outcome
        finally:
            connection.close()  # the thread's own connection, or the test database cannot be dropped

    thread = threading.Thread(target=first)
    thread.start()
    assert first_is_in_dingtalk.wait(5)
    with pytest.raises(services.MeetingConflict) as refused:
        update(Meeting.objects.get(pk=meeting.pk), bob, title="Bob's")
    second_is_done.set()
    thread.join(5)

    assert outcomes["first"] == "success"
    assert refused.value.message == str(texts.SAVE_IN_PROGRESS)
    assert [call.request.method for call in responses.calls].count("PUT") == 1
    assert (stored(meeting).title, stored(meeting).version) == ("Alice's", 2)


@responses.activate
def test_a_save_knows_what_it_stored_without_reading_it_back(meeting, office_admin, django_assert_num_queries):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    office_admin.has_perm(services.RESCHEDULE_PERMISSION)  # the request has loaded the permissions already

    # The lease and the IN_PROGRESS row in one transaction before anything is sent, then the update and
    # the audit row in another (savepoints here, two statements each): nothing read back, no job queued,
    # no lease released that the update already cleared.
    with django_assert_num_queries(8):
        update(meeting, office_admin, title="Weekly sync v2")

    row = stored(meeting)
    fields = ("title", "starts_at", "ends_at", "version", "updated_by", "updated_at", "update_lease_until")
    assert [getattr(meeting, name) for name in fields] == [getattr(row, name) for name in fields]
