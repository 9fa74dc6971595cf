"""One DingTalk budget for the whole deployment (meetings/dingtalk/pacing.py): turns taken from the database."""

import bisect
import itertools
import json
import threading
import time

import pytest
import responses
from django.db import connection

from meetings import dingtalk, services
from meetings.dingtalk import pacing
from meetings.models import BulkRenameItem, DingTalkBudget, Meeting
from meetings.services import Rename
from tests.helpers import API_BASE, UPDATE_URL, dingtalk_query_url, make_meetings, send_update

QUERY_API = "GET " + dingtalk.QUERY_PATH
UPDATE_API = "PUT " + dingtalk.UPDATE_PATH


@pytest.fixture
def budget(settings):
    """10 calls a second to each API: 5 for background work, 5 for people."""
    settings.DINGTALK_MAX_CALLS_PER_SECOND = 10
    settings.DINGTALK_BACKGROUND_SHARE = 0.5
    return pacing.shares(10, 0.5)


def most_in_one_second(moments):
    """The most of `moments` (seconds) inside any one second, as DingTalk's sliding window counts them."""
    moments = sorted(moments)
    return max((bisect.bisect_left(moments, start + 1.0) - i for i, start in enumerate(moments)), default=0)


class Arrivals:
    """What the fake DingTalk received, and when (time.monotonic), per API."""

    def __init__(self):
        self.lock = threading.Lock()
        self.moments = {QUERY_API: [], UPDATE_API: []}

    def record(self, api, reply):
        def callback(request):
            with self.lock:
                self.moments[api].append(time.monotonic())
            return 200, {}, json.dumps(reply(request))

        return callback

    def answer_updates(self):
        responses.add_callback(responses.PUT, UPDATE_URL, callback=self.record(UPDATE_API, lambda r: {"success": True}))

    def answer_reads(self, meeting):
        """DingTalk's query API answers with the meeting as it stood when the test began."""
        reply = {
            "scheduleConferenceId": meeting.schedule_conference_id,
            "title": meeting.title,
            "startTime": dingtalk.epoch_ms(meeting.starts_at),
            "endTime": dingtalk.epoch_ms(meeting.ends_at),
        }
        responses.add_callback(
            responses.GET, dingtalk_query_url(meeting), callback=self.record(QUERY_API, lambda r: reply)
        )


def test_the_budget_is_cut_into_whole_calls_with_at_least_one_for_background_work():
    assert pacing.shares(20, 0.8) == {"people": 4, "background": 16}
    assert pacing.shares(3, 0.8) == {"people": 1, "background": 2}
    assert pacing.shares(1, 0.8) == {"people": 0, "background": 1}
    assert pacing.shares(20, 1.0) == {"people": 0, "background": 20}


def test_a_shares_turns_are_one_interval_apart_on_the_database_clock(organization, settings):
    settings.DINGTALK_MAX_CALLS_PER_SECOND = 1  # one turn a second: four are taken well within their horizon
    next_turns = []
    for _ in range(4):
        pacing.take_turn(organization=organization.pk, api=UPDATE_API, background=True)
        next_turns.append(DingTalkBudget.objects.get(api=UPDATE_API, share="background").next_turn_at)

    gaps = {round((later - earlier).total_seconds(), 6) for earlier, later in itertools.pairwise(next_turns)}
    assert gaps == {round(1 / pacing.SAFETY_MARGIN, 6)}


def wait_for(organization, *, background):
    """The seconds a call to the update API would wait for its turn."""
    turn = pacing.take_turn(organization=organization.pk, api=UPDATE_API, background=background)
    return max(0.0, turn - time.monotonic())


def test_a_person_never_waits_behind_a_jobs_turns(organization, budget):
    job_waits = [wait_for(organization, background=True) for _ in range(30)]
    assert job_waits[-1] > 0  # the job has reserved turns ahead (six seconds of them)

    assert wait_for(organization, background=False) == 0


