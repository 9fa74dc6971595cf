"""Hostile values, generated, in every field of every DingTalk reply the portal keeps or shows (create, query,
room code, settings), through the real views: never a 500, every attempt audited, and whatever is stored
passes its model field's own rules (length, characters, links http/https only).

Runs on SQLite and, with DATABASE_URL, on PostgreSQL (which refuses NUL and over-long values where SQLite
keeps them): the same examples must hold on both. Examples are bounded to keep the suite fast.
"""

import re
import unicodedata

import pytest
import responses
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from meetings import dingtalk
from meetings.forms import MeetingSettingsForm
from meetings.models import Meeting, MeetingChange
from tests.helpers import API_BASE, grant
from tests.meetings.strategies import PROPERTY, any_character, json_values

pytestmark = pytest.mark.usefixtures("no_stale_changes")
REPLY_VALUES = settings(PROPERTY, max_examples=40)

CREATE_PAGE = reverse("meetings:create")
ADD_PAGE = reverse("meetings:add")
NUMBER = "8387221234"
START_MS = 1796277600000  # 2026-12-03 06:00 UTC
HOUR_MS = 3_600_000
BOOKING = {
    "organization": None,
    "title": "季度规划",
    "start_time": "2026-12-03T14:00",
    "end_time": "2026-12-03T15:00",
    "creator_union_id": "creator-7",
}

# What a hostile or broken DingTalk may put in a field: text of any kind and size, lookalikes of the valid
# value, and any other JSON type.
hostile_texts = st.one_of(
    st.text(any_character, max_size=80),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\ud800",
            "\u202e",
            "x" * 65,
            "x" * 129,
            "x" * 257,
            "9" * 65,
            "８３８ ７２２",
            "838 722 1234",
            "8" * 100_000,
            "javascript:alert(document.cookie)",
            " JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https://meeting.dingtalk.com/j/1 onmouseover=alert(1)",
            "https://meeting.dingtalk.com/j/" + "1" * 600,
            "https://meeting.dingtalk.com/j/1\x00",
            "//evil.example/x",
            "https://",
        ]
    ),
)
hostile = st.one_of(hostile_texts, hostile_texts, json_values)
hostile_lists = st.one_of(st.lists(hostile, max_size=5), st.lists(st.just("+86 0571 2818 0000"), max_size=30), hostile)


def with_hostile(valid: dict, fields: dict):
    """`valid` with any of `fields` replaced by a hostile value, or left out."""
    return st.fixed_dictionaries({}, optional=fields).map(lambda changes: {**valid, **changes})


def assert_kept_by_the_rules(meeting: Meeting):
    """What is stored passes its fields' own validators and lengths (clean_fields) and holds no NUL."""
    meeting.refresh_from_db()
    meeting.clean_fields(exclude=["organization", "updated_by"])
    texts = [meeting.schedule_conference_id, meeting.creator_union_id, meeting.title, meeting.meeting_number]
    texts += [meeting.join_url, *meeting.phones]
    assert not any("\x00" in text or any(unicodedata.category(c) == "Cs" for c in text) for text in texts)


def not_a_server_error(response):
    assert response.status_code in (200, 302), response.status_code


# --- create ------------------------------------------------------------------------------------------------

created_bodies = with_hostile(
    {
        "scheduleConferenceId": "conf-new",
        "url": "https://meeting.dingtalk.com/j/987654321",
        "roomCode": "987654321",
        "phones": ["+86 0571 2818 0000"],
    },
    {"scheduleConferenceId": hostile, "url": hostile, "roomCode": hostile, "phones": hostile_lists},
)


@example(body={"scheduleConferenceId": "conf-new", "roomCode": "9" * 65, "phones": ["a\x00b"]})
@example(body={"scheduleConferenceId": "conf-new", "phones": ["8" * 100_000]})
@example(body={"scheduleConferenceId": "conf-new", "url": "javascript:alert(1)"})
@example(body={"scheduleConferenceId": "c" * 129, "roomCode": "838 722 1234"})
@REPLY_VALUES
@given(body=created_bodies)
def test_a_create_reply_never_makes_a_500_and_every_booking_is_audited(alice_client, organization, body):
    Meeting.objects.all().delete()
    MeetingChange.objects.all().delete()
    with responses.RequestsMock() as mock:
        mock.post(API_BASE + dingtalk.CREATE_PATH, json=body)
        response = alice_client.post(CREATE_PAGE, {**BOOKING, "organization": organization.pk})

    not_a_server_error(response)
    change = MeetingChange.objects.get()  # the attempt, settled
    meeting = Meeting.objects.first()
    if meeting is None:
        assert change.outcome == MeetingChange.Outcome.UNKNOWN
        assert change.message
    else:
        assert (change.outcome, change.meeting) == (MeetingChange.Outcome.SUCCESS, meeting)
        assert_kept_by_the_rules(meeting)


