"""meeting_update against other saves: the version a form was opened at, the lease while DingTalk is asked,
and two saves at once."""

import datetime
import json
import threading

import pytest
import responses
from django.db import connection
from django.utils import timezone

from meetings import services, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import UPDATE_URL, budget_rows_exist, dingtalk_has, stored_meeting, update_meeting


@responses.activate
def test_it_refuses_a_save_based_on_an_older_version(meeting, office_admin):
    with pytest.raises(services.MeetingConflict) as refused:
        update_meeting(meeting, office_admin, title="Mine", based_on_version=meeting.version - 1 or 0)

    assert refused.value.message == str(texts.SAVED_BY_SOMEONE_ELSE)
    assert len(responses.calls) == 0
    change = MeetingChange.objects.get()
    assert (change.outcome, change.new_title, change.message) == ("conflict", "Mine", refused.value.message)
    assert stored_meeting(meeting).title == "Weekly sync"


@responses.activate
def test_it_refuses_a_second_save_while_one_is_talking_to_dingtalk(meeting, office_admin):
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=timezone.now() + datetime.timedelta(seconds=30))

    with pytest.raises(services.MeetingConflict) as refused:
        update_meeting(meeting, office_admin, title="Mine")

    assert refused.value.message == str(texts.SAVE_IN_PROGRESS)
    assert len(responses.calls) == 0
    assert MeetingChange.objects.get().outcome == "conflict"


@responses.activate
def test_an_expired_lease_does_not_block_saves(meeting, office_admin):
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=timezone.now() - datetime.timedelta(seconds=1))
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})

    assert update_meeting(meeting, office_admin, title="Mine").outcome == "success"


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

    with pytest.raises(services.MeetingOutcomeUnknown) as unknown:
        update_meeting(meeting, office_admin, title="Mine")

    # Theirs is kept; DingTalk took ours after it, so which one DingTalk has now is checked, not guessed.
    assert unknown.value.message.startswith("Your change reached DingTalk, or may still, only after")
    assert stored_meeting(meeting).title == "Theirs"
    change = MeetingChange.objects.get()
    assert (change.outcome, change.check_after) == ("unknown", unknown.value.check_after)
    assert stored_meeting(meeting).update_lease_until == unknown.value.check_after  # locked for the check


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
            outcomes["first"] = update_meeting(
                Meeting.objects.get(pk=meeting.pk), office_admin, title="Alice's"
            ).outcome
        finally:
            connection.close()  # the thread's own connection, or the test database cannot be dropped

    thread = threading.Thread(target=first)
    thread.start()
    assert first_is_in_dingtalk.wait(5)
    with pytest.raises(services.MeetingConflict) as refused:
        update_meeting(Meeting.objects.get(pk=meeting.pk), bob, title="Bob's")
    second_is_done.set()
    thread.join(5)

    assert outcomes["first"] == "success"
    assert refused.value.message == str(texts.SAVE_IN_PROGRESS)
    assert [call.request.method for call in responses.calls].count("PUT") == 1
    assert (stored_meeting(meeting).title, stored_meeting(meeting).version) == ("Alice's", 2)


@responses.activate
def test_a_save_knows_what_it_stored_without_reading_it_back(meeting, office_admin, django_assert_num_queries):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    office_admin.has_perm(services.RESCHEDULE_PERMISSION)  # the request has loaded the permissions already
    budget_rows_exist(meeting.organization)

    # The lease and the IN_PROGRESS row in one transaction before anything is sent, then the update and
    # the audit row in another (savepoints here, two statements each): nothing read back, no job queued,
    # no lease released that the update already cleared; the lease's end answered by its own UPDATE, on
    # the database's clock (meetings/clock.py). And one statement per DingTalk call, the read and the
    # update, for its turn in DingTalk's budget (meetings/dingtalk/pacing.py).
    with django_assert_num_queries(10):
        update_meeting(meeting, office_admin, title="Weekly sync v2")

    row = stored_meeting(meeting)
    fields = ("title", "starts_at", "ends_at", "version", "updated_by", "updated_at", "update_lease_until")
    assert [getattr(meeting, name) for name in fields] == [getattr(row, name) for name in fields]
