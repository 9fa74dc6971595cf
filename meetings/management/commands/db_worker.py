"""`manage.py db_worker`: django-tasks-db's worker, plus the deployment's periodic work.

Besides running jobs one at a time, each worker looks every second, in a thread of its own, which periodic
job is due (services/jobs.py, `periodic_jobs_queue_due`): the first worker to see one due moves its time on
with a conditional UPDATE (the database's clock) and queues it, so the work runs once for the deployment
however many workers run -- and goes on while any worker lives, even one busy with a long job.
"""

import logging
import os
import threading

from django.db import close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from meetings import services

logger = logging.getLogger("meetings.jobs")

# Seconds between two looks at the periodic jobs.
SCHEDULE_TICK = 1.0


def schedule_periodic_jobs(stop: threading.Event, tick: float = SCHEDULE_TICK) -> None:
    """Queue the periodic jobs that are due, every `tick` seconds, until `stop` is set."""
    while not stop.wait(tick):
        try:
            close_old_connections()
            services.periodic_jobs_queue_due()
        except Exception:  # noqa: BLE001 -- a database hiccup (SQLite busy, a restart) is tried next tick
            logger.exception("Could not queue the periodic jobs")
    connection.close()


class Command(db_worker.Command):
    help = "Run the portal's job worker: queued jobs, and the periodic work due once for the whole deployment."

    def handle(self, *args, **options):
        reloader_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if not options.get("batch") and not reloader_parent:
            stop = threading.Event()
            threading.Thread(target=schedule_periodic_jobs, args=(stop,), name="periodic-jobs", daemon=True).start()
        super().handle(*args, **options)
