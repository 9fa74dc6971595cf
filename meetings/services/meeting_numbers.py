"""Meeting numbers: reading one out of what people paste, and the booked meetings DingTalk has behind it.

A meeting number can stand for several booked meetings (a reused personal room), and
a recurring meeting for many instances: `meeting_find` gives one Candidate per booked meeting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import dingtalk
from ..dingtalk import credentials
from ..models import Organization
from .dingtalk_calls import call_dingtalk, maybe_paced
from .errors import MeetingError, error_sentence

# A meeting number as DingTalk shows it: digits, grouped by spaces or dashes ("838 722 1234", "838-722-1234").
_DIGIT_GROUPS = re.compile(r"\d(?:[ \u00a0\u3000-]?\d)*")
# What people paste before the number: 会议号 (meeting number), 会议 ID, "Meeting ID", "meeting number".
_LABEL = re.compile(r"(会议号|会议\s*ID|会议号码|meeting\s*(?:number|id|code))\s*[:：]?\s*$", re.IGNORECASE)
MEETING_NUMBER_LENGTHS = range(6, 13)


@dataclass(frozen=True)
class Candidate:
    """One booked meeting behind a number: its first instance's title and times, and its creator: the
    unionId to try (DingTalk's creatorId, until its query API accepts or refuses it), and nick."""

    schedule_conference_id: str
    title: str
    starts_at: object
    ends_at: object
    creator_union_id: str
    creator_nick: str
    meeting_number: str
    instances: int


def meeting_number_digits(text: str) -> str:
    """The meeting number in what a person typed or pasted, digits only; "" when there is none.

    Takes "838 722 1234", "838-722-1234", "会议号：838 722 1234" or a whole invitation. A number after a
    label wins; otherwise the first group of 6 to 12 digits (dates and times in an invitation are shorter
    groups, or broken up by colons and slashes).
    """
    groups = [(match, re.sub(r"\D", "", match.group())) for match in _DIGIT_GROUPS.finditer(text or "")]
    usable = [(match, digits) for match, digits in groups if len(digits) in MEETING_NUMBER_LENGTHS]
    for match, digits in usable:
        if _LABEL.search(text[: match.start()]):
            return digits
    return usable[0][1] if usable else ""


def meeting_find(*, organization: Organization, meeting_number: str, paced: bool = False) -> list[Candidate]:
    """The distinct booked meetings behind a meeting number, in DingTalk's order. Raises MeetingError.

    `paced`: keep the organization's pace and wait out throttling (imports; see dingtalk/pacing.py).
    """
    try:
        instances = maybe_paced(
            organization,
            lambda: call_dingtalk(
                organization, dingtalk.DingTalkClient.find_conferences_by_meeting_number, meeting_number=meeting_number
            ),
            paced=paced,
        )
    except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
        raise MeetingError(error_sentence(error, organization=organization)) from error
    candidates: dict[str, list[dingtalk.ConferenceInstance]] = {}
    for instance in instances:
        candidates.setdefault(instance.schedule_conference_id, []).append(instance)
    found = []
    for schedule_conference_id, same in candidates.items():
        first = min(same, key=lambda instance: instance.starts_at)
        creator = next((instance for instance in same if instance.creator_staff_id), first)
        found.append(
            Candidate(
                schedule_conference_id=schedule_conference_id,
                title=first.title,
                starts_at=first.starts_at,
                ends_at=first.ends_at,
                # Tried as the unionId: registration has the query API (the creator's only) confirm it.
                creator_union_id=creator.creator_staff_id,
                creator_nick=creator.creator_nick,
                meeting_number=first.meeting_number or meeting_number,
                instances=len(same),
            )
        )
    return found
