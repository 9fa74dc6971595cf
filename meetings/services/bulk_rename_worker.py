"""Bulk rename's worker side: a job's run, meeting by meeting.

Each meeting goes through `meeting_update` -- version check, DingTalk re-read, lease, retries, audit row --
with the person who started the job as `by`; one failure never stops the others. Calls draw from the
background share of the organization's DingTalk budget (dingtalk/pacing.py).

A job is owned by the database (jobs.py): a run holds its token and beats; a run whose worker died is taken
over by another worker. A meeting the dead run was saving (SAVING) is checked first: its save is checked
with DingTalk (save_checks.py), so a rename DingTalk has counts as renamed and is never sent twice.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time

from django.conf import settings
from django.db import connection
from django.db.models.functions import Now
from django.utils import timezone

from .. import texts
from ..clock import database_now
from ..dingtalk import pacing
from ..models import BulkRename, BulkRenameItem, Meeting
from .errors import MeetingChangedInDingTalk, MeetingError
from .jobs import JobRun
from .leases import check_earlier_save, update_lease
from .meetings import meeting_refresh, meeting_update

logger = logging.getLogger(__name__)


def bulk_rename_run(*, job_id: int, run_token: str) -> None:
    """Rename the job's meetings not yet done. Stops when another run has taken the job over."""
    run = JobRun(BulkRename, job_id, run_token)
    if not run.claim():
        return
    job = BulkRename.objects.select_related("created_by").get(pk=job_id)
    run.jobs().filter(started_at__isnull=True).update(started_at=Now())
    run.jobs().update(status=BulkRename.Status.RUNNING)
    items = list(job.items.exclude(state__in=_FINISHED).select_related("meeting__organization").order_by("id"))
    threads = max(1, int(settings.BULK_RENAME_THREADS))
    if threads == 1 or len(items) <= 1:
        for item in items:
            if not _rename_one(run, job, item):
                return
    else:
        with concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix=f"bulk-rename-{job.pk}") as pool:
            results = list(pool.map(lambda item: _in_own_connection(_rename_one, run, job, item), items))
        if not all(results):
            return
    run.jobs().update(status=BulkRename.Status.DONE, finished_at=Now(), heartbeat_at=Now())


# --- one meeting -------------------------------------------------------------------------------------

_FINISHED = (BulkRenameItem.State.RENAMED, BulkRenameItem.State.UNCHANGED, BulkRenameItem.State.FAILED)


def _rename_one(run: JobRun, job: BulkRename, item: BulkRenameItem) -> bool:
    """Save one meeting's new title and record how it went. False: the job was taken over, stop."""
    if not run.beat():
        return False
    recovering = item.state == BulkRenameItem.State.SAVING  # a dead run was saving it
    if not BulkRenameItem.objects.filter(pk=item.pk, state=item.state).update(state=BulkRenameItem.State.SAVING):
        return True  # another run claimed it meanwhile
    try:
        state, message = _save(run, job, item, recovering=recovering)
    except Exception:  # one meeting's unexpected failure must not stop the others
        logger.exception("Bulk rename %s: meeting %s failed unexpectedly", job.pk, item.meeting_id)
        state, message = BulkRenameItem.State.FAILED, texts.Sentence(texts.BULK_UNEXPECTED)
    # Kept as its code and parameters where it has them: shown in the reader's language.
    sentence = message.as_data() if isinstance(message, texts.Sentence) else None
    # Only while the job is this run's: a run that stalled and was taken over meanwhile may have failed where
    # the new run renamed (its save lost to the new run's); the new run's result stands.
    mine = BulkRenameItem.objects.filter(pk=item.pk, state=BulkRenameItem.State.SAVING, job__run_token=run.run_token)
    if not mine.update(state=state, message=str(message), message_sentence=sentence, finished_at=timezone.now()):
        logger.warning("Bulk rename %s: meeting %s is another run's now; not recorded", job.pk, item.meeting_id)
    return True


def _save(run: JobRun, job: BulkRename, item: BulkRenameItem, *, recovering: bool) -> tuple[str, str | texts.Sentence]:
    by = job.created_by
    meeting = Meeting.objects.visible_to(by).select_related("organization").filter(pk=item.meeting_id).first()
    if meeting is None:
        return BulkRenameItem.State.FAILED, texts.Sentence(texts.BULK_NOT_ALLOWED)
    if recovering:
        # The dead run's save, if it took the meeting: checked with DingTalk once its lease ran out.
        _wait_for_lease(run, meeting)
        try:
            check_earlier_save(meeting)
        except MeetingError as exc:
            return BulkRenameItem.State.FAILED, exc.sentence or exc.message
        meeting = Meeting.objects.select_related("organization").get(pk=meeting.pk)
        if meeting.title == item.new_title:
            return BulkRenameItem.State.RENAMED, texts.Sentence(texts.BULK_WORKER_STOPPED)
    if meeting.title == item.new_title:
        return BulkRenameItem.State.UNCHANGED, texts.Sentence(texts.BULK_ALREADY_RENAMED)
    if meeting.title != item.old_title:
        return BulkRenameItem.State.FAILED, texts.Sentence(texts.BULK_TITLE_CHANGED, {"title": meeting.title})
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
                return BulkRenameItem.State.FAILED, exc.sentence or exc.message
            # The dead run's save reached DingTalk but not the portal: take DingTalk's values, send nothing.
            meeting_refresh(meeting=Meeting.objects.select_related("organization").get(pk=meeting.pk), by=by)
            return BulkRenameItem.State.RENAMED, texts.Sentence(texts.BULK_WORKER_STOPPED)
        except MeetingError as exc:
            return BulkRenameItem.State.FAILED, exc.sentence or exc.message
    return BulkRenameItem.State.RENAMED, ""


def _wait_for_lease(run: JobRun, meeting: Meeting) -> None:
    """Until the dead run's lease on the meeting has run out (by the database's clock, which wrote it),
    beating meanwhile (this run is alive)."""
    now = database_now()
    if meeting.update_lease_until and meeting.update_lease_until > now:
        left = min((meeting.update_lease_until - now).total_seconds(), update_lease().total_seconds())
        until = time.monotonic() + left + 0.1
        while time.monotonic() < until:
            run.beat()
            time.sleep(max(0.0, min(run.beat_every, until - time.monotonic())))
        meeting.refresh_from_db(fields=["update_lease_until", "version", "title"])


def _in_own_connection(function, *args):
    """Run in a pool thread with its own database connection, closed afterwards."""
    try:
        return function(*args)
    finally:
        connection.close()
