"""Editing a meeting over real HTTP against the sandbox: what DingTalk received and what the person saw when
DingTalk says yes, and what is never sent."""

import pytest
from django.urls import reverse

from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET
from meetings import dingtalk, texts
from meetings.models import Meeting, MeetingChange

from .helpers import (
    CREATOR,
    PASTED_TOKEN,
    TYPED,
    TYPED_END,
    TYPED_START,
    apis,
    assert_input_kept,
    edit_path,
    save,
    sent_body,
    stored,
)

pytestmark = pytest.mark.e2e


# --- DingTalk says yes ------------------------------------------------------------------------------


def test_it_saves_a_title_fix_and_dingtalk_receives_exactly_it(portal, sandbox, meeting, office_admin):
    page = save(portal, meeting, start_time="2027-03-15T10:00", end_time="2027-03-15T11:00")

    assert page.url.endswith(edit_path(meeting))
    assert page.messages == [
        (
            "success",
            texts.MEETING_UPDATED
            % {
                "title": "Design review",
                "start": "2027-03-15 10:00",
                "end": "2027-03-15 11:00",
                "time_zone": "Berlin time (UTC+1)",
            },
        )
    ]
    query, update = sandbox.state.requests()
    assert (query["api"], query["query"]) == ("query", {"requestUnionId": CREATOR})
    assert update["api"] == "update"
    assert update["headers"]["x-acs-dingtalk-access-token"] == PASTED_TOKEN
    assert update["headers"]["content-type"] == "application/json"
    assert update["body"] == sent_body(
        meeting, startTime=dingtalk.epoch_ms(meeting.starts_at), endTime=dingtalk.epoch_ms(meeting.ends_at)
    )
    assert sandbox.state.get_meeting(meeting.schedule_conference_id).title == "Design review"
    assert stored(meeting) == ("Design review", meeting.starts_at, meeting.ends_at, 2, Meeting.Status.ACTIVE)
    change = MeetingChange.objects.get(meeting=meeting)
    assert (change.outcome, change.request_id, change.user) == (
        MeetingChange.Outcome.SUCCESS,
        update["requestId"],
        office_admin,
    )
    assert page.value("title") == "Design review"


def test_it_moves_a_meeting_in_its_organizations_time_zone(portal, sandbox, meeting):
    page = save(portal, meeting)

    assert page.messages[0][0] == "success"
    (update,) = sandbox.state.requests("update")
    assert update["body"] == sent_body(meeting)
    in_dingtalk = sandbox.state.get_meeting(meeting.schedule_conference_id)
    assert in_dingtalk.start_time == dingtalk.epoch_ms(TYPED_START)
    assert in_dingtalk.end_time == dingtalk.epoch_ms(TYPED_END)
    assert stored(meeting)[1:3] == (TYPED_START, TYPED_END)
    assert_input_kept(page)  # the saved values, shown again in Berlin time


def test_an_app_organization_gets_its_token_from_dingtalk_once(portal, sandbox, app_meeting):
    save(portal, app_meeting, title="季度复盘会议 (Q1)", start_time="2027-03-15T14:00", end_time="2027-03-15T15:30")
    page = save(
        portal, app_meeting, title="季度复盘会议 (Q1 final)", start_time="2027-03-15T14:00", end_time="2027-03-15T15:30"
    )

    assert page.messages[0][0] == "success"
    assert apis(sandbox) == ["token", "query", "update", "query", "update"]
    token_call = sandbox.state.requests("token")[0]
    assert token_call["body"] == {"appKey": DEMO_APP_KEY, "appSecret": DEMO_APP_SECRET}
    app_meeting.organization.refresh_from_db()
    issued = app_meeting.organization.access_token
    assert {call["headers"]["x-acs-dingtalk-access-token"] for call in sandbox.state.requests()[1:]} == {issued}
    assert sandbox.state.get_meeting(app_meeting.schedule_conference_id).title == "季度复盘会议 (Q1 final)"


