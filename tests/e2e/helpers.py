"""What the end-to-end test modules share that is not a fixture: the people's and DingTalk's values, a
meeting booked in both the sandbox and the portal, the edit page's save, and the test database as another
process opens it.

Test modules import from here, never from one another or from conftest.py (which holds the fixtures).
"""

import datetime
import re
import socket
import time
import uuid
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from meetings import dingtalk, texts
from meetings.models import Meeting, MeetingChange

PASTED_TOKEN = "e2e-pasted-token"
CREATOR = "e2e-creator-union-id"
PASSWORD = "a long e2e password"
BASE_DIR = Path(__file__).resolve().parents[2]
# Olga fixes the typo and moves the meeting by an hour, in Berlin time (UTC+1 in March).
TYPED = {"title": "Design review", "start_time": "2027-03-15T11:00", "end_time": "2027-03-15T12:30"}
FLAGS_AS_SHOWN = {  # the settings form with the sandbox's defaults, as a browser would send it
    "host_union_id": CREATOR,
    "cohost_union_ids": "",
    "join_before_host": "on",
    "enable_chat": "on",
    "lock_room": "",
    "screen_share_forbidden": "",
    "waiting_room": "",
    "lock_nick": "",
    "mute_on_join": "off",
    "mute_on_join_after": "",
}


def edit_path(meeting):
    return reverse("meetings:edit", args=[meeting.pk])


def save(portal, meeting, **typed):
    return portal.submit(portal.get(edit_path(meeting)), {**TYPED, **typed})


def wait_for_replies(sandbox, seconds=60.0):
    """Until the sandbox has answered every call it received (a slow reply goes on after the client left);
    `seconds` is a generous bound for a busy machine, not a margin: it returns as soon as they are answered."""
    deadline = time.monotonic() + seconds
    while any(call["status"] is None and call["fault"] != "drop" for call in sandbox.state.requests()):
        assert time.monotonic() < deadline, sandbox.state.requests()
        time.sleep(0.02)


def in_dingtalk(sandbox, meeting):
    return sandbox.state.get_meeting(meeting.schedule_conference_id).title


def the_update(meeting):
    """Olga's update of the meeting: its audit row."""
    return MeetingChange.objects.get(meeting=meeting, action=MeetingChange.Action.UPDATE, user__username="olga")


def wait_is_over(meeting):
    """Time passes: the meeting's lock and its pending rows' waits end now (a second ago)."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=past)
    MeetingChange.objects.filter(meeting=meeting, outcome__in=MeetingChange.PENDING).update(check_after=past)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def book(sandbox, organization, *, title: str, starts_at: datetime.datetime, minutes: int = 60) -> Meeting:
    """A meeting DingTalk (the sandbox) has, registered in the portal with the same values."""
    ends_at = starts_at + datetime.timedelta(minutes=minutes)
    conference_id = str(uuid.uuid4())  # a late reply of one test can never touch another's meeting
    sandbox.state.upsert_meeting(
        schedule_conference_id=conference_id,
        creator_union_id=CREATOR,
        title=title,
        start_time=dingtalk.epoch_ms(starts_at),
        end_time=dingtalk.epoch_ms(ends_at),
    )
    return Meeting.objects.create(
        organization=organization,
        schedule_conference_id=conference_id,
        creator_union_id=CREATOR,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def database_url(settings_dict) -> str:
    """The test database (SQLite file or PostgreSQL) as a DATABASE_URL another process can open."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict["USER"] or "postgres"
    host = settings_dict["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"


# --- what the edit tests expect of a save ----------------------------------------------------------
# What TYPED is in UTC.
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


def said_unknown(messages, sentence, wait=texts.WAIT_FOR_CHECK) -> bool:
    """The page's one message says `sentence` (what happened to a save that may have reached DingTalk), then the
    wait for the check in words -- "in about 15 seconds", never a clock time -- and perhaps DingTalk's request ID."""
    if len(messages) != 1 or messages[0][0] != "warning":
        return False
    waiting = re.escape(str(wait)).replace(re.escape("%(wait)s"), r"\d+ (seconds?|minutes?)")
    request_id = re.escape(str(texts.REQUEST_ID_SUFFIX)).replace(re.escape("%(request_id)s"), r"\S+")
    return re.fullmatch(f"{re.escape(str(sentence))} {waiting}( {request_id})?", messages[0][1]) is not None


def with_request_id(text, request_id):
    return f"{text} {texts.REQUEST_ID_SUFFIX % {'request_id': request_id}}"


def apis(sandbox):
    return [call["api"] for call in sandbox.state.requests()]


def stored(meeting):
    found = Meeting.objects.get(pk=meeting.pk)
    return found.title, found.starts_at, found.ends_at, found.version, found.status


def assert_input_kept(page):
    """The form shows TYPED; a time as typed (2027-03-15T11:00) or as the form writes it (2027-03-15 11:00)."""

    def shown(name, value):
        return value.replace("T", " ") if name.endswith("_time") else value

    assert {name: shown(name, page.value(name)) for name in TYPED} == {
        name: shown(name, value) for name, value in TYPED.items()
    }
