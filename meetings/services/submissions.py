"""A submission of a meeting's edit form: recognized when it comes twice, and kept for the page after it.

See models.EditSubmission. The view starts one per POST, runs the save, and finishes it with its outcome.
"""

from __future__ import annotations

import datetime
import json
import re
import time
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import EditSubmission, Meeting

EDIT_SUBMISSION_KEPT = datetime.timedelta(days=1)
# Rows older than EDIT_SUBMISSION_KEPT are deleted by a start at most this often per process: a DELETE on
# every save cost each save a statement and a commit for rows that are a day old.
EDIT_SUBMISSION_SWEEP_SECONDS = 600.0
_next_sweep = 0.0  # time.monotonic() at which this process sweeps next
_KEY = re.compile(r"[0-9a-f]{32}")
# How often a repeated submission looks whether the first one has finished.
_POLL_SECONDS = 0.2


def edit_submission_key() -> str:
    """A new token for an edit form, rendered into it as a hidden field."""
    return uuid.uuid4().hex


def edit_submission_start(
    *, key: str, meeting: Meeting, user: AbstractUser, data: dict[str, str]
) -> tuple[EditSubmission, bool]:
    """The submission of the form rendered with `key`, and whether this is its first arrival.

    The same key with the same person, meeting and values is the same save, arriving again: the row of
    the first arrival is returned (with False). A missing or malformed key, or a known key with other
    values (the person went Back and typed something else), starts a submission of its own.
    """
    _sweep()
    posted = json.dumps(data, sort_keys=True)
    if _KEY.fullmatch(key or ""):
        try:
            with transaction.atomic():
                return EditSubmission.objects.create(key=key, meeting=meeting, user=user, posted=posted), True
        except IntegrityError:
            earlier = EditSubmission.objects.filter(key=key).first()
            if earlier and (earlier.meeting_id, earlier.user_id, earlier.posted) == (meeting.pk, user.pk, posted):
                return earlier, False
    key = edit_submission_key()
    return EditSubmission.objects.create(key=key, meeting=meeting, user=user, posted=posted), True


def _sweep() -> None:
    global _next_sweep
    if time.monotonic() >= _next_sweep:
        _next_sweep = time.monotonic() + EDIT_SUBMISSION_SWEEP_SECONDS
        EditSubmission.objects.filter(created_at__lt=timezone.now() - EDIT_SUBMISSION_KEPT).delete()


def edit_submission_finish(*, submission: EditSubmission, outcome: dict) -> None:
    submission.outcome = outcome
    submission.save(update_fields=["outcome"])


def edit_submission_wait(*, submission: EditSubmission) -> EditSubmission:
    """The submission once its first arrival has finished, or as it is after DINGTALK_DEADLINE (and a
    little) if that one is still talking to DingTalk (its outcome then still None)."""
    give_up_at = time.monotonic() + settings.DINGTALK_DEADLINE + 2
    while submission.outcome is None and time.monotonic() < give_up_at:
        time.sleep(_POLL_SECONDS)
        submission.refresh_from_db(fields=["outcome"])
    return submission
