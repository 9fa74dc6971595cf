"""Pruning: rows kept only for a while, deleted by a periodic job (jobs.py) once for the whole deployment."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ..models import EditSubmission
from .jobs import PERIODIC_JOBS
from .submissions import EDIT_SUBMISSION_KEPT

# Finished job results are kept this long for the admin's "Task results" page; the periodic ones (several a
# minute) only an hour.
JOB_RESULTS_KEPT = datetime.timedelta(days=14)
PERIODIC_JOB_RESULTS_KEPT = datetime.timedelta(hours=1)


def old_records_prune() -> dict[str, int]:
    """Delete edit submissions past EDIT_SUBMISSION_KEPT and finished job results past their keeping time."""
    now = timezone.now()
    submissions, _ = EditSubmission.objects.filter(created_at__lt=now - EDIT_SUBMISSION_KEPT).delete()
    periodic = [f"meetings.tasks.{name}" for name in PERIODIC_JOBS]
    results, _ = (
        DBTaskResult.objects.finished()
        .filter(
            Q(finished_at__lt=now - JOB_RESULTS_KEPT)
            | Q(task_path__in=periodic, finished_at__lt=now - PERIODIC_JOB_RESULTS_KEPT)
        )
        .delete()
    )
    return {"submissions": submissions, "job_results": results}
