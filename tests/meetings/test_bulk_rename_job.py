"""Bulk rename's job: each meeting through meeting_update, and a job whose worker died."""

import datetime
import json
from html import unescape

import pytest
import responses
from django.urls import reverse
from django.utils import timezone, translation

from meetings import services, texts
from meetings.models import BulkRename, BulkRenameItem, Meeting, MeetingChange
from meetings.services import Rename
from tests.helpers import UPDATE_URL, dingtalk_error, dingtalk_has, make_meetings, started_rename

# A confirmed rename runs its task at once, in this thread.
pytestmark = pytest.mark.usefixtures("immediate_tasks")

PAGE = reverse("meetings:bulk_rename")

# --- the job ----------------------------------------------------------------------------------------------


def dingtalk_accepts(meetings):
    for meeting in meetings:
        dingtalk_has(meeting)
    return responses.put(UPDATE_URL, json={"success": True})


@responses.activate
def test_confirm_renames_each_meeting_through_the_normal_save(
    alice_client, renamer, organization, django_capture_on_commit_callbacks
):
    meetings = make_meetings(organization, "Alpha weekly", "Alpha review")
    update = dingtalk_accepts(meetings)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(PAGE, {"find": "Alpha", "replace": "Beta", "confirm": "1"})

    job = BulkRename.objects.get()
    assert response.url == reverse("meetings:bulk_rename_job", args=[job.pk])
    assert sorted(json.loads(call.request.body)["title"] for call in update.calls) == ["Beta review", "Beta weekly"]
    assert sorted(Meeting.objects.values_list("title", flat=True)) == ["Beta review", "Beta weekly"]
    changes = MeetingChange.objects.filter(action=MeetingChange.Action.UPDATE)
    assert [(c.outcome, c.user) for c in changes] == [(MeetingChange.Outcome.SUCCESS, renamer)] * 2
    assert set(job.items.values_list("state", flat=True)) == {BulkRenameItem.State.RENAMED}
    job.refresh_from_db()
    assert job.status == BulkRename.Status.DONE


@responses.activate
def test_a_failure_never_stops_the_rest(alice_client, renamer, organization, django_capture_on_commit_callbacks):
    first, second, third = make_meetings(organization, "Alpha 1", "Alpha 2", "Alpha 3")
    for meeting in (first, second, third):
        dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    responses.put(UPDATE_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))
    responses.put(UPDATE_URL, json={"success": True})

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(PAGE, {"find": "Alpha", "replace": "Beta", "confirm": "1"})

    states = dict(BulkRenameItem.objects.values_list("meeting__title", "state"))
    assert states == {"Beta 1": "renamed", "Alpha 2": "failed", "Beta 3": "renamed"}
    failed = BulkRenameItem.objects.get(state="failed")
    assert failed.message.startswith(texts.PERMISSION_ERROR % {"detail": "not creator"})


@responses.activate
def test_an_unexpected_error_fails_its_meeting_and_never_stops_the_rest(
    renamer, organization, monkeypatch, django_capture_on_commit_callbacks
):
    from meetings.services import bulk_rename_worker

    first, second = make_meetings(organization, "Alpha 1", "Alpha 2")
    dingtalk_accepts([second])
    saves = bulk_rename_worker.meeting_update

    def save_failing_unexpectedly_for_the_first(*, meeting, **kwargs):
        # Nothing DingTalk answers makes an unexpected error (the client turns each into a DingTalkError),
        # so the bug is made here: one meeting's save breaks in a way no one planned for.
        if meeting.pk == first.pk:
            raise RuntimeError("a bug")
        return saves(meeting=meeting, **kwargs)

    monkeypatch.setattr(bulk_rename_worker, "meeting_update", save_failing_unexpectedly_for_the_first)

    with django_capture_on_commit_callbacks(execute=True):
        job = started_rename(renamer, Rename("Alpha", "Beta"))

    assert [(item.meeting_id, item.state, item.message) for item in job.items.order_by("meeting_id")] == [
        (first.pk, BulkRenameItem.State.FAILED, str(texts.BULK_UNEXPECTED)),
        (second.pk, BulkRenameItem.State.RENAMED, ""),
    ]
    assert BulkRename.objects.get(pk=job.pk).status == BulkRename.Status.DONE


