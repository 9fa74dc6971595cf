"""The meeting-number lookup and the query API's creator check, and the control page's cases for them."""

from __future__ import annotations

from .helpers import CREATOR, END, MEETING_ID, START, assert_error

ROOM_CODE = "8387221234"
WEEK_MS = 7 * 24 * 3600 * 1000


def room_code_path(room_code: str = ROOM_CODE) -> str:
    return f"/v1.0/conference/roomCodes/{room_code}/infos"


def lookup(api, room_code: str = ROOM_CODE, **params):
    return api.call("GET", room_code_path(room_code), params=params)


def seed(sandbox, meeting_id, **fields):
    values = {
        "creator_union_id": "union-" + meeting_id,
        "title": "Meeting " + meeting_id,
        "start_time": START,
        "end_time": END,
        "room_code": ROOM_CODE,
    }
    return sandbox.state.upsert_meeting(schedule_conference_id=meeting_id, **{**values, **fields})


def test_it_finds_a_booked_meeting_by_its_number(api, sandbox):
    seed(sandbox, "conf-a", creator_nick="Wang Fang", title="Design review")

    response = lookup(api)

    assert response.status_code == 200
    body = response.json()
    assert body["hasMore"] is False and body["totalCount"] == 1 and "nextToken" not in body
    [entry] = body["conferenceList"]
    assert entry["scheduleConferenceId"] == "conf-a"
    assert entry["title"] == "Design review"
    assert (entry["startTime"], entry["endTime"]) == (START, END)
    assert entry["creatorId"] == "union-conf-a" and entry["creatorNick"] == "Wang Fang"
    assert entry["roomCode"] == ROOM_CODE
    assert entry["externalLinkUrl"] == f"https://meeting.dingtalk.com/j/{ROOM_CODE}"
    assert entry["status"] == 0 and isinstance(entry["conferenceId"], str)
    # Typed as the official SDK's model declares them (benchmarks/conformance.py checks the whole reply).
    assert isinstance(entry["bizType"], str) and isinstance(entry["confDuration"], int)


def test_an_unknown_number_is_an_empty_list(api):
    assert lookup(api, "000111222").json() == {"conferenceList": [], "hasMore": False, "totalCount": 0}


def test_a_recurring_meeting_is_several_instances_of_one_booking(api, sandbox):
    seed(sandbox, "conf-weekly", occurrences=3)

    entries = lookup(api).json()["conferenceList"]

    assert [e["scheduleConferenceId"] for e in entries] == ["conf-weekly"] * 3
    assert len({e["conferenceId"] for e in entries}) == 3
    assert [e["startTime"] for e in entries] == [START, START + WEEK_MS, START + 2 * WEEK_MS]


def test_a_reused_room_lists_several_booked_meetings(api, sandbox):
    seed(sandbox, "conf-a")
    seed(sandbox, "conf-b", start_time=START + 1000, end_time=END + 1000)

    entries = lookup(api).json()["conferenceList"]

    assert [e["scheduleConferenceId"] for e in entries] == ["conf-a", "conf-b"]


def test_it_pages_with_next_token(api, sandbox):
    seed(sandbox, "conf-weekly", occurrences=5)

    first = lookup(api, maxResults=2).json()
    second = lookup(api, maxResults=2, nextToken=first["nextToken"]).json()
    third = lookup(api, maxResults=2, nextToken=second["nextToken"]).json()

    assert (first["hasMore"], second["hasMore"], third["hasMore"]) == (True, True, False)
    assert first["totalCount"] == 5
    starts = [e["startTime"] for page in (first, second, third) for e in page["conferenceList"]]
    assert starts == [START + n * WEEK_MS for n in range(5)]
    assert "nextToken" not in third


def test_it_refuses_a_bad_page_size_or_token(api, sandbox):
    assert_error(lookup(api, maxResults=0), 400, "paramsError")
    assert_error(lookup(api, maxResults="x"), 400, "paramsError")
    assert_error(lookup(api, nextToken="abc"), 400, "paramsError")


