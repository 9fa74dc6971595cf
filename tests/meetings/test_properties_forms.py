"""Hostile input, generated, through the edit and add forms: whatever a person types and whatever DingTalk
(or something in its place) answers, the portal never fails with a 500, never sends DingTalk an invalid
body, and every failure is a message on the screen.

The forms are exercised through the real views with the Django test client; DingTalk is `responses`,
answering each request with the next generated reply. Runs are bounded (max_examples) to keep the suite
fast; a failing example is printed and can be pinned with @example.
"""

import datetime
import json
import unicodedata
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import responses
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from meetings import dingtalk
from meetings.models import Meeting
from tests.helpers import shown_messages
from tests.meetings.strategies import (
    PROPERTY,
    SUCCESS,
    FakeDingTalk,
    edits,
    identifiers,
    meeting_bodies,
    mostly,
    plausible_meeting_bodies,
    replies,
    reply,
    update_bodies,
)

# Each example may leave attempts behind; the fixture empties the table after the test.
pytestmark = pytest.mark.usefixtures("no_stale_changes")

ORIGINAL = {
    "title": "Weekly sync",
    "starts_at": datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC),
    "ends_at": datetime.datetime(2026, 12, 1, 3, 0, tzinfo=datetime.UTC),
}


def the_stored_meeting(meeting):
    return {
        "scheduleConferenceId": meeting.schedule_conference_id,
        "title": ORIGINAL["title"],
        "startTime": dingtalk.epoch_ms(ORIGINAL["starts_at"]),
        "endTime": dingtalk.epoch_ms(ORIGINAL["ends_at"]),
    }


def assert_a_valid_update_body(request, meeting):
    body = json.loads(request.body)
    assert set(body) == {"creatorUnionId", "scheduleConferenceId", "title", "startTime", "endTime"}
    assert body["creatorUnionId"] == meeting.creator_union_id
    assert body["scheduleConferenceId"] == meeting.schedule_conference_id
    title = body["title"]
    assert isinstance(title, str) and title == title.strip() and title
    assert 1 <= dingtalk.title_length(title) <= dingtalk.TITLE_MAX_LENGTH
    assert not any(unicodedata.category(character) == "Cc" for character in title)
    assert type(body["startTime"]) is int and type(body["endTime"]) is int
    assert body["endTime"] > body["startTime"]
    assert request.headers["Content-Type"] == "application/json"


def shown(response):
    """Every message (the page's outcome too) and form error on the final page."""
    sentences = shown_messages(response)
    form = response.context.get("form")
    if form is not None and form.is_bound:
        sentences += [str(error) for errors in form.errors.values() for error in errors]
    return sentences


# --- the edit form -----------------------------------------------------------------------------------


# Found by this test on PostgreSQL: an error reply whose request ID or code no column could hold.
@example(
    edit=("Moved", "2084-09-14T12:33", "2084-09-14T13:08"),
    dingtalk_has=reply(403, {"code": "paramsError", "requestid": "\x00x" + "y" * 300}),
    update_replies=[SUCCESS],
)
@example(
    edit=("Moved", "2084-09-14T12:33", "2084-09-14T13:08"),
    dingtalk_has="the stored meeting",
    update_replies=[reply(454, {"code": {"\x00": [None]}, "message": "\ud800" * 3, "requestid": ["x"]})],
)
@PROPERTY
@given(
    edit=edits,
    dingtalk_has=mostly(st.just("the stored meeting"), replies(meeting_bodies)),
    update_replies=st.lists(mostly(st.just(SUCCESS), replies(update_bodies)), min_size=1, max_size=3),
)
def test_the_edit_form_survives_anything(alice_client, meeting, edit, dingtalk_has, update_replies):
    title, start, end = edit
    Meeting.objects.filter(pk=meeting.pk).update(
        **ORIGINAL, status=Meeting.Status.ACTIVE, version=1, update_lease_until=None
    )
    meeting.refresh_from_db()
    if dingtalk_has == "the stored meeting":
        dingtalk_has = reply(200, the_stored_meeting(meeting))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeDingTalk(mock, gets=[dingtalk_has], puts=update_replies)
        response = alice_client.post(
            reverse("meetings:edit", args=[meeting.pk]),
            {"title": title, "start_time": start, "end_time": end, "version": "1"},
            follow=True,
        )

    assert response.status_code == 200
    event(f"updates sent: {len(fake.requests('PUT'))}; DingTalk said yes: {fake.said_yes_to_the_update()}")
    for request in fake.requests("PUT"):
        assert_a_valid_update_body(request, meeting)
    assert shown(response), "every outcome is a message"

    stored = Meeting.objects.get(pk=meeting.pk)
    changed = (stored.title, stored.starts_at, stored.ends_at) != tuple(ORIGINAL.values())
    assert changed == fake.said_yes_to_the_update(), "stored data changes exactly when DingTalk said yes"
    shows_the_submission = "?submission=" in response.redirect_chain[-1][0]  # not the plain page after a save
    if not changed and not stored.is_canceled and shows_the_submission:
        shown_title = response.context["form"]["title"].value()  # as typed, or as sent (trimmed)
        assert shown_title.strip() == title.strip(), "what was typed stays on the screen"


# --- the add form ------------------------------------------------------------------------------------


@PROPERTY
@given(
    conference_id=identifiers,
    creator_union_id=identifiers,
    dingtalk_replies=st.lists(
        mostly(st.builds(reply, st.just(200), plausible_meeting_bodies), replies(meeting_bodies)),
        min_size=1,
        max_size=3,
    ),
)
def test_the_add_form_survives_anything(alice_client, organization, conference_id, creator_union_id, dingtalk_replies):
    Meeting.objects.all().delete()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeDingTalk(mock, gets=dingtalk_replies)
        response = alice_client.post(
            reverse("meetings:add"),
            {
                "organization": organization.pk,
                "schedule_conference_id": conference_id,
                "creator_union_id": creator_union_id,
            },
            follow=True,
        )
        sent = [call.request.method for call in mock.calls]

    assert response.status_code == 200
    assert set(sent) <= {"GET"}, "registering only reads"
    for request in fake.requests("GET"):
        url = urlsplit(request.url)
        assert url.path == dingtalk.QUERY_PATH.format(id=quote(conference_id.strip(), safe=""))
        assert parse_qs(url.query) == {"requestUnionId": [creator_union_id.strip()]}
        assert request.body is None
    assert shown(response), "every outcome is a message"
    registered = Meeting.objects.first()
    event(f"queries sent: {len(fake.requests('GET'))}; registered: {registered is not None}")
    if registered is not None:
        assert registered.schedule_conference_id == conference_id.strip()
        assert registered.ends_at is not None and registered.starts_at is not None
    elif fake.requests("GET"):
        assert response.context["form"].data["schedule_conference_id"] == conference_id