@responses.activate
def test_running_the_same_rename_again_changes_nothing(
    alice_client, renamer, organization, django_capture_on_commit_callbacks
):
    meetings = make_meetings(organization, "Team sync", "Team review")
    dingtalk_accepts(meetings)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(PAGE, {"find": "Team", "replace": "Team A", "confirm": "1"})
    calls = len(responses.calls)

    response = alice_client.get(PAGE, {"find": "Team", "replace": "Team A"})
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(PAGE, {"find": "Team", "replace": "Team A", "confirm": "1"})

    assert response.context["rows"] == []
    assert len(responses.calls) == calls
    assert sorted(Meeting.objects.values_list("title", flat=True)) == ["Team A review", "Team A sync"]


@responses.activate
def test_a_meeting_renamed_meanwhile_counts_as_done_and_is_not_sent(renamer, organization):
    [meeting] = make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    Meeting.objects.filter(pk=meeting.pk).update(title="Beta 1")

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    assert len(responses.calls) == 0
    assert job.items.get().state == BulkRenameItem.State.UNCHANGED


@responses.activate
def test_a_meeting_changed_in_dingtalk_is_left_alone(renamer, organization):
    [meeting] = make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    dingtalk_has(meeting, title="Someone else's title")

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    item = job.items.get()
    assert item.state == BulkRenameItem.State.FAILED
    assert "Someone else's title" in item.message
    assert [call.request.method for call in responses.calls] == ["GET"]


# --- a worker that died ---------------------------------------------------------------------------------


@responses.activate
def test_a_meeting_saved_in_dingtalk_by_a_dead_run_is_taken_from_dingtalk_not_sent_again(renamer, organization):
    [meeting] = make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    job.items.update(state=BulkRenameItem.State.SAVING)  # the worker died between DingTalk and the database
    dingtalk_has(meeting, title="Beta 1")

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    assert [call.request.method for call in responses.calls] == ["GET", "GET"]  # the save's read, the refresh's
    meeting.refresh_from_db()
    assert meeting.title == "Beta 1"
    item = job.items.get()
    assert (item.state, item.message) == (BulkRenameItem.State.RENAMED, str(texts.BULK_WORKER_STOPPED))


@responses.activate
def test_a_meeting_a_dead_run_never_sent_is_saved(renamer, organization):
    [meeting] = make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    job.items.update(state=BulkRenameItem.State.SAVING)
    dingtalk_accepts([meeting])

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    meeting.refresh_from_db()
    assert meeting.title == "Beta 1"


def stall(job):
    """The job's worker died: its run stopped beating longer ago than DINGTALK_JOB_STALL_SECONDS."""
    BulkRename.objects.filter(pk=job.pk).update(
        status=BulkRename.Status.RUNNING, heartbeat_at=timezone.now() - datetime.timedelta(minutes=5)
    )


@responses.activate
def test_a_stalled_job_is_taken_over_by_the_sweep_without_anyone_looking(
    renamer, organization, django_capture_on_commit_callbacks
):
    meetings = make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    dead_run = job.run_token
    stall(job)
    dingtalk_accepts(meetings)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_take_over_stalled() == 1

    job.refresh_from_db()
    assert job.run_token != dead_run
    assert job.status == BulkRename.Status.DONE
    assert Meeting.objects.get().title == "Beta 1"


def test_a_live_job_is_not_taken_over(renamer, organization, django_capture_on_commit_callbacks):
    make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.jobs_take_over_stalled() == 0

    assert callbacks == []
    assert BulkRename.objects.get(pk=job.pk).run_token == job.run_token


@responses.activate
def test_after_a_takeover_a_rename_dingtalk_has_reads_renamed(
    renamer, organization, django_capture_on_commit_callbacks
):
    """Issue 20.6: the dead run's save reached DingTalk; its lease ran out; the new run reads DingTalk."""
    meetings = make_meetings(organization, "Alpha 1", "Alpha 2")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    job.items.update(state=BulkRenameItem.State.SAVING)
    lease = timezone.now() - datetime.timedelta(seconds=1)
    for meeting in meetings:  # the dead run's saves: in progress, their leases run out
        Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=lease)
        MeetingChange.objects.create(
            meeting=meeting,
            organization=organization,
            user=renamer,
            outcome=MeetingChange.Outcome.IN_PROGRESS,
            based_on_version=meeting.version,
            old_title=meeting.title,
            new_title=meeting.title.replace("Alpha", "Beta"),
            new_starts_at=meeting.starts_at,
            new_ends_at=meeting.ends_at,
            check_after=lease,
        )
        dingtalk_has(meeting, title=meeting.title.replace("Alpha", "Beta"))
    stall(job)

    with django_capture_on_commit_callbacks(execute=True):
        services.jobs_take_over_stalled()

    assert [(item.state, item.message) for item in job.items.all()] == [
        (BulkRenameItem.State.RENAMED, str(texts.BULK_WORKER_STOPPED))
    ] * 2
    assert sorted(Meeting.objects.values_list("title", flat=True)) == ["Beta 1", "Beta 2"]
    assert "PUT" not in [call.request.method for call in responses.calls]  # nothing sent twice


