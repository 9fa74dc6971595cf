"""Leases and token leases on the database's clock (meetings/clock.py): no host's clock decides."""

import datetime

import pytest
import responses
from django.utils import timezone

from meetings import services, texts
from meetings.clock import database_now, database_now_plus
from meetings.dingtalk import token_lease, tokens
from meetings.models import Meeting, MeetingChange, Organization
from meetings.services import leases
from tests.helpers import (
    TOKEN_URL,
    UPDATE_URL,
    cache_token,
    dingtalk_has,
    issue_token,
    stored_meeting,
    token_requests,
    update_meeting,
)

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def host_clock(monkeypatch):
    """Set this host's clock (django.utils.timezone.now) `offset` away from the database's."""

    def runs(offset):
        real_now = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)

    return runs


def test_the_database_clock_is_aware_utc(db):
    assert database_now().tzinfo == datetime.UTC


@responses.activate
def test_a_host_whose_clock_runs_ahead_does_not_take_a_live_lease(meeting, office_admin, host_clock):
    Meeting.objects.filter(pk=meeting.pk).update(
        update_lease_until=database_now_plus(datetime.timedelta(seconds=30))
    )  # another save's
    meeting.refresh_from_db()
    host_clock(HOUR)

    with pytest.raises(services.MeetingConflict) as refused:
        update_meeting(meeting, office_admin, title="Too soon")

    assert refused.value.message == str(texts.SAVE_IN_PROGRESS)
    assert len(responses.calls) == 0
    assert stored_meeting(meeting).title == meeting.title


@responses.activate
def test_a_host_whose_clock_runs_ahead_waits_for_a_live_token_lease(app_organization, host_clock, monkeypatch):
    Organization.objects.filter(pk=app_organization.pk).update(
        token_refresh_lease_until=database_now_plus(datetime.timedelta(seconds=10))
    )
    host_clock(HOUR)

    def holder_finishes(seconds):
        Organization.objects.filter(pk=app_organization.pk).update(
            access_token="holders-token",
            access_token_expires_at=database_now_plus(datetime.timedelta(seconds=7200)),
            token_refresh_lease_until=None,
        )

    monkeypatch.setattr(token_lease, "sleep", holder_finishes)

    assert tokens.access_token_for(organization=app_organization) == "holders-token"
    assert token_requests() == []


@responses.activate
def test_a_host_whose_clock_runs_behind_takes_over_a_token_lease_that_ran_out(app_organization, host_clock):
    Organization.objects.filter(pk=app_organization.pk).update(
        token_refresh_lease_until=database_now_plus(datetime.timedelta(seconds=-1))
    )
    host_clock(-HOUR)
    issue_token("taken-over")

    assert tokens.access_token_for(organization=app_organization) == "taken-over"
    assert len(token_requests()) == 1


@responses.activate
def test_a_holder_whose_lease_ran_out_does_not_overwrite_a_newer_token(app_organization):
    def meanwhile_another_worker_stores_a_newer_token(request):
        # This worker's lease ran out while DingTalk answered; another took it and stored its token.
        cache_token(Organization.objects.get(pk=app_organization.pk), "newer-token", expires_in=3 * HOUR)
        Organization.objects.filter(pk=app_organization.pk).update(token_refresh_lease_until=None)
        return 200, {}, '{"accessToken": "late-token", "expireIn": 7200}'

    responses.add_callback(responses.POST, TOKEN_URL, callback=meanwhile_another_worker_stores_a_newer_token)

    token = tokens.access_token_for(organization=app_organization)

    stored = Organization.objects.get(pk=app_organization.pk)
    assert (stored.access_token, token) == ("newer-token", "newer-token")


@responses.activate
def test_a_host_whose_clock_runs_behind_settles_a_save_whose_lease_ran_out(meeting, office_admin, host_clock):
    """A worker killed mid-save left its IN_PROGRESS row and its lease, run out by the database's clock."""
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=database_now_plus(datetime.timedelta(seconds=-1)))
    change = MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=office_admin,
        outcome=MeetingChange.Outcome.IN_PROGRESS,
        based_on_version=meeting.version,
        old_title=meeting.title,
        new_title="Weekly sync v2",
        new_starts_at=meeting.starts_at,
        new_ends_at=meeting.ends_at,
    )
    dingtalk_has(meeting, title="Weekly sync v2")
    host_clock(-HOUR)

    services.meeting_save_check(meeting=Meeting.objects.select_related("organization").get(pk=meeting.pk))

    assert MeetingChange.objects.get(pk=change.pk).outcome == MeetingChange.Outcome.SUCCESS
    assert stored_meeting(meeting).title == "Weekly sync v2"


@responses.activate
def test_a_save_holds_the_meeting_until_the_database_clock_says_whatever_the_host_says(
    meeting, office_admin, host_clock
):
    """The lease's end is written by the claim itself, on the database's clock, and the IN_PROGRESS row
    written with it says the same end: what a killed save leaves for the check to wait for."""
    dingtalk_has(meeting)
    host_clock(-HOUR)
    seen = {}

    def while_the_update_is_sent(request):
        seen["lease"] = Meeting.objects.get(pk=meeting.pk).update_lease_until
        seen["row"] = MeetingChange.objects.get(outcome=MeetingChange.Outcome.IN_PROGRESS).check_after
        return 200, {}, '{"success": true}'

    responses.add_callback(responses.PUT, UPDATE_URL, callback=while_the_update_is_sent)
    before = database_now()

    update_meeting(meeting, office_admin, title="Weekly sync v2")

    after = database_now()
    lease = leases.update_lease()
    assert before + lease <= seen["lease"] <= after + lease
    assert seen["row"] == seen["lease"]
    assert stored_meeting(meeting).update_lease_until is None  # let go with the stored values
