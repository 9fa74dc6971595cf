"""The background sync: every DINGTALK_SYNC_INTERVAL a periodic job (jobs.py) reads each registered meeting
that has not ended from DingTalk, inside the background share of the budget (dingtalk/pacing.py), and takes
over what changed there: a title or times (an audit row "Changed in DingTalk"), or a cancel.

It never touches a meeting with a save in flight or an outcome not known: those hold the meeting's lease
(`update_lease_until` is set until the save is checked), and the sync's write is a conditional UPDATE on
an unset lease and the version it read -- a save that starts meanwhile wins, and the next sync looks again.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from .. import dingtalk, texts
from ..dingtalk import credentials, pacing
from ..models import Meeting, MeetingChange
from .dingtalk_calls import read_conference

logger = logging.getLogger(__name__)


def meetings_to_sync():
    """Registered, active meetings that have not ended and that no save holds, oldest sync first."""
    return (
        Meeting.objects.filter(
            removed_at__isnull=True,
            status=Meeting.Status.ACTIVE,
            ends_at__gt=Now(),
            update_lease_until__isnull=True,
        )
        .select_related("organization")
        .order_by(F("last_synced_at").asc(nulls_first=True), "pk")
    )


def meetings_sync() -> dict[str, int]:
    """Read every meeting to sync from DingTalk and take over what changed there; counts by what happened."""
    counts = {"read": 0, "changed": 0, "canceled": 0, "failed": 0}
    for meeting in meetings_to_sync().iterator():
        outcome = meeting_sync(meeting=meeting)
        counts[outcome] += 1
    return counts


def meeting_sync(*, meeting: Meeting) -> str:
    """Read one meeting from DingTalk (paced, in the background share) and take over what changed there.

    Returns "read" (nothing changed), "changed", "canceled", or "failed" (DingTalk could not be read, or a
    save started meanwhile: nothing written, the next sync tries again).
    """
    try:
        current = pacing.paced_call(
            organization=meeting.organization_id,
            call=lambda: read_conference(
                organization=meeting.organization,
                schedule_conference_id=meeting.schedule_conference_id,
                creator_union_id=meeting.creator_union_id,
            ),
        )
    except dingtalk.DingTalkError as error:
        if getattr(error, "code", None) == dingtalk.Code.RESOURCE_CANCEL:
            return _take_over(meeting, canceled=True)
        logger.warning("Meeting %s: the sync could not read DingTalk: %s", meeting.pk, error)
        return "failed"
    except credentials.CredentialsError as error:
        logger.warning("Meeting %s: the sync could not read DingTalk: %s", meeting.pk, error)
        return "failed"
    there = (current.title, current.starts_at, current.ends_at)
    if there == (meeting.title, meeting.starts_at, meeting.ends_at):
        stored = _unheld(meeting).update(last_synced_at=Now())
        return "read" if stored else "failed"
    return _take_over(meeting, current=current)


def _unheld(meeting: Meeting):
    """The meeting as the sync read it, only while no save holds it and none has changed it since."""
    return Meeting.objects.filter(pk=meeting.pk, version=meeting.version, update_lease_until__isnull=True)


def _take_over(meeting: Meeting, *, current: dingtalk.Conference | None = None, canceled: bool = False) -> str:
    change = MeetingChange(
        meeting=meeting,
        organization=meeting.organization,
        user=None,
        action=MeetingChange.Action.SYNC,
        outcome=MeetingChange.Outcome.SUCCESS,
        based_on_version=meeting.version,
        old_title=meeting.title,
        old_starts_at=meeting.starts_at,
        old_ends_at=meeting.ends_at,
    )
    with transaction.atomic():
        if canceled:
            stored = _unheld(meeting).update(
                status=Meeting.Status.CANCELED, last_synced_at=Now(), updated_at=timezone.now()
            )
            said = texts.Sentence(texts.SYNCED_CANCELED)
        else:
            stored = _unheld(meeting).update(
                title=current.title,
                starts_at=current.starts_at,
                ends_at=current.ends_at,
                version=F("version") + 1,
                updated_by=None,  # changed in DingTalk directly, by someone the portal does not know
                updated_at=timezone.now(),
                last_synced_at=Now(),
            )
            change.new_title, change.new_starts_at, change.new_ends_at = (
                current.title,
                current.starts_at,
                current.ends_at,
            )
            said = texts.Sentence(
                texts.SYNCED_CHANGED,
                {
                    "title": current.title,
                    "start": texts.local_time(current.starts_at, meeting.organization),
                    "end": texts.local_time(current.ends_at, meeting.organization),
                    "time_zone": texts.Zone(meeting.organization.time_zone, current.starts_at),
                },
            )
        # Kept as its code: History reads in the reader's language.
        change.message, change.message_sentence = str(said), said.as_data()
        if not stored:
            return "failed"  # a save took the meeting meanwhile: it reads DingTalk itself
        change.save()
    logger.info("Meeting %s: %s in DingTalk, taken over", meeting.pk, "canceled" if canceled else "changed")
    return "canceled" if canceled else "changed"
