"""The one way to run a job (imports, bulk renames, every later job), and the periodic work of the deployment.

A job row (models.Job) holds a run token and a heartbeat, both written with the database's clock:
- `job_start` gives the job a new run token and queues a run with it (queue.py, after the commit);
- the run (`JobRun`) works only while the token is still the job's, and beats between its items;
- `jobs_take_over_stalled` -- the sweep, a periodic job -- gives every unfinished job whose heartbeat is
  older than DINGTALK_JOB_STALL_SECONDS a new token and queues a run with it, with a conditional UPDATE
  (healthchecks' way): of two sweeps, one takes it. The dead run, should it wake, finds its token gone
  at its next beat and stops. Each item is claimed by a conditional UPDATE of its state too, so no item is
  done twice, and the new run finds out from DingTalk what became of the item the dead run held.

Periodic work (`PERIODIC_JOBS`) is due once for the whole deployment: a `PeriodicJob` row per job, whose
`due_at` the first worker to see it due moves on with a conditional UPDATE before queuing the job
(`periodic_jobs_queue_due`, called every second by each `manage.py db_worker`). The cron line
(`manage.py check_saves`) stays as a backstop.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ..clock import database_now_plus
from ..models import BulkRename, Job, JobWorker, MeetingImport, PeriodicJob
from ..queue import job_queue

logger = logging.getLogger(__name__)


def job_stall() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.DINGTALK_JOB_STALL_SECONDS)


# --- the kinds of job ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class JobKind:
    model: type[Job]
    unfinished: Q  # the jobs that still have a run to do
    task: Callable[[Job], str]  # the task that runs a job of this kind, as it stands


JOB_KINDS = (
    JobKind(
        model=BulkRename,
        unfinished=~Q(status=BulkRename.Status.DONE),
        task=lambda job: "bulk_rename_run_job",
    ),
    JobKind(
        model=MeetingImport,
        unfinished=Q(
            status__in=[MeetingImport.Status.PREVIEWING, MeetingImport.Status.QUEUED, MeetingImport.Status.RUNNING]
        ),
        task=lambda job: "import_preview_job" if job.status == MeetingImport.Status.PREVIEWING else "import_run_job",
    ),
)


def _kind(job: Job) -> JobKind:
    return next(kind for kind in JOB_KINDS if isinstance(job, kind.model))


# --- a job's run ---------------------------------------------------------------------------------------


def job_start(*, job: Job, task: str) -> None:
    """Give the job a new run token and queue `task` to run it, once the caller's transaction commits."""
    token = str(uuid.uuid4())
    type(job).objects.filter(pk=job.pk).update(run_token=token, heartbeat_at=Now())
    job.run_token = token
    job_queue(task, job_id=job.pk, run_token=token)


class JobRun:
    """A run of a job, holding its run token: `claim()` once, then `beat()` between items."""

    # Seconds between two heartbeats: a few per stall, one query per beat (not one per item).
    BEAT_FRACTION = 6

    def __init__(self, model: type[Job], job_id: int, run_token: str):
        self.model, self.job_id, self.run_token = model, job_id, run_token
        self.beat_every = max(0.5, settings.DINGTALK_JOB_STALL_SECONDS / self.BEAT_FRACTION)
        self._last = float("-inf")
        self._lock = threading.Lock()
        self.lost = False

    def claim(self) -> bool:
        """True if the job is this run's (its token), with a fresh heartbeat; False: another run has it."""
        self._last = float("-inf")
        return self.beat()

    def beat(self) -> bool:
        """Show life (at most every `beat_every` seconds); False once another run has taken the job over."""
        if self.lost:
            return False
        with self._lock:
            if time.monotonic() - self._last < self.beat_every:
                return True
            self._last = time.monotonic()
        if not self.model.objects.filter(pk=self.job_id, run_token=self.run_token).update(heartbeat_at=Now()):
            self.lost = True
            logger.warning("%s %s: taken over by another run; this one stops", self.model.__name__, self.job_id)
        return not self.lost

    def jobs(self) -> models.QuerySet:
        """The job's row, only while this run holds it: `run.jobs().update(...)` writes nothing once lost."""
        return self.model.objects.filter(pk=self.job_id, run_token=self.run_token)


