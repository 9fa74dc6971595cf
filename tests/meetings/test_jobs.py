"""Jobs owned by the database (meetings/services/jobs.py): a run token and a heartbeat per job, a sweep that
gives a stalled job to another worker, and periodic work due once for the whole deployment."""

import datetime

import pytest
import responses
from django.core.management import get_commands
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meetings import services
from meetings.models import Meeting, MeetingImport, MeetingImportLine, PeriodicJob
from tests.helpers import API_BASE

pytestmark = pytest.mark.usefixtures("immediate_tasks")

START_MS = 1893456000000  # 2030-01-01, a meeting still to come


def dingtalk_answers(conference_id, creator):
    from meetings import dingtalk

    return responses.get(
        API_BASE + dingtalk.QUERY_PATH.format(id=conference_id),
        match=[responses.matchers.query_param_matcher({"requestUnionId": creator})],
        json={
            "scheduleConferenceId": conference_id,
            "title": "Meeting " + conference_id,
            "startTime": START_MS,
            "endTime": START_MS + 3_600_000,
        },
    )


def a_dead_import(organization, office_admin):
    """An import whose worker was killed mid-run: line 1 added, line 2 registered in DingTalk's name but not
    written down (ADDING), line 3 not started; its heartbeat stopped five minutes ago."""
    meeting_import = MeetingImport.objects.create(
        organization=organization,
        created_by=office_admin,
        confirmed_by=office_admin,
        status=MeetingImport.Status.RUNNING,
        run_token="the-dead-run",
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    lines = []
    for number in (1, 2, 3):
        lines.append(
            MeetingImportLine.objects.create(
                meeting_import=meeting_import,
                number=number,
                text=f"conf-{number} u-{number}",
                schedule_conference_id=f"conf-{number}",
                creator_union_id=f"u-{number}",
                checked=True,
            )
        )
    for line in lines[:2]:
        line.meeting = Meeting.objects.create(
            organization=organization,
            schedule_conference_id=line.schedule_conference_id,
            creator_union_id=line.creator_union_id,
            title="Meeting " + line.schedule_conference_id,
            starts_at=timezone.now(),
            ends_at=timezone.now() + datetime.timedelta(hours=1),
        )
    MeetingImportLine.objects.filter(pk=lines[0].pk).update(
        result=MeetingImportLine.Result.ADDED, meeting=lines[0].meeting
    )
    MeetingImportLine.objects.filter(pk=lines[1].pk).update(result=MeetingImportLine.Result.ADDING)
    return meeting_import


@responses.activate
def test_a_dead_import_is_taken_over_by_the_sweep_and_every_line_is_accounted_for(
    organization, office_admin, django_capture_on_commit_callbacks
):
    meeting_import = a_dead_import(organization, office_admin)
    third = dingtalk_answers("conf-3", "u-3")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_take_over_stalled() == 1

    meeting_import.refresh_from_db()
    assert meeting_import.status == MeetingImport.Status.DONE
    assert meeting_import.run_token != "the-dead-run"
    results = list(meeting_import.lines.values_list("number", "result", "meeting__schedule_conference_id"))
    assert results == [(1, "added", "conf-1"), (2, "added", "conf-2"), (3, "added", "conf-3")]
    assert Meeting.objects.count() == 3  # none added twice
    assert len(responses.calls) == third.call_count == 1  # DingTalk asked only about the line not done


def test_a_live_import_is_left_to_its_run(organization, office_admin, django_capture_on_commit_callbacks):
    meeting_import = a_dead_import(organization, office_admin)
    MeetingImport.objects.filter(pk=meeting_import.pk).update(heartbeat_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert services.jobs_take_over_stalled() == 0

    assert queued == []


def test_a_run_that_lost_its_job_does_nothing(organization, office_admin):
    meeting_import = a_dead_import(organization, office_admin)

    with responses.RequestsMock():  # no call to DingTalk
        services.import_run(import_id=meeting_import.pk, run_token="an-older-run")

    assert meeting_import.lines.filter(result=MeetingImportLine.Result.PENDING).count() == 1


def test_periodic_work_is_queued_once_for_the_whole_deployment(db, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.DINGTALK_SYNC_INTERVAL = 900

    with django_capture_on_commit_callbacks(execute=True):
        first = services.periodic_jobs_queue_due()  # one worker
        second = services.periodic_jobs_queue_due()  # another, a moment later

    assert sorted(first) == [
        "jobs_take_over_stalled_job",
        "meetings_save_check_job",
        "meetings_sync_job",
        "old_records_prune_job",
    ]
    assert second == []
    assert DBTaskResult.objects.count() == 4
    sync = PeriodicJob.objects.get(name="meetings_sync_job")
    assert sync.due_at > timezone.now() + datetime.timedelta(seconds=890)

    PeriodicJob.objects.filter(name="meetings_sync_job").update(due_at=timezone.now() - datetime.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.periodic_jobs_queue_due() == ["meetings_sync_job"]


def test_a_sync_interval_of_zero_turns_the_sync_off(db, settings, django_capture_on_commit_callbacks):
    settings.DINGTALK_SYNC_INTERVAL = 0

    with django_capture_on_commit_callbacks(execute=False):
        assert "meetings_sync_job" not in services.periodic_jobs_queue_due()


def test_the_job_worker_is_the_portals_own():
    """`manage.py db_worker` runs meetings' command, which adds the periodic work to django-tasks-db's."""
    assert get_commands()["db_worker"] == "meetings"


def test_a_run_that_lost_its_job_mid_line_leaves_the_line_to_the_run_that_took_over(
    organization, office_admin, monkeypatch
):
    """A run that stalled (a paused machine) and was taken over, then wakes in the middle of a line: what it
    learns ("already registered": the new run registered it meanwhile) is not written over the new run's line."""
    from meetings.services import imports

    meeting_import = a_dead_import(organization, office_admin)
    MeetingImport.objects.filter(pk=meeting_import.pk).update(heartbeat_at=timezone.now())
    third = meeting_import.lines.get(number=3)

    def register_while_taken_over(**kwargs):
        # Meanwhile the sweep gave the job to a new run, which registered the line's meeting first.
        MeetingImport.objects.filter(pk=meeting_import.pk).update(run_token="the-new-run")
        registered = Meeting.objects.create(
            organization=organization,
            schedule_conference_id="conf-3",
            creator_union_id="u-3",
            title="Meeting conf-3",
            starts_at=timezone.now(),
            ends_at=timezone.now() + datetime.timedelta(hours=1),
        )
        raise services.MeetingAlreadyRegistered("Already in the portal.", meeting=registered)

    monkeypatch.setattr(imports, "meeting_register", register_while_taken_over)
    MeetingImportLine.objects.filter(meeting_import=meeting_import, number=2).update(
        result=MeetingImportLine.Result.ADDED
    )

    services.import_run(import_id=meeting_import.pk, run_token="the-dead-run")

    third.refresh_from_db()
    assert (third.result, third.message) == (MeetingImportLine.Result.ADDING, "")  # the new run's to finish


def test_a_preview_run_that_lost_its_job_never_writes_its_line_over_the_import(organization, office_admin, monkeypatch):
    """A preview run that stalled long enough for the import to be previewed again, confirmed and run: when it
    wakes, the line it was asking DingTalk about keeps what the import's run wrote."""
    from meetings.services import imports

    meeting_import = services.import_create(organization=organization, text="conf-1 u-1", by=office_admin)
    line = meeting_import.lines.get()

    def check_while_taken_over(**kwargs):
        MeetingImport.objects.filter(pk=meeting_import.pk).update(run_token="the-new-run")
        MeetingImportLine.objects.filter(pk=line.pk).update(checked=True, result=MeetingImportLine.Result.ADDED)
        raise services.MeetingError("DingTalk did not answer.")

    monkeypatch.setattr(imports, "meeting_check", check_while_taken_over)

    services.import_preview(import_id=meeting_import.pk, run_token=meeting_import.run_token)

    line.refresh_from_db()
    assert (line.result, line.problem) == (MeetingImportLine.Result.ADDED, "")
