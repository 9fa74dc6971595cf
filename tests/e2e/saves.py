"""What the end-to-end edit tests expect of a save: the body DingTalk receives, the sentence with its request
ID, the APIs the sandbox saw, the portal's copy of the meeting and the input kept on the page."""

import datetime

from meetings import dingtalk, texts
from meetings.models import Meeting

from .conftest import CREATOR, TYPED

# What TYPED (conftest.py) is in UTC.
TYPED_START = datetime.datetime(2027, 3, 15, 10, 0, tzinfo=datetime.UTC)
TYPED_END = datetime.datetime(2027, 3, 15, 11, 30, tzinfo=datetime.UTC)
RETRIED = dingtalk.MAX_ATTEMPTS  # the client tries an idempotent call this often before it gives up


def sent_body(meeting, **overrides):
    return {
        "creatorUnionId": CREATOR,
        "scheduleConferenceId": meeting.schedule_conference_id,
        "title": TYPED["title"],
        "startTime": dingtalk.epoch_ms(TYPED_START),
        "endTime": dingtalk.epoch_ms(TYPED_END),
        **overrides,
    }


def with_request_id(text, request_id):
    return f"{text} {texts.REQUEST_ID_SUFFIX % {'request_id': request_id}}"


def apis(sandbox):
    return [call["api"] for call in sandbox.state.requests()]


def stored(meeting):
    found = Meeting.objects.get(pk=meeting.pk)
    return found.title, found.starts_at, found.ends_at, found.version, found.status


def assert_input_kept(page):
    assert {name: page.value(name) for name in TYPED} == TYPED