def test_a_token_dingtalk_expired_early_is_renewed_and_the_save_goes_through(portal, sandbox, app_meeting):
    save(portal, app_meeting, title="First", start_time="2027-03-15T14:00", end_time="2027-03-15T15:30")
    sandbox.state.advance(7200)  # DingTalk's clock: the token the portal keeps is dead there
    sandbox.state.clear_requests()

    page = save(portal, app_meeting, title="Second", start_time="2027-03-15T14:00", end_time="2027-03-15T15:30")

    assert page.messages[0][0] == "success"
    assert [(call["api"], call["status"]) for call in sandbox.state.requests()] == [
        ("query", 400),
        ("token", 200),
        ("query", 200),
        ("update", 200),
    ]
    assert sandbox.state.get_meeting(app_meeting.schedule_conference_id).title == "Second"


def test_it_registers_a_meeting_dingtalk_has(portal, sandbox, organization):
    sandbox.state.upsert_meeting(
        schedule_conference_id="booked-in-dingtalk",
        creator_union_id=CREATOR,
        title="Offsite <planning>",
        start_time=dingtalk.epoch_ms(TYPED_START),
        end_time=dingtalk.epoch_ms(TYPED_END),
    )
    form = portal.get(reverse("meetings:add"))
    page = portal.submit(
        form,
        {
            "schedule_conference_id": "booked-in-dingtalk",
            "creator_union_id": CREATOR,
            "organization": str(organization.pk),
        },
    )

    assert page.messages == [("success", texts.MEETING_REGISTERED % {"title": "Offsite <planning>"})]
    (query,) = sandbox.state.requests()
    assert query["path"].endswith("/booked-in-dingtalk/infos")
    assert query["query"] == {"requestUnionId": CREATOR}
    registered = Meeting.objects.get(schedule_conference_id="booked-in-dingtalk")
    assert (registered.starts_at, registered.ends_at) == (TYPED_START, TYPED_END)


# --- nothing is sent --------------------------------------------------------------------------------


def test_a_title_too_long_for_dingtalk_is_not_sent(portal, sandbox, meeting):
    too_long = "x" * 51

    page = save(portal, meeting, title=too_long)

    assert page.errors == [texts.TITLE_TOO_LONG % {"limit": 50, "length": 51}]
    assert page.value("title") == too_long
    assert sandbox.state.requests() == []
    assert stored(meeting)[0] == "Design reveiw"


def test_a_change_made_in_dingtalk_meanwhile_stops_the_save(portal, sandbox, meeting):
    form = portal.get(edit_path(meeting))
    sandbox.state.upsert_meeting(
        schedule_conference_id=meeting.schedule_conference_id,
        creator_union_id=CREATOR,
        title="Renamed in DingTalk",
        start_time=dingtalk.epoch_ms(meeting.starts_at),
        end_time=dingtalk.epoch_ms(meeting.ends_at),
    )

    page = portal.submit(form, TYPED)

    assert apis(sandbox) == ["query"]
    assert page.messages == [
        (
            "warning",
            texts.CHANGED_IN_DINGTALK
            % {
                "title": "Renamed in DingTalk",
                "start": "2027-03-15 10:00",
                "end": "2027-03-15 11:00",
                "time_zone": "Berlin time (UTC+1)",
            },
        )
    ]
    assert_input_kept(page)

    # The way out: take DingTalk's values, then make the change again from there.
    refreshed = portal.submit(page, {}, action=reverse("meetings:refresh", args=[meeting.pk]))
    assert refreshed.messages == [
        (
            "success",
            texts.MEETING_REFRESHED
            % {
                "title": "Renamed in DingTalk",
                "start": "2027-03-15 10:00",
                "end": "2027-03-15 11:00",
                "time_zone": "Berlin time (UTC+1)",
            },
        )
    ]
    assert refreshed.value("title") == "Renamed in DingTalk"
    assert apis(sandbox) == ["query", "query"]
