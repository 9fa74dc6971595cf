"""The use cases' DingTalk calls: the organization's client and token, a stored meeting's IDs, the pace of jobs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from .. import dingtalk
from ..dingtalk import pacing, tokens
from ..models import Meeting, Organization
from .dingtalk_values import conference_check

Result = TypeVar("Result")


def within_one_deadline(use_case: Callable[..., Result]) -> Callable[..., Result]:
    """Every DingTalk call the use case makes -- a check of an earlier save, the read, a token renewal, the
    change -- ends within settings.DINGTALK_DEADLINE of its start, together (in a web request, within the
    request's own budget if that ends first). So a use case that holds a meeting's lease is done with
    DingTalk well before the lease runs out (DINGTALK_UPDATE_LEASE outlasts DINGTALK_DEADLINE, settings.py),
    in a background job as in a web request."""

    @functools.wraps(use_case)
    def bounded(*args, **kwargs):
        with dingtalk.shared_deadline(settings.DINGTALK_DEADLINE):
            return use_case(*args, **kwargs)

    return bounded


def call_dingtalk(organization: Organization, api: Callable[..., Result], **arguments) -> Result:
    """`api`, a DingTalkClient method (`dingtalk.DingTalkClient.get_conference_settings`), called with
    `arguments` on the organization's DingTalk, with its access token. Raises CredentialsError or DingTalkError.
    """
    client = dingtalk.client_for(organization.api_base)
    return tokens.call_with_token(
        organization=organization,
        call=lambda access_token: api(client, access_token=access_token, **arguments),
    )


def change_as_creator(meeting: Meeting, api: Callable[..., str], **arguments) -> str:
    """`api`, a DingTalkClient method that changes a booked meeting, called on the meeting as its creator
    (the only one DingTalk lets change it). Returns DingTalk's request ID."""
    return call_dingtalk(
        meeting.organization,
        api,
        creator_union_id=meeting.creator_union_id,
        schedule_conference_id=meeting.schedule_conference_id,
        **arguments,
    )


def read_conference(
    *, organization: Organization, schedule_conference_id: str, creator_union_id: str
) -> dingtalk.Conference:
    """DingTalk's current title and times, checked for the organization before anyone stores them.

    Raises CredentialsError or DingTalkError (DingTalkUnusableValues: values the portal cannot keep).
    """
    current = call_dingtalk(
        organization,
        dingtalk.DingTalkClient.get_schedule_conference,
        schedule_conference_id=schedule_conference_id,
        creator_union_id=creator_union_id,
    )
    return conference_check(current, organization=organization)


def maybe_paced(organization: Organization, call: Callable[[], Result], *, paced: bool) -> Result:
    """`call()`: with `paced`, as background work -- the jobs' share of the organization's DingTalk budget,
    waiting out throttling (see dingtalk/pacing.py); else a person's call (the people's share)."""
    if not paced:
        return call()
    return pacing.paced_call(organization=organization.pk, call=call)
