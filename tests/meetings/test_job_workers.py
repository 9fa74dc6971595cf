"""A django-tasks result left RUNNING by a worker that died (kill -9, the machine gone): each `manage.py
db_worker` beats a row of its own (services.worker_beat, the database's clock), and the sweep of stalled jobs
marks FAILED (WorkerDied) the results of a worker that stopped beating -- never those of a live one."""

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meetings import services
from meetings.models import JobWorker
from meetings.queue import job_queue
from meetings.services.jobs import WorkerDied


@pytest.fixture
def running(db, django_capture_on_commit_callbacks):
    """A queued job, claimed by the worker "worker-a" (as django-tasks-db's worker claims it)."""
    services.worker_beat(worker_id="worker-a", starting=True)
    with django_capture_on_commit_callbacks(execute=True):
        job_queue("old_records_prune_job")
    result = DBTaskResult.objects.get()
    result.claim("worker-a")
    return result


def worker_silent_for(worker_id, **delta):
    JobWorker.objects.filter(worker_id=worker_id).update(heartbeat_at=timezone.now() - datetime.timedelta(**delta))


def test_the_result_of_a_worker_that_stopped_beating_is_marked_failed(running):
    worker_silent_for("worker-a", minutes=5)

    assert services.task_results_fail_orphaned() == 1

    result = DBTaskResult.objects.get(pk=running.pk)
    assert result.status == "FAILED" and result.finished_at is not None
    assert result.task_result.errors[0].exception_class is WorkerDied
    assert "worker-a" in result.traceback


def test_the_result_of_a_live_worker_is_left_running(running):
    services.worker_beat(worker_id="worker-a")

    assert services.task_results_fail_orphaned() == 0
    assert DBTaskResult.objects.get(pk=running.pk).status == "RUNNING"


def test_a_worker_started_again_under_the_same_id_does_not_own_its_dead_predecessors_result(running):
    DBTaskResult.objects.filter(pk=running.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=1))
    services.worker_beat(worker_id="worker-a", starting=True)  # a new process, the same --worker-id

    assert services.task_results_fail_orphaned() == 1
    assert DBTaskResult.objects.get(pk=running.pk).status == "FAILED"


def test_a_result_whose_worker_never_beat_is_left_alone(running):
    DBTaskResult.objects.filter(pk=running.pk).update(worker_ids=["not-this-portals-worker"])

    assert services.task_results_fail_orphaned() == 0
    assert DBTaskResult.objects.get(pk=running.pk).status == "RUNNING"


def test_the_sweep_of_stalled_jobs_does_it_without_anyone_looking(running):
    worker_silent_for("worker-a", minutes=5)

    services.jobs_take_over_stalled()

    assert DBTaskResult.objects.get(pk=running.pk).status == "FAILED"


def test_a_worker_pruned_while_it_lived_comes_back_at_its_next_beat(db):
    services.worker_beat(worker_id="worker-b")

    assert JobWorker.objects.filter(worker_id="worker-b").exists()


def test_a_worker_silent_for_a_day_is_forgotten_by_the_pruning(db):
    services.worker_beat(worker_id="long-gone", starting=True)
    services.worker_beat(worker_id="alive", starting=True)
    worker_silent_for("long-gone", days=1, minutes=1)

    services.old_records_prune()

    assert list(JobWorker.objects.values_list("worker_id", flat=True)) == ["alive"]
