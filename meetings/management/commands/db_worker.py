"""`manage.py db_worker`: django-tasks-db's worker, plus the deployment's periodic work.

Besides running jobs one at a time, each worker looks every second, in a thread of its own, which periodic
job is due (services/jobs.py, `periodic_jobs_queue_due`): the first worker to see one due moves its time on
with a conditional UPDATE (the database's clock) and queues it, so the work runs once for the deployment
however many workers run -- and goes on while any worker lives, even one busy with a long job. The same thread
shows the worker alive (a JobWorker row, the database's clock), so the sweep can tell a result this worker left
RUNNING when it died (kill -9) from one it is still running.
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from meetings import services

logger = logging.getLogger("meetings.jobs")

# Seconds between two looks at the periodic jobs.
SCHEDULE_TICK = 1.0


def schedule_periodic_jobs(
    stop: threading.Event, tick: float = SCHEDULE_TICK, *, worker_id: str = "", periodic: bool = True
) -> None:
    """Until `stop` is set, every `tick` seconds: queue the periodic jobs that are due (unless not `periodic`),
    and show that the worker `worker_id` lives, a few times per DINGTALK_JOB_STALL_SECONDS (services/jobs.py:
    the sweep marks failed the results of a worker that stopped beating)."""
    beat_every = max(tick, settings.DINGTALK_JOB_STALL_SECONDS / 6)
    last_beat = time.monotonic()
    while not stop.wait(tick):
        try:
            close_old_connections()
            if worker_id and time.monotonic() - last_beat >= beat_every:
                services.worker_beat(worker_id=worker_id)
                last_beat = time.monotonic()
            if periodic:
                services.periodic_jobs_queue_due()
        except Exception:  # noqa: BLE001 -- a database hiccup (SQLite busy, a restart) is tried next tick
            logger.exception("Could not queue the periodic jobs")
    connection.close()


class Command(db_worker.Command):
    help = "Run the portal's job worker: queued jobs, and the periodic work due once for the whole deployment."

    def handle(self, *args, **options):
        reloader_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if not reloader_parent:
            # Before the first task is claimed: a result this worker runs always names a worker that beats.
            services.worker_beat(worker_id=options["worker_id"], starting=True)
            close_old_connections()
            stop = threading.Event()
            threading.Thread(
                target=schedule_periodic_jobs,
                args=(stop,),
                kwargs={"worker_id": options["worker_id"], "periodic": not options.get("batch")},
                name="periodic-jobs",
                daemon=True,
            ).start()
        super().handle(*args, **options)
