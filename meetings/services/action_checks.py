"""Checking a cancel or a settings change whose outcome is not known; settling a booking cut off mid-call.

A cancel and a settings change are written ahead like a save (leases.take_lease with `record_start`): the
audit row is IN_PROGRESS before anything goes to DingTalk, UNKNOWN when no answer came back, and the meeting
stays locked until no try can still arrive. Then save_checks.meeting_save_check reads DingTalk -- the meeting
(canceled or not), its settings -- and records here what DingTalk has.

A booking has no meeting to lock, and no DingTalk API finds a booked meeting again without the create's answer
(none lists a creator's meetings or searches by title and time; the meeting number came in the answer). So a
booking still IN_PROGRESS after its wait -- its process died between sending it and recording the answer --
is settled as UNKNOWN, "may have been booked: look for it in DingTalk", the sentence written ahead on its row;
the booking page shows it to its booker (selectors.creates_unknown). Never FAILED: it may be there.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from .. import dingtalk, texts
from ..models import Meeting, MeetingChange
from .dingtalk_calls import call_dingtalk
from .scheduling import setting_as_stored

logger = logging.getLogger(__name__)


def creates_settle() -> list[MeetingChange]:
    """Settle every booking still in progress after its wait (its process died) as UNKNOWN; returns them.

    Each by a conditional UPDATE: a process that is alive after all and records DingTalk's answer later
    overwrites it with what it knows, and of two checks at once one settles it.
    """
    settled = []
    waiting = MeetingChange.objects.filter(
        action=MeetingChange.Action.CREATE, outcome=MeetingChange.Outcome.IN_PROGRESS, check_after__lte=Now()
    )
    for change in waiting.order_by("pk"):
        if MeetingChange.objects.filter(pk=change.pk, outcome=MeetingChange.Outcome.IN_PROGRESS).update(
            outcome=MeetingChange.Outcome.UNKNOWN, check_after=None
        ):
            change.outcome, change.check_after = MeetingChange.Outcome.UNKNOWN, None
            logger.warning("Booking %s: its process died before DingTalk's answer; it may have been booked", change.pk)
            settled.append(change)
    return settled


def settings_if_pending(meeting: Meeting, pending: list[MeetingChange]) -> dingtalk.ConferenceSettings | None:
    """DingTalk's settings of the meeting when a settings change is among `pending` (else None, nothing read).
    Raises DingTalkError or CredentialsError."""
    if not any(change.action == MeetingChange.Action.SETTINGS for change in pending):
        return None
    return call_dingtalk(
        meeting.organization,
        dingtalk.DingTalkClient.get_conference_settings,
        schedule_conference_id=meeting.schedule_conference_id,
    )


def record_cancel_check(change: MeetingChange, *, canceled: bool) -> None:
    """Record a pending cancel as DingTalk has it: canceled there (SUCCESS; the meeting is marked canceled) or
    not (NOT_APPLIED: still booked)."""
    meeting = change.meeting
    params = {"person": texts.person_name(change.user), "title": meeting.title}
    now = timezone.now()
    with transaction.atomic():
        if canceled and meeting.status != Meeting.Status.CANCELED:
            Meeting.objects.filter(pk=meeting.pk).update(
                status=Meeting.Status.CANCELED, version=F("version") + 1, updated_by=change.user, updated_at=now
            )
            meeting.status, meeting.version = Meeting.Status.CANCELED, meeting.version + 1
        if canceled:
            _record(change, MeetingChange.Outcome.SUCCESS, texts.Sentence(texts.CHECKED_CANCELED, params), now=now)
        else:
            _record(
                change, MeetingChange.Outcome.NOT_APPLIED, texts.Sentence(texts.CHECKED_NOT_CANCELED, params), now=now
            )


def record_settings_check(change: MeetingChange, current: dingtalk.ConferenceSettings) -> None:
    """Record a pending settings change as DingTalk has it: every setting it sent is DingTalk's now (SUCCESS),
    or not (NOT_APPLIED: what DingTalk has stays, whoever set it)."""
    applied = all(
        setting_as_stored(getattr(current, name)) == new for name, (_old, new) in change.settings_changes.items()
    )
    params = {"person": texts.person_name(change.user), "fields": change.settings_summary()}
    if applied:
        _record(change, MeetingChange.Outcome.SUCCESS, texts.CHECKED_SETTINGS_SAVED % params, now=timezone.now())
    else:
        _record(
            change, MeetingChange.Outcome.NOT_APPLIED, texts.CHECKED_SETTINGS_NOT_SAVED % params, now=timezone.now()
        )


def _record(change: MeetingChange, outcome: str, message, *, now: datetime.datetime) -> None:
    """The checked outcome on the row -- only on the row as it was read (save_checks._record_check): one that
    became pending again since waits for the next check. A `texts.Sentence` message is kept as its code too
    (History reads in the reader's language); a text, as written."""
    sentence = message.as_data() if isinstance(message, texts.Sentence) else None
    message = str(message)
    as_read = MeetingChange.objects.filter(pk=change.pk, outcome=change.outcome, check_after=change.check_after)
    if not as_read.update(outcome=outcome, message=message, message_sentence=sentence, checked_at=now):
        logger.warning("Meeting %s: change %s is pending again; the next check reads it", change.meeting_id, change.pk)
        return
    change.outcome, change.message, change.message_sentence, change.checked_at = outcome, message, sentence, now
    logger.info("Meeting %s: change %s checked as %s", change.meeting_id, change.pk, outcome)
