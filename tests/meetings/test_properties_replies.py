"""Hostile replies, generated, through the DingTalk client's parsing: every reply is a usable value or a
well-formed DingTalkError with a message, never another exception."""

import datetime
import re
import unicodedata

import pytest
import responses
from hypothesis import example, given
from hypothesis import strategies as st

from meetings import dingtalk, services
from meetings.models import Meeting, MeetingChange, Organization
from tests.helpers import API_BASE
from tests.meetings.strategies import (
    PROPERTY,
    FakeDingTalk,
    json_values,
    meeting_bodies,
    raw_reply,
    replies,
    reply,
    request_ids,
    update_bodies,
)

# Each example may leave attempts behind; the fixture empties the table after the test.
pytestmark = pytest.mark.usefixtures("no_stale_changes")

# --- the client's reply parsing ----------------------------------------------------------------------


@PROPERTY
@given(
    answer=st.one_of(
        replies(update_bodies),
        st.builds(raw_reply, st.integers(200, 599), st.binary(max_size=300), request_ids),
    )
)
def test_an_update_reply_is_a_request_id_or_a_dingtalk_error_with_a_message(answer):
    request_id, fake = outcome(
        lambda client: client.update_schedule_conference(
            access_token="tok",
            creator_union_id="creator-1",
            schedule_conference_id="conf-1",
            title="Weekly sync",
            starts_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            ends_at=datetime.datetime(2026, 1, 1, 1, tzinfo=datetime.UTC),
        ),
        puts=[answer],
    )
    if request_id is not None:
        assert fake.said_yes_to_the_update()
        assert_storable(request_id, MeetingChange._meta.get_field("request_id").max_length)
    assert 1 <= len(fake.answers) <= dingtalk.MAX_ATTEMPTS


@example(answer=reply(200, {"title": "x" * 257, "startTime": 0, "endTime": 1}))
@example(answer=reply(200, {"title": "a\x00b", "startTime": 0, "endTime": 1}))
@example(answer=reply(200, {"title": "\ud800", "startTime": 0, "endTime": 1}))
@PROPERTY
@given(answer=replies(meeting_bodies))
def test_a_meeting_reply_is_a_usable_conference_or_a_dingtalk_error_with_a_message(answer):
    conference, _ = outcome(
        lambda client: client.get_schedule_conference(
            access_token="tok", schedule_conference_id="conf-1", creator_union_id="creator-1"
        ),
        gets=[answer],
    )
    if conference is not None:
        assert_storable(conference.title, Meeting._meta.get_field("title").max_length)
        assert conference.starts_at.tzinfo is not None and conference.ends_at.tzinfo is not None


token_bodies = st.fixed_dictionaries(
    {},
    optional={
        "accessToken": st.text(max_size=40) | st.sampled_from(["tok\r\nX-Evil: 1", "t" * 3000]) | json_values,
        "expireIn": st.integers() | json_values,
    },
)


@PROPERTY
@given(answer=replies(token_bodies))
def test_a_token_reply_is_a_usable_token_or_a_dingtalk_error_with_a_message(answer):
    token, _ = outcome(lambda client: client.get_access_token(app_key="key", app_secret="secret"), posts=[answer])
    if token is not None:
        assert re.fullmatch(r"[!-~]{1,2048}", token.token)
        datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=token.expires_in)


def outcome(call, **answers):
    """`call(client)` against a fake DingTalk giving `answers`: (its result, the fake), or (None, the fake)
    once the DingTalkError it raised is checked to be well formed. Any other exception fails the test."""
    client = dingtalk.DingTalkClient(API_BASE)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeDingTalk(mock, **answers)
        try:
            return call(client), fake
        except dingtalk.DingTalkError as error:
            assert_a_well_formed_error(error)
            return None, fake


def assert_storable(text, max_length):
    """What a column of that length holds on every database, and a page can show."""
    assert isinstance(text, str) and len(text) <= max_length
    assert "\x00" not in text and not any(unicodedata.category(character) == "Cs" for character in text)


def assert_a_well_formed_error(error):
    assert error.status is None or type(error.status) is int
    for field in ("dingtalk_code", "request_id"):
        stored = error.code if field == "dingtalk_code" else error.request_id
        assert_storable(stored, MeetingChange._meta.get_field(field).max_length)
    assert_storable(error.message, 1000)
    assert all(isinstance(scope, str) for scope in error.required_scopes)
    text = services.error_message(error, organization=Organization(name="Hangzhou Office", api_base=API_BASE))
    assert isinstance(text, str) and text.strip()