def test_it_needs_a_token_and_the_read_scope(api, sandbox):
    sandbox.state.add_token("write-only", scopes=["VideoConference.Conference.Write"])

    assert_error(api.call("GET", room_code_path(), token=None), 400, "InvalidAuthentication")
    body = assert_error(
        api.call("GET", room_code_path(), token="write-only"), 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied"
    )
    assert body["accessdenieddetail"] == {"requiredScopes": ["VideoConference.Conference.Read"]}


def test_a_canceled_booking_is_not_listed(api, sandbox):
    seed(sandbox, "conf-a")
    seed(sandbox, "conf-b", canceled=True)

    assert [e["scheduleConferenceId"] for e in lookup(api).json()["conferenceList"]] == ["conf-a"]


def test_a_fault_can_be_armed_for_the_lookup(api, sandbox):
    sandbox.state.arm_fault("qpsLimit", api="room_code")

    assert_error(lookup(api), 403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi")
    assert lookup(api).status_code == 200
    assert [entry["api"] for entry in sandbox.state.requests()] == ["room_code", "room_code"]


# --- the query API answers the creator only --------------------------------------------------------


def test_the_query_refuses_anyone_but_the_creator(api):
    assert api.query(union_id=CREATOR).status_code == 200
    body = assert_error(api.query(union_id="someone-else"), 400, "permissionError")
    assert body["message"].startswith("permissionError:")


# --- the control page creates each case ----------------------------------------------------------


def test_the_control_api_seeds_a_recurring_meeting_with_another_creator_id(api, sandbox):
    response = api.control(
        "POST",
        "/meetings",
        json={
            "scheduleConferenceId": "conf-c",
            "creatorUnionId": "union-c",
            "title": "Standup",
            "startTime": START,
            "endTime": END,
            "roomCode": "838 722 1234",
            "occurrences": 2,
            "creatorNick": "Li Lei",
            "creatorId": "staff-42",
        },
    )

    assert response.status_code == 201, response.text
    entries = lookup(api).json()["conferenceList"]
    assert [(e["creatorId"], e["creatorNick"]) for e in entries] == [("staff-42", "Li Lei")] * 2
    assert api.query("conf-c", union_id="staff-42").status_code == 400
    assert api.query("conf-c", union_id="union-c").status_code == 200


def test_the_control_page_form_seeds_a_second_meeting_behind_a_number(api, sandbox):
    seed(sandbox, "conf-a")
    response = api.control(
        "POST",
        "/meetings",
        data={
            "creatorUnionId": "union-d",
            "title": "Reused room",
            "startTime": "2026-12-01T10:00",
            "endTime": "2026-12-01T11:00",
            "roomCode": ROOM_CODE,
            "occurrences": "1",
            "creatorNick": "",
            "creatorId": "",
        },
        allow_redirects=False,
    )

    assert response.status_code == 303
    assert len({e["scheduleConferenceId"] for e in lookup(api).json()["conferenceList"]}) == 2
    page = api.control("GET", "/").text
    for label in ('name="roomCode"', 'name="occurrences"', 'name="creatorId"', 'name="creatorNick"'):
        assert label in page
    assert ROOM_CODE in page


def test_the_control_api_refuses_bad_occurrences(api):
    response = api.control(
        "POST",
        "/meetings",
        json={"creatorUnionId": "u", "title": "t", "startTime": START, "endTime": END, "occurrences": 0},
    )
    assert response.status_code == 400


def test_the_meeting_survives_the_state_file(tmp_path):
    from dingtalk_sandbox.state import SandboxState

    path = tmp_path / "state.json"
    first = SandboxState(state_file=path)
    first.upsert_meeting(
        schedule_conference_id=MEETING_ID,
        creator_union_id=CREATOR,
        title="t",
        start_time=START,
        end_time=END,
        room_code=ROOM_CODE,
        occurrences=3,
        creator_id="staff",
        creator_nick="Nick",
    )

    again = SandboxState(state_file=path).get_meeting(MEETING_ID)

    assert (again.occurrences, again.creator_id, again.creator_nick) == (3, "staff", "Nick")
