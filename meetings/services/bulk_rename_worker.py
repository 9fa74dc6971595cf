"""Bulk rename's worker side: a job's run, meeting by meeting, and a new run for a job whose worker died.

Each meeting goes through `meeting_update` -- version check, DingTalk re-read, lease, retries, audit row --
with the person who started the job as `by`; one failure never stops the others. Calls draw from the
background share of the organization's DingTalk budget (dingtalk/pacing.py).

A job survives its worker: each run beats a heartbeat; a job whose heartbeat stopped is taken over by
a new run (`bulk_rename_resume_if_stalled`, called when someone looks at its progress). A meeting the
dead run was saving is saved again through `meeting_update`, which reads DingTalk first: if DingTalk
already has the new title, the portal takes it from there instead of sending it twice.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import logging
import threading
import time
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .. import texts
from ..dingtalk import pacing
from ..models import BulkRename, BulkRenameItem, Meeting
from .errors import MeetingChangedInDingTalk, MeetingError
from .leases import update_lease
from .meetings import meeting_refresh, meeting_update

logger = logging.getLogger(__name__)

# A run that has not beaten for this long past the longest a save can take is taken to be dead.
STALLED_MARGIN = datetime.timedelta(seconds=30)


def bulk_rename_resume_if_stalled(*, job: BulkRename) -> bool:
    """Start a new run for an unfinished job whose run stopped beating (its worker died). True if started."""
    if job.status == BulkRename.Status.DONE:
        return False
    now = timezone.now()
    token = str(uuid.uuid4())
    with transaction.atomic():
        # Conditional: of several people looking at once, one starts the new run.
        taken = (
            BulkRename.objects.filter(
                pk=job.pk, run_token=job.run_token, heartbeat_at__lt=now - update_lease() - STALLED_MARGIN
            )
            .exclude(status=BulkRename.Status.DONE)
            .update(run_token=token, heartbeat_at=now)
        )
        if taken:
            job.run_token, job.heartbeat_at = token, now
            logger.warning("Bulk rename %s: its run stopped beating; starting another", job.pk)
            enqueue(job)
    return bool(taken)


def bulk_rename_run(*, job_id: int, run_token: str) -> None:
    """Rename the job's meetings not yet done. Stops when another run has taken the job over."""
    job = BulkRename.objects.select_related("created_by").get(pk=job_id)
    if job.run_token != run_token:
        return
    BulkRename.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=timezone.now())
    BulkRename.objects.filter(pk=job.pk).update(status=BulkRename.Status.RUNNING, heartbeat_at=timezone.now())
    items = list(job.items.exclude(state__in=_FINISHED).select_related("meeting__organization").order_by("id"))
    heartbeat = _Heartbeat(job, run_token)
    threads = max(1, int(settings.BULK_RENAME_THREADS))
    if threads == 1 or len(items) <= 1:
        for item in items:
            if not _rename_one(heartbeat, item):
                return
    else:
        with concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix=f"bulk-rename-{job.pk}") as pool:
            results = list(pool.map(lambda item: _in_own_connection(_rename_one, heartbeat, item), items))
        if not all(results):
            return
    BulkRename.objects.filter(pk=job.pk, run_token=run_token).update(
        status=BulkRename.Status.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )


# --- one meeting -------------------------------------------------------------------------------------

_FINISHED = (BulkRenameItem.State.RENAMED, BulkRenameItem.State.UNCHANGED, BulkRenameItem.State.FAILED)


class _Heartbeat:
    """A run's sign of life, written at most every BEAT seconds (not once per meeting: a query saved)."""

    BEAT = 2.0

    def __init__(self, job: BulkRename, run_token: str):
        self.job, self.run_token = job, run_token
        self.last = float("-inf")
        self.lock = threading.Lock()

    def beat(self) -> bool:
        """False when another run has taken the job over."""
        with self.lock:
            if time.monotonic() - self.last < self.BEAT:
                return True
            self.last = time.monotonic()
        filtered = BulkRename.objects.filter(pk=self.job.pk, run_token=self.run_token)
        return bool(filtered.update(heartbeat_at=timezone.now()))


def _rename_one(heartbeat: _Heartbeat, item: BulkRenameItem) -> bool:
    """Save one meeting's new title and record how it went. False: the job was taken over, stop."""
    job = heartbeat.job
    if not heartbeat.beat():
        return False
    recovering = item.state == BulkRenameItem.State.SAVING  # a dead run was saving it
    if not BulkRenameItem.objects.filter(pk=item.pk, state=item.state).update(state=BulkRenameItem.State.SAVING):
        return True  # another run claimed it meanwhile
    try:
        state, message = _save(job, item, recovering=recovering)
    except Exception:  # one meeting's unexpected failure must not stop the others
        logger.exception("Bulk rename %s: meeting %s failed unexpectedly", job.pk, item.meeting_id)
        state, message = BulkRenameItem.State.FAILED, str(texts.BULK_UNEXPECTED)
    BulkRenameItem.objects.filter(pk=item.pk).update(state=state, message=message, finished_at=timezone.now())
    return True


def _save(job: BulkRename, item: BulkRenameItem, *, recovering: bool) -> tuple[str, str]:
    by = job.created_by
    meeting = Meeting.objects.visible_to(by).select_related("organization").filter(pk=item.meeting_id).first()
    if meeting is None:
        return BulkRenameItem.State.FAILED, str(texts.BULK_NOT_ALLOWED)
    if meeting.title == item.new_title:
        return BulkRenameItem.State.UNCHANGED, str(texts.BULK_ALREADY_RENAMED)
    if meeting.title != item.old_title:
        return BulkRenameItem.State.FAILED, texts.BULK_TITLE_CHANGED % {"title": meeting.title}
    if recovering:
        _wait_for_lease(meeting)  # the dead run's lease, if it still stands
    with pacing.paced(meeting.organization_id, background=True):
        try:
            meeting_update(
                meeting=meeting,
                title=item.new_title,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                by=by,
                based_on_version=meeting.version,
            )
        except MeetingChangedInDingTalk as exc:
            if not (recovering and exc.current.title == item.new_title):
                return BulkRenameItem.State.FAILED, exc.message
            # The dead run's save reached DingTalk but not the portal: take DingTalk's values, send nothing.
            meeting_refresh(meeting=Meeting.objects.select_related("organization").get(pk=meeting.pk), by=by)
            return BulkRenameItem.State.RENAMED, str(texts.BULK_WORKER_STOPPED)
        except MeetingError as exc:
            return BulkRenameItem.State.FAILED, exc.message
    return BulkRenameItem.State.RENAMED, ""


def _wait_for_lease(meeting: Meeting) -> None:
    if meeting.update_lease_until and meeting.update_lease_until > timezone.now():
        seconds = (meeting.update_lease_until - timezone.now()).total_seconds()
        time.sleep(min(seconds, update_lease().total_seconds()) + 0.1)
        meeting.refresh_from_db(fields=["update_lease_until", "version", "title"])


def _in_own_connection(function, *args):
    """Run in a pool thread with its own database connection, closed afterwards."""
    try:
        return function(*args)
    finally:
        connection.close()


def enqueue(job: BulkRename) -> None:
    """Queue a run of the job once the transaction that stored it (or took it over) commits."""
    from .. import tasks  # tasks call services; imported late so the two modules can name each other

    job_id, token = job.pk, job.run_token
    transaction.on_commit(lambda: tasks.bulk_rename_run.enqueue(job_id=job_id, run_token=token))