def test_a_person_takes_a_free_background_turn_and_then_waits_only_for_people(organization, settings):
    settings.DINGTALK_MAX_CALLS_PER_SECOND = 2  # one call a second for people, one for jobs
    settings.DINGTALK_BACKGROUND_SHARE = 0.5
    first = wait_for(organization, background=False)
    second = wait_for(organization, background=False)  # a job's turn, unused
    third = wait_for(organization, background=False)

    assert (first, second) == (0, 0)
    assert 0 < third <= 1 / pacing.SAFETY_MARGIN


@responses.activate
def test_a_persons_call_draws_from_the_budget_and_every_meeting_read_is_one_api(organization, office_admin, budget):
    first, second = make_meetings(organization, "One", "Two")
    arrivals = Arrivals()
    for meeting in (first, second):
        arrivals.answer_reads(meeting)

    for meeting in (first, second):
        services.meeting_refresh(
            meeting=Meeting.objects.select_related("organization").get(pk=meeting.pk), by=office_admin
        )

    assert len(arrivals.moments[QUERY_API]) == 2
    assert set(DingTalkBudget.objects.values_list("organization", "api")) == {(organization.pk, QUERY_API)}
    # The reads took their turns: a share's next free turn moved from the long ago a new row starts at.
    assert any(moment.year > 2000 for moment in DingTalkBudget.objects.values_list("next_turn_at", flat=True))


@responses.activate
def test_calls_outside_any_paced_block_take_no_turn(organization, budget):
    responses.put(UPDATE_URL, json={"success": True})

    send_update(dingtalk.client_for(API_BASE))

    assert not DingTalkBudget.objects.exists()


