"""Values DingTalk sends, checked against what the organization's pages and forms can show before any is stored.

The client (meetings/dingtalk/replies.py) checks a reply's shape; what depends on the organization -- its
time zone -- is checked here, by every use case that stores what DingTalk has.
"""

from __future__ import annotations

from .. import dingtalk, validators
from ..models import Organization


def conference_check(conference: dingtalk.Conference, *, organization: Organization) -> dingtalk.Conference:
    """The conference, if the organization's pages can show it and its edit form can save it again.

    Raises DingTalkUnusableValues otherwise: times before 1970 in UTC or outside the years the form takes
    in the organization's zone (9999-12-31 20:00 UTC is the year 10000 in Shanghai), or an end not after
    the start.
    """
    # sent=False: this is the read before any update, so nothing of a change reached DingTalk.
    zone = organization.zone
    if not all(validators.meeting_time_fits(moment, zone) for moment in (conference.starts_at, conference.ends_at)):
        raise dingtalk.DingTalkUnusableValues(
            f"DingTalk's times cannot be shown in {organization.time_zone}", status=200, sent=False
        )
    if conference.ends_at <= conference.starts_at:
        raise dingtalk.DingTalkUnusableValues("DingTalk's meeting ends before it starts", status=200, sent=False)
    return conference
