"""DingTalk's query and create endpoints."""

from __future__ import annotations

from .helpers import CANCELED_MESSAGE, END, MEETING_ID, START, assert_error, query_path

# --- query ----------------------------------------------------------------------------------------


def test_it_returns_a_meetings_details(api, sandbox):
    response = api.query()

    assert response.status_code == 200
    meeting = sandbox.state.get_meeting(MEETING_ID)
    assert response.json() == {
        "scheduleConferenceId": MEETING_ID,
        "title": "Weekly sync",
        "startTime": START,
        "endTime": END,
        "url": meeting.url,
        "roomCode": meeting.room_code,
        "phones": meeting.phones,
    }


def test_it_rejects_query_of_an_unknown_meeting(api):
    assert_error(api.query("no-such-meeting"), 400, "paramsError")


def test_it_rejects_query_of_a_canceled_meeting(api):
    api.cancel()

    assert_error(api.query(), 400, "resourceCancel", CANCELED_MESSAGE)


def test_it_requires_request_union_id_on_query(api):
    response = api.call("GET", query_path())

    assert_error(response, 400, "paramsError")


# --- create ---------------------------------------------------------------------------------------


def test_it_creates_a_meeting_that_can_be_queried(api):
    response = api.create(title="Kick-off")

    assert response.status_code == 200
    created = response.json()
    assert set(created) == {"scheduleConferenceId", "url", "roomCode", "phones"}
    queried = api.query(created["scheduleConferenceId"]).json()
    assert queried["title"] == "Kick-off"
    assert (queried["startTime"], queried["endTime"]) == (START, END)


def test_it_cuts_a_created_title_at_50_characters(api):
    created = api.create(title="x" * 60).json()

    assert api.query(created["scheduleConferenceId"]).json()["title"] == "x" * 50


def test_it_rejects_a_created_title_over_256_characters(api):
    assert_error(api.create(title="x" * 257), 400, "paramsError")


def test_it_rejects_create_with_end_before_start(api):
    assert_error(api.create(startTime=END, endTime=START), 400, "paramsError")