# --- room code and query: adding a meeting by its number -------------------------------------------------

instances = with_hostile(
    {
        "conferenceId": "inst-a",
        "scheduleConferenceId": "conf-a",
        "title": "Design review",
        "startTime": START_MS,
        "endTime": START_MS + HOUR_MS,
        "status": 0,
        "creatorId": "union-a",
        "creatorNick": "Wang Fang",
        "roomCode": NUMBER,
        "externalLinkUrl": "https://meeting.dingtalk.com/j/" + NUMBER,
    },
    {
        "conferenceId": hostile,
        "scheduleConferenceId": hostile,
        "title": hostile,
        "creatorId": hostile,
        "creatorNick": hostile,
        "roomCode": hostile,
        "externalLinkUrl": hostile,
    },
)
conferences = with_hostile(
    {
        "scheduleConferenceId": "conf-a",
        "title": "Design review",
        "startTime": START_MS,
        "endTime": START_MS + HOUR_MS,
        "roomCode": NUMBER,
        "url": "https://meeting.dingtalk.com/j/" + NUMBER,
    },
    {"title": hostile, "roomCode": hostile, "url": hostile},
)


@example(entry={"scheduleConferenceId": "c" * 129, "title": "x", "startTime": 0, "endTime": 1}, conference={})
@REPLY_VALUES
@given(entry=instances, conference=conferences)
def test_a_room_code_or_query_reply_never_makes_a_500(alice_client, organization, entry, conference):
    Meeting.objects.all().delete()
    MeetingChange.objects.all().delete()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            API_BASE + dingtalk.ROOM_CODE_PATH.format(room_code=NUMBER),
            json={"conferenceList": [entry], "hasMore": False, "totalCount": 1},
        )
        # The query of whatever ID the entry gave (quoted in the path as the client quotes it).
        mock.get(
            re.compile(re.escape(API_BASE + dingtalk.QUERY_PATH.split("{id}")[0]) + ".*"),
            json={**conference, "scheduleConferenceId": entry.get("scheduleConferenceId")},
        )
        response = alice_client.post(ADD_PAGE, {"organization": organization.pk, "meeting_number": NUMBER})

    not_a_server_error(response)
    meeting = Meeting.objects.first()
    if meeting is not None:
        assert_kept_by_the_rules(meeting)
        change = MeetingChange.objects.get()
        assert (change.action, change.outcome, change.meeting) == (
            MeetingChange.Action.REGISTER,
            MeetingChange.Outcome.SUCCESS,
            meeting,
        )
    else:
        assert not MeetingChange.objects.exists()  # nothing was changed in DingTalk, nothing was kept


# --- settings ---------------------------------------------------------------------------------------------

SETTINGS = {
    "hostUnionId": "creator-union-1",
    "cohostUnionIds": ["co-1"],
    "lockRoom": 0,
    "screenShareForbidden": 0,
    "muteOnJoin": 0,
    "moziConfVirtualExtraSetting": {"waitingRoom": 0, "joinBeforeHost": 1, "enableChat": 1, "lockNick": 0},
}
SHOWN = dingtalk.ConferenceSettings(
    host_union_id="creator-union-1", cohost_union_ids=("co-1",), join_before_host=True, enable_chat=True
)
# The form as the page shows it for SHOWN, with one change: every post is a save attempt.
POSTED = {
    key: "on" if value is True else value
    for key, value in MeetingSettingsForm.initial_for(SHOWN).items()
    if value not in (False, None)
} | {"lock_room": "on"}
settings_models = with_hostile(SETTINGS, {"hostUnionId": hostile, "cohostUnionIds": hostile_lists, "lockRoom": hostile})


@REPLY_VALUES
@given(model=settings_models)
def test_a_settings_reply_never_makes_a_500_and_every_save_is_audited(alice_client, office_admin, meeting, model):
    grant(office_admin, "change_meeting_settings")
    MeetingChange.objects.all().delete()
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=None)
    page = reverse("meetings:settings", args=[meeting.pk])
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(API_BASE + dingtalk.SETTINGS_PATH, json={"scheduleConfSettingModel": model})
        mock.put(API_BASE + dingtalk.SETTINGS_PATH, json={"success": True})
        not_a_server_error(alice_client.get(page))
        response = alice_client.post(page, POSTED)

    not_a_server_error(response)
    change = MeetingChange.objects.get()  # the save attempt, whatever DingTalk's settings were
    assert change.action == MeetingChange.Action.SETTINGS
    assert change.outcome in {
        MeetingChange.Outcome.SUCCESS,
        MeetingChange.Outcome.FAILED,
        MeetingChange.Outcome.CONFLICT,
    }