def jobs_take_over_stalled() -> int:
    """Start a new run of every unfinished job whose run stopped beating (its worker died), and close the queue's
    results that worker left running (task_results_fail_orphaned). Returns how many jobs were taken over."""
    task_results_fail_orphaned()
    taken = 0
    for kind in JOB_KINDS:
        stalled = kind.model.objects.filter(kind.unfinished, heartbeat_at__lt=database_now_plus(-job_stall()))
        for job in stalled:
            token = str(uuid.uuid4())
            with transaction.atomic():
                # Conditional: of two sweeps (or a dead run waking up), one changes the token.
                if kind.model.objects.filter(pk=job.pk, run_token=job.run_token).update(
                    run_token=token, heartbeat_at=Now()
                ):
                    logger.warning("%s %s: its run stopped beating; starting another", kind.model.__name__, job.pk)
                    job_queue(kind.task(job), job_id=job.pk, run_token=token)
                    taken += 1
    return taken


# --- the workers: django-tasks results left running by one that died -------------------------------------


class WorkerDied(Exception):
    """What a django-tasks result says when the worker running it died (its `exception_class_path`)."""


def worker_beat(*, worker_id: str, starting: bool = False) -> None:
    """Show that the worker `worker_id` lives (the database's clock); `starting`: it has just started, and any
    result it ran before -- a process with the same ID that died -- is not its own any more."""
    if starting:
        # started_at by this host's clock, like the `started_at` django-tasks-db writes on the results this
        # worker claims (timezone.now()): the two are only ever compared with each other, one host's times.
        defaults = {"started_at": timezone.now(), "heartbeat_at": Now()}
        JobWorker.objects.update_or_create(worker_id=worker_id, defaults=defaults)
        return
    if not JobWorker.objects.filter(worker_id=worker_id).update(heartbeat_at=Now()):
        worker_beat(worker_id=worker_id, starting=True)  # pruned while it lived: it has run nothing since


def task_results_fail_orphaned() -> int:
    """Mark FAILED (WorkerDied) every django-tasks result RUNNING on a worker that stopped beating longer ago than
    DINGTALK_JOB_STALL_SECONDS, or that started again since (the same ID). Returns how many.

    The work itself is not lost: a job's run is taken over (jobs_take_over_stalled), a periodic job runs again
    in its period. This only stops the queue's own record from saying "running" forever. A result whose worker
    never beat (not this portal's db_worker) is left alone: nothing says it died.
    """
    started = dict(JobWorker.objects.values_list("worker_id", "started_at"))
    alive = set(
        JobWorker.objects.filter(heartbeat_at__gte=database_now_plus(-job_stall())).values_list("worker_id", flat=True)
    )
    failed = 0
    for result in DBTaskResult.objects.running().only("id", "worker_ids", "started_at"):
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if worker not in started:
            continue
        if worker in alive and result.started_at is not None and result.started_at >= started[worker]:
            continue
        # Conditional: of two sweeps, one marks it; a result claimed again since (a new start) is not touched.
        if DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=Now(),
            exception_class_path=f"{WorkerDied.__module__}.{WorkerDied.__qualname__}",
            traceback=f"Worker {result.worker_ids[-1]} stopped while running it (found by the sweep).",
        ):
            logger.warning("Task result %s: its worker %s died; marked failed", result.pk, result.worker_ids[-1])
            failed += 1
    return failed


# --- periodic work, once for the deployment -----------------------------------------------------------


def _seconds(name: str, default: float) -> Callable[[], float]:
    return lambda: float(getattr(settings, name, default))


# Job name -> seconds between two runs (0: off).
PERIODIC_JOBS: dict[str, Callable[[], float]] = {
    # A dead run is taken over within the stall plus one sweep.
    "jobs_take_over_stalled_job": lambda: max(1.0, settings.DINGTALK_JOB_STALL_SECONDS / 4),
    # Saves whose outcome is unknown are checked once their lease ran out (save_checks.py).
    "meetings_save_check_job": lambda: 60.0,
    "old_records_prune_job": lambda: 3600.0,
    "meetings_sync_job": _seconds("DINGTALK_SYNC_INTERVAL", 900.0),
}


def periodic_jobs_queue_due() -> list[str]:
    """Queue each periodic job that is due, once for the whole deployment; returns the ones this call queued."""
    existing = set(PeriodicJob.objects.values_list("name", flat=True))
    for name in PERIODIC_JOBS.keys() - existing:
        try:
            with transaction.atomic():
                PeriodicJob.objects.create(name=name, due_at=Now())
        except IntegrityError:
            pass  # another worker created it first
    queued = []
    for name in PeriodicJob.objects.filter(name__in=PERIODIC_JOBS, due_at__lte=Now()).values_list("name", flat=True):
        seconds = PERIODIC_JOBS[name]()
        if seconds <= 0:
            continue
        period = datetime.timedelta(seconds=seconds)
        if PeriodicJob.objects.filter(name=name, due_at__lte=Now()).update(due_at=database_now_plus(period)):
            job_queue(name)
            queued.append(name)
    return queued