@responses.activate
def test_bulk_rename_keeps_to_the_background_share_of_the_budget(
    organization, office_admin, budget, settings, monkeypatch
):
    """Through the real pacing and the database's budget: what DingTalk received, per API and second."""
    # A wider margin than production's: on a busy test machine a thread may wake late from its wait, and
    # two calls then reach the fake DingTalk closer together than their turns were.
    monkeypatch.setattr(pacing, "SAFETY_MARGIN", 0.8)
    settings.BULK_RENAME_THREADS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    organization.members.add(office_admin)
    meetings = make_meetings(organization, *(f"Alpha {number}" for number in range(12)))
    arrivals = Arrivals()
    for meeting in meetings:
        arrivals.answer_reads(meeting)
    arrivals.answer_updates()
    job = services.bulk_rename_start(by=office_admin, rename=Rename(find="Alpha", replace="Beta"))

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    assert set(job.items.values_list("state", flat=True)) == {BulkRenameItem.State.RENAMED}
    assert len(arrivals.moments[UPDATE_API]) == len(meetings)
    # A bulk rename left to people's share (or to no pace) sends up to the whole budget, 10, in a second.
    assert most_in_one_second(arrivals.moments[QUERY_API]) <= budget["background"]
    assert most_in_one_second(arrivals.moments[UPDATE_API]) <= budget["background"]


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_two_workers_and_a_person_together_never_exceed_the_budget(settings, monkeypatch):
    """Three threads, each with its own database connection as separate processes would have, on one budget."""
    from meetings.models import Organization

    settings.DINGTALK_MAX_CALLS_PER_SECOND = 6
    settings.DINGTALK_BACKGROUND_SHARE = 0.5
    # A wider margin than production's: on a busy test machine a thread may wake late from its wait, and
    # two calls then reach the fake DingTalk closer together than their turns were.
    monkeypatch.setattr(pacing, "SAFETY_MARGIN", 0.8)
    organization = Organization.objects.create(name="Budget office", time_zone="UTC", api_base=API_BASE)
    arrivals = Arrivals()
    arrivals.answer_updates()
    client = dingtalk.client_for(API_BASE)
    failures = []

    def calls(count, *, background):
        try:
            with pacing.paced(organization.pk, background=background):
                for _ in range(count):
                    send_update(client)
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            failures.append(error)
        finally:
            from django.db import connection

            connection.close()

    threads = [
        threading.Thread(target=calls, args=(8,), kwargs={"background": True}),
        threading.Thread(target=calls, args=(8,), kwargs={"background": True}),
        threading.Thread(target=calls, args=(6,), kwargs={"background": False}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(arrivals.moments[UPDATE_API]) == 22
    assert most_in_one_second(arrivals.moments[UPDATE_API]) <= 6


def throttled(code_index=0):
    return dingtalk.DingTalkAPIError("qps", status=403, code=dingtalk.Code.QPS_LIMITS[code_index])


def test_a_throttled_call_waits_and_tries_again(monkeypatch):
    answers, slept = iter([throttled(), "ok"]), []
    monkeypatch.setattr(pacing, "sleep", slept.append)

    def call():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert pacing.paced_call(organization=1, call=call) == "ok"
    assert slept == [pacing.THROTTLED_WAIT]


def test_it_gives_up_after_its_tries(monkeypatch):
    monkeypatch.setattr(pacing, "sleep", lambda seconds: None)
    calls = []

    def call():
        calls.append(1)
        raise throttled(1)

    with pytest.raises(dingtalk.DingTalkAPIError):
        pacing.paced_call(organization=1, call=call)
    assert len(calls) == pacing.THROTTLED_TRIES


def test_other_errors_are_not_tried_again(monkeypatch):
    monkeypatch.setattr(pacing, "sleep", lambda seconds: None)
    calls = []

    def call():
        calls.append(1)
        raise dingtalk.DingTalkAPIError("no", status=400, code=dingtalk.Code.PERMISSION_ERROR)

    with pytest.raises(dingtalk.DingTalkAPIError):
        pacing.paced_call(organization=1, call=call)
    assert calls == [1]


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_call_woken_late_takes_the_next_turn_instead_of_crowding_the_ones_after_it(settings, monkeypatch):
    from meetings.models import Organization

    settings.DINGTALK_MAX_CALLS_PER_SECOND = 1  # one turn a second, for background work
    organization = Organization.objects.create(name="Late office", time_zone="UTC", api_base=API_BASE)
    arrivals = Arrivals()
    arrivals.answer_updates()
    client = dingtalk.client_for(API_BASE)
    woken = []

    def oversleeping(seconds):  # a busy host: the first wait ends a tenth of a second late
        time.sleep(seconds + (0.1 if not woken else 0))
        woken.append(seconds)

    monkeypatch.setattr(pacing, "sleep", oversleeping)

    with pacing.paced(organization.pk, background=True):
        send_update(client)  # the turn is free: no wait
        send_update(client)  # its turn is a second later, and it wakes late for it

    first, second = arrivals.moments[UPDATE_API]
    interval = 1 / pacing.SAFETY_MARGIN
    # The late turn was let go and the call went on the next one, two intervals after the first call's turn
    # (sent on the late turn it would have arrived about 1.15 intervals after). The first call reaches the fake
    # DingTalk some milliseconds after its turn, which is placed when the database gave it.
    assert second - first >= 1.5 * interval


def test_an_answer_read_late_does_not_move_the_turn_it_carries(organization, settings):
    """The database decides each turn on its clock; a busy host that reads one answer late (the CPU, the
    GIL) still starts that turn when the database meant it, one interval after the turn before it."""
    settings.DINGTALK_MAX_CALLS_PER_SECOND = 1  # turns about a second apart, all reserved at once
    settings.DINGTALK_BACKGROUND_SHARE = 1.0
    read_late = False

    def answer_read_late(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if read_late and sql.lstrip().upper().startswith("SELECT") and "next_turn_at" in sql:
            time.sleep(0.2)  # the database has answered; this process reads it 200 ms later
        return result

    turns = []
    with connection.execute_wrapper(answer_read_late):
        for late in (False, False, False, True, False):
            read_late = late
            turns.append(pacing.take_turn(organization=organization.pk, api=UPDATE_API, background=True))

    interval = 1 / pacing.SAFETY_MARGIN
    gaps = [later - earlier for earlier, later in itertools.pairwise(turns)]
    assert gaps == pytest.approx([interval] * 4, abs=0.05)