def test_an_old_run_stops_when_the_job_was_taken_over(renamer, organization):
    make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))

    with responses.RequestsMock():
        services.bulk_rename_run(job_id=job.pk, run_token="an-old-run")

    assert job.items.get().state == BulkRenameItem.State.PENDING


@responses.activate
def test_a_job_taken_over_renames_as_asked_and_its_row_says_how(
    alice_client, renamer, organization, django_capture_on_commit_callbacks
):
    """Everything the run needs is on the job's rows: the options asked for on the job, each meeting's new title
    (made with them when the job was stored) on its item. A run taken over renames exactly as the first would."""
    meetings = make_meetings(organization, "Alpha 1 weekly", "alpha 2", "Alpha 3")
    job = started_rename(renamer, Rename(r"(?i)alpha (\d)", r"Beta-\1", whole_word=True, regex=True))
    job.refresh_from_db()
    assert (job.find, job.replace, job.whole_word, job.regex) == (r"(?i)alpha (\d)", r"Beta-\1", True, True)
    dead_run = job.run_token
    # The dead run renamed the first meeting, then its worker died.
    dingtalk_accepts(meetings)
    first = job.items.get(meeting=meetings[0])
    first.state, first.finished_at = BulkRenameItem.State.RENAMED, timezone.now()
    first.save()
    Meeting.objects.filter(pk=meetings[0].pk).update(title="Beta-1 weekly", version=2)
    stall(job)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_take_over_stalled() == 1

    job.refresh_from_db()
    assert job.run_token != dead_run and job.status == BulkRename.Status.DONE
    assert sorted(
        json.loads(call.request.body)["title"] for call in responses.calls if call.request.method == "PUT"
    ) == [
        "Beta-2",
        "Beta-3",
    ]
    assert sorted(Meeting.objects.values_list("title", flat=True)) == ["Beta-1 weekly", "Beta-2", "Beta-3"]
    html = alice_client.get(reverse("meetings:bulk_rename_job", args=[job.pk])).content.decode()
    assert str(texts.BULK_JOB_REGEX) in html and str(texts.BULK_JOB_WHOLE_WORD) in html


def test_a_run_that_lost_its_job_mid_save_never_writes_over_the_new_runs_result(renamer, organization, monkeypatch):
    """A run that stalled (a paused machine) and was taken over wakes in the middle of a save, which fails
    (the new run saved the meeting meanwhile): the meeting reads as the new run left it, never "Failed"."""
    from meetings.services import bulk_rename_worker

    make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))

    def save_while_taken_over(*, meeting, **kwargs):
        BulkRename.objects.filter(pk=job.pk).update(run_token="the-new-run")
        BulkRenameItem.objects.filter(job=job).update(state=BulkRenameItem.State.RENAMED, message="")
        Meeting.objects.filter(pk=meeting.pk).update(title="Beta 1", version=2)
        raise services.MeetingConflict(str(texts.SAVED_BY_SOMEONE_ELSE))

    monkeypatch.setattr(bulk_rename_worker, "meeting_update", save_while_taken_over)

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    item = job.items.get()
    assert (item.state, item.message) == (BulkRenameItem.State.RENAMED, "")


@responses.activate
def test_each_meetings_result_reads_in_the_readers_language(
    alice_client, renamer, organization, django_capture_on_commit_callbacks
):
    """The worker writes in no one's language: a failure is kept as its code, read in the reader's."""
    [meeting] = make_meetings(organization, "Alpha 1")
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(PAGE, {"find": "Alpha", "replace": "Beta", "confirm": "1"})
    job_page = reverse("meetings:bulk_rename_job", args=[BulkRename.objects.get().pk])

    chinese = unescape(alice_client.get(job_page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    english = unescape(alice_client.get(job_page, HTTP_ACCEPT_LANGUAGE="en").content.decode())

    with translation.override("zh-hans"):
        refused_in_chinese = texts.PERMISSION_ERROR % {"detail": "not creator"}
        assert refused_in_chinese in chinese and str(texts.SAVE_REFUSED_CHANGE_CREATOR) in chinese
    refused = texts.PERMISSION_ERROR % {"detail": "not creator"}
    assert refused not in chinese and refused in english
