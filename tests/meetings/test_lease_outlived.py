"""A save that outlives its lease (issue 20, point 1). The first save's update is slow on its way: its lease
runs out, a second save takes the lease, checks the first as not (yet) in DingTalk and saves; then the first
update lands in DingTalk and its answer comes back. Nothing the second save checked is overwritten, the
first attempt's row says it is being checked -- and the person is told so, not "locked" or "saved" -- and the
check leaves the portal equal to DingTalk, every row saying what happened.

The transport now ends every call within the deadline, well inside the lease; these saves outlive it anyway
(a stalled process, a slow database), which only the lease's compare-and-swap can catch.
"""

import datetime
import json
import threading
import time

import pytest
import requests
import responses
from django.db import connection
from django.utils import timezone

from meetings import dingtalk, selectors, services, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import UPDATE_URL, dingtalk_query_url, stored_meeting, update_meeting


class FakeDingTalk:
    """DingTalk's copy of the meeting: the query answers it, an update changes it when it lands.

    `meanwhile[title]` runs while the update with that title is on its way, before it lands; `answer` is
    what comes back for it after it landed (DingTalk's success, or an exception: the answer is lost);
    `read_seconds`, how long DingTalk takes to answer a query."""

    read_seconds = 0.0

    def __init__(self, meeting):
        self.meeting, self.title = meeting, meeting.title
        self.meanwhile, self.answers = {}, {}
        responses.add_callback(responses.GET, dingtalk_query_url(meeting), callback=self.query)
        responses.add_callback(responses.PUT, UPDATE_URL, callback=self.update)

    def query(self, request):
        time.sleep(self.read_seconds)
        meeting = self.meeting
        return (
            200,
            {},
            json.dumps(
                {
                    "scheduleConferenceId": meeting.schedule_conference_id,
                    "title": self.title,
                    "startTime": dingtalk.epoch_ms(meeting.starts_at),
                    "endTime": dingtalk.epoch_ms(meeting.ends_at),
                }
            ),
        )

    def update(self, request):
        title = json.loads(request.body)["title"]
        if title in self.meanwhile:
            self.meanwhile.pop(title)()
        self.title = title  # it lands
        answer = self.answers.get(title)
        if isinstance(answer, Exception):
            raise answer
        return 200, {}, json.dumps({"success": True})


def lease_runs_out(meeting):
    """Time passes beyond the first save's lease (a stalled process): a later save may take the meeting."""
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=timezone.now() - datetime.timedelta(seconds=1))


