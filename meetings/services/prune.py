"""Pruning: rows kept only for a while, deleted by a periodic job (jobs.py) once for the whole deployment."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ..clock import database_now_plus
from ..models import JobWorker
from .jobs import PERIODIC_JOBS

# Finished job results are kept this long for the admin's "Task results" page; the periodic ones (several a
# minute) only an hour.
JOB_RESULTS_KEPT = datetime.timedelta(days=14)
PERIODIC_JOB_RESULTS_KEPT = datetime.timedelta(hours=1)
# A worker that stopped beating is forgotten after this long (each process start has an ID of its own).
WORKERS_KEPT = datetime.timedelta(days=1)


def old_records_prune() -> int:
    """Delete finished job results past their keeping time; returns how many."""
    now = timezone.now()
    periodic = [f"meetings.tasks.{name}" for name in PERIODIC_JOBS]
    deleted, _ = (
        DBTaskResult.objects.finished()
        .filter(
            Q(finished_at__lt=now - JOB_RESULTS_KEPT)
            | Q(task_path__in=periodic, finished_at__lt=now - PERIODIC_JOB_RESULTS_KEPT)
        )
        .delete()
    )
    # A worker silent this long died long ago: the sweep has closed its results (jobs.task_results_fail_orphaned).
    JobWorker.objects.filter(heartbeat_at__lt=database_now_plus(-WORKERS_KEPT)).delete()
    return deleted
