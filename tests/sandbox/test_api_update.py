"""DingTalk's update and cancel endpoints: validation and business rules."""

from __future__ import annotations

import pytest

from .helpers import CANCELED_MESSAGE, CONFERENCES_PATH, END, MEETING_ID, START, assert_error, update_body

# --- update ---------------------------------------------------------------------------------------


def test_it_updates_a_meeting(api, sandbox):
    response = api.update(title="Renamed", startTime=START + 60_000, endTime=END + 60_000)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    meeting = sandbox.state.get_meeting(MEETING_ID)
    assert (meeting.title, meeting.start_time, meeting.end_time) == ("Renamed", START + 60_000, END + 60_000)


def test_it_accepts_a_50_character_title_counted_in_characters_not_bytes(api, sandbox):
    title = "会" * 50  # 150 bytes in UTF-8

    assert api.update(title=title).status_code == 200
    assert sandbox.state.get_meeting(MEETING_ID).title == title


def test_it_rejects_title_over_50_characters(api):
    body = assert_error(api.update(title="会" * 51), 400, "paramsError")

    assert body["message"].startswith("error:")


def test_it_rejects_an_empty_title(api):
    assert_error(api.update(title=""), 400, "paramsError")


@pytest.mark.parametrize("field", ["creatorUnionId", "scheduleConferenceId", "title", "startTime", "endTime"])
def test_it_rejects_an_update_missing_a_field(api, field):
    body = update_body()
    del body[field]

    response = api.call("PUT", CONFERENCES_PATH, json=body)

    error = assert_error(response, 400, "paramsError")
    assert error["message"].startswith("error:")
    assert field in error["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("creatorUnionId", 123),
        ("scheduleConferenceId", 1),
        ("title", 5),
        ("title", ["a"]),
        ("startTime", str(START)),
        ("startTime", True),
        ("endTime", float(END)),
        ("endTime", None),
    ],
)
def test_it_rejects_mistyped_update_fields(api, field, value):
    assert_error(api.update(**{field: value}), 400, "paramsError")


@pytest.mark.parametrize("end", [START, START - 1])
def test_it_rejects_an_end_time_not_after_the_start_time(api, end):
    assert_error(api.update(endTime=end), 400, "paramsError")


def test_it_rejects_a_non_json_update_body(api):
    response = api.call("PUT", CONFERENCES_PATH, data=update_body())  # form-encoded

    assert_error(response, 400, "paramsError")


def test_it_rejects_an_update_body_that_is_not_an_object(api):
    response = api.call("PUT", CONFERENCES_PATH, json=[update_body()])

    assert_error(response, 400, "paramsError")


def test_it_rejects_update_of_an_unknown_meeting(api):
    assert_error(api.update(scheduleConferenceId="no-such-meeting"), 400, "paramsError")


def test_it_rejects_update_by_someone_other_than_the_creator(api):
    body = assert_error(api.update(creatorUnionId="someone-else"), 400, "permissionError")

    assert body["message"].startswith("permissionError:")


def test_it_rejects_update_of_a_canceled_meeting(api):
    api.cancel()

    assert_error(api.update(), 400, "resourceCancel", CANCELED_MESSAGE)


def test_a_rejected_update_leaves_the_meeting_unchanged(api, sandbox):
    api.update(title="x" * 51)
    api.update(creatorUnionId="someone-else")

    assert sandbox.state.get_meeting(MEETING_ID).title == "Weekly sync"


# --- cancel ---------------------------------------------------------------------------------------


def test_it_cancels_a_meeting(api, sandbox):
    response = api.cancel()

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert sandbox.state.get_meeting(MEETING_ID).canceled


def test_it_rejects_cancel_by_someone_other_than_the_creator(api):
    assert_error(api.cancel(creatorUnionId="someone-else"), 400, "permissionError")


def test_it_rejects_cancel_of_an_unknown_meeting(api):
    assert_error(api.cancel(scheduleConferenceId="no-such-meeting"), 400, "paramsError")


def test_it_rejects_cancel_of_a_canceled_meeting(api):
    api.cancel()

    assert_error(api.cancel(), 400, "resourceCancel", CANCELED_MESSAGE)