def check_is_due(meeting):
    """Time passes beyond the wait of every pending row: the check may read DingTalk."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    Meeting.objects.filter(pk=meeting.pk, update_lease_until__isnull=False).update(update_lease_until=past)
    MeetingChange.objects.filter(meeting=meeting, outcome__in=MeetingChange.PENDING).update(check_after=past)


def lease_lost_sentence(unknown, meeting):
    return str(texts.OUTCOME_UNKNOWN_LEASE_LOST)  # no time: the wait is said when a page is shown


@pytest.fixture
def bob(django_user_model, organization):
    return django_user_model.objects.create_user("bob", is_superuser=True)


@pytest.mark.parametrize(
    "first_answer",
    [
        pytest.param(None, id="answered-late"),
        pytest.param(requests.ReadTimeout("read timed out"), id="answer-lost"),
    ],
)
@responses.activate
def test_a_save_that_outlives_its_lease_overwrites_nothing_and_is_checked(meeting, office_admin, bob, first_answer):
    dingtalk_fake = FakeDingTalk(meeting)
    dingtalk_fake.answers["First"] = first_answer
    second = {}

    def second_save_meanwhile():
        lease_runs_out(meeting)
        second["change"] = update_meeting(stored_meeting(meeting), bob, title="Second")

    dingtalk_fake.meanwhile["First"] = second_save_meanwhile

    with pytest.raises(services.MeetingOutcomeUnknown) as unknown:
        update_meeting(meeting, office_admin, title="First")

    # The second save was saved, and stays so; the first person is told the truth, not "locked" or "saved".
    assert second["change"].outcome == MeetingChange.Outcome.SUCCESS
    assert unknown.value.message == lease_lost_sentence(unknown.value, meeting)
    assert dingtalk_fake.title == "First"  # it landed after the second one
    assert stored_meeting(meeting).title == "Second"  # not overwritten by the first save's late answer
    first_row = MeetingChange.objects.get(user=office_admin)
    assert first_row.outcome == MeetingChange.Outcome.UNKNOWN
    assert first_row.checked_at is None
    assert MeetingChange.objects.get(user=bob).outcome == MeetingChange.Outcome.SUCCESS

    # Once no try of the first update can still arrive, the check (the queued job) reads DingTalk.
    check_is_due(meeting)
    for due in selectors.meetings_to_check():
        services.meeting_save_check(meeting=due)

    assert stored_meeting(meeting).title == dingtalk_fake.title == "First"
    first_row.refresh_from_db()
    assert (first_row.outcome, first_row.checked_at is not None) == (MeetingChange.Outcome.SUCCESS, True)
    assert MeetingChange.objects.get(user=bob).outcome == MeetingChange.Outcome.SUCCESS
    assert not MeetingChange.objects.filter(outcome__in=MeetingChange.PENDING).exists()
    assert stored_meeting(meeting).update_lease_until is None  # unlocked once checked


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_save_that_lost_its_lease_while_another_holds_it_is_checked_after_that_one(meeting, office_admin, bob):
    """The first save's answer comes back while the second save holds the meeting (its update on the way):
    the first may not lock the meeting for its check, nor touch the second's row -- and is checked all the
    same once the second is done. DingTalk gets the first update, then the second."""
    dingtalk_fake = FakeDingTalk(meeting)
    first_on_its_way, second_holds_it, first_done = threading.Event(), threading.Event(), threading.Event()
    outcome = {}

    def first_stalls():
        lease_runs_out(meeting)
        first_on_its_way.set()
        assert second_holds_it.wait(30)

    def first_is_answered_meanwhile():
        second_holds_it.set()
        assert first_done.wait(30)

    dingtalk_fake.meanwhile.update(First=first_stalls, Second=first_is_answered_meanwhile)

    def first_save():
        try:
            update_meeting(Meeting.objects.get(pk=meeting.pk), office_admin, title="First")
        except services.MeetingError as error:
            outcome["first"] = error
        finally:
            first_done.set()
            connection.close()  # the thread's own connection, or the test database cannot be dropped

    first = threading.Thread(target=first_save)
    first.start()
    assert first_on_its_way.wait(30)
    second = update_meeting(Meeting.objects.get(pk=meeting.pk), bob, title="Second")
    first.join(30)

    assert second.outcome == MeetingChange.Outcome.SUCCESS
    assert isinstance(outcome["first"], services.MeetingOutcomeUnknown)
    assert outcome["first"].message == lease_lost_sentence(outcome["first"], meeting)
    assert (stored_meeting(meeting).title, dingtalk_fake.title) == ("Second", "Second")
    assert stored_meeting(meeting).update_lease_until is None  # the second save's lease, released
    assert MeetingChange.objects.get(user=office_admin).outcome == MeetingChange.Outcome.UNKNOWN

    # Nobody holds the meeting, yet the first row is due: the job (and the command) find and check it.
    check_is_due(meeting)
    assert [due.pk for due in selectors.meetings_to_check()] == [meeting.pk]
    checked = services.meeting_save_check(meeting=stored_meeting(meeting))

    assert checked is not None and checked.user == office_admin
    assert checked.outcome == MeetingChange.Outcome.NOT_APPLIED  # DingTalk kept the second one
    assert MeetingChange.objects.get(user=bob).outcome == MeetingChange.Outcome.SUCCESS
    assert stored_meeting(meeting).title == dingtalk_fake.title


@responses.activate
def test_all_dingtalk_calls_of_a_save_share_one_deadline_outside_a_web_request(meeting, office_admin, settings):
    # A bulk rename's worker saves outside any web request: the read and the update must still end within
    # one DINGTALK_DEADLINE together (the lease outlasts it), not one deadline each.
    settings.DINGTALK_DEADLINE = 1.0
    FakeDingTalk(meeting).read_seconds = 0.5

    update_meeting(meeting, office_admin, title="Renamed")

    [update] = [call for call in responses.calls if call.request.method == "PUT"]
    assert sum(update.request.req_kwargs["timeout"]) < 0.75  # what the read left of the one second
