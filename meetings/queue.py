"""The one place jobs are queued. Services call `job_queue(name, ...)`; views and tasks never queue.

A job is queued once the transaction that wrote its reason commits (`transaction.on_commit`): a worker never
picks up a job whose rows it cannot see yet, and a rolled-back transaction queues nothing. Outside a
transaction it is queued at once.

The tasks themselves live in meetings/tasks.py, which calls services; it registers each task here by its
name (`@queue.job`) when the app is ready (apps.py). So services name the job they want and never import
tasks.py: the import runs one way, tasks -> services -> queue.

Every task is named after the service it runs, with `_job`: `bulk_rename_run` runs as `bulk_rename_run_job`.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django_tasks.base import Task

logger = logging.getLogger(__name__)

_jobs: dict[str, Task] = {}


def job(task: Task) -> Task:
    """Register a task of meetings/tasks.py under its name (a decorator)."""
    if not task.name.endswith("_job"):
        raise ValueError(f"{task.name}: a task is named after its service, with _job")
    _jobs[task.name] = task
    return task


def job_queue(name: str, *, run_after: datetime.datetime | None = None, **kwargs) -> None:
    """Queue the job `name` with `kwargs`, once the current transaction commits (`run_after`: not before).

    A queue that is down costs a log line, not the caller's work: every job is found again -- a job's
    run by the sweep of stalled jobs, a check by the periodic settling (services/jobs.py).
    """
    task = _jobs[name]

    def send() -> None:
        try:
            (task if run_after is None else task.using(run_after=run_after)).enqueue(**kwargs)
        except Exception:  # noqa: BLE001 -- see above: the periodic work finds it again
            logger.exception("Could not queue %s %s", name, kwargs)

    transaction.on_commit(send)
