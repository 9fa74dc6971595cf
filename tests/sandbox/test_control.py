"""The `/_sandbox/` control endpoints and the control page."""

from __future__ import annotations

from dingtalk_sandbox import FAULTS, READ_SCOPE

from .helpers import CREATOR, END, MEETING_ID, START, TOKEN, assert_error


def test_it_refuses_a_cross_origin_form_post(api, sandbox):
    response = api.control("POST", "/reset", data={}, headers={"Origin": "http://evil.example"}, allow_redirects=False)

    assert response.status_code == 403
    assert sandbox.state.get_meeting(MEETING_ID) is not None


# --- control endpoints ----------------------------------------------------------------------------


def test_it_seeds_a_meeting_with_a_fixed_id_over_http(api):
    meeting = {
        "scheduleConferenceId": "demo-1",
        "creatorUnionId": "demo-user",
        "title": "Demo",
        "startTime": START,
        "endTime": END,
    }

    response = api.control("POST", "/meetings", json=meeting)

    assert response.status_code == 201
    queried = api.query("demo-1", union_id="demo-user").json()
    assert (queried["title"], queried["startTime"]) == ("Demo", START)
    listed = api.control("GET", "/meetings").json()["meetings"]
    assert {m["scheduleConferenceId"] for m in listed} == {MEETING_ID, "demo-1"}
    detail = api.control("GET", "/meetings/demo-1").json()["meeting"]
    assert (detail["creatorUnionId"], detail["canceled"]) == ("demo-user", False)


def test_seeding_from_the_page_form_takes_utc_datetimes(api, sandbox):
    form = {
        "creatorUnionId": "demo-user",
        "title": "From the page",
        "startTime": "2023-06-28T04:00",
        "endTime": "2023-06-28T05:00",
    }

    response = api.control("POST", "/meetings", data=form, allow_redirects=False)

    assert response.status_code == 303
    [seeded] = [m for m in sandbox.state.meetings() if m.title == "From the page"]
    assert (seeded.start_time, seeded.end_time) == (START, END)


def test_a_seeded_meeting_shows_its_organization_and_times_in_utc_and_its_time_zone(api):
    meeting = {
        "scheduleConferenceId": "demo-sh",
        "creatorUnionId": "demo-user",
        "title": "Demo",
        "startTime": START,
        "endTime": END,
        "organization": "Demo Shanghai",
        "timeZone": "Asia/Shanghai",
    }

    assert api.control("POST", "/meetings", json=meeting).status_code == 201

    detail = api.control("GET", "/meetings/demo-sh").json()["meeting"]
    assert (detail["organization"], detail["timeZone"]) == ("Demo Shanghai", "Asia/Shanghai")
    page = api.control("GET", "/").text
    assert "<td>Demo</td><td>Demo Shanghai</td><td>demo-user</td>" in page
    assert "<td>2023-06-28 04:00 UTC (12:00 Asia/Shanghai)</td>" in page
    assert "<td>2023-06-28 04:00 UTC</td>" in page  # the fixture's meeting, seeded without a zone


def test_a_local_time_on_another_day_shows_its_date(api):
    meeting = {
        "creatorUnionId": "u",
        "title": "Early",
        "startTime": START,
        "endTime": END,
        "timeZone": "America/Los_Angeles",
    }

    api.control("POST", "/meetings", json=meeting)

    assert "<td>2023-06-28 04:00 UTC (2023-06-27 21:00 America/Los_Angeles)</td>" in api.control("GET", "/").text


def test_seeding_takes_times_without_an_offset_in_the_time_zone_given(api, sandbox):
    # As the page's form sends them: datetime-local inputs have no offset.
    local = {"timeZone": "Asia/Shanghai", "startTime": "2023-06-28T12:00", "endTime": "2023-06-28T13:00"}

    api.control("POST", "/meetings", json={"scheduleConferenceId": "sh", "creatorUnionId": "u", "title": "t", **local})

    seeded = sandbox.state.get_meeting("sh")
    assert (seeded.start_time, seeded.end_time, seeded.time_zone) == (START, END, "Asia/Shanghai")


def test_it_rejects_a_meeting_in_an_unknown_time_zone(api, sandbox):
    meeting = {"creatorUnionId": "u", "title": "Nowhere", "startTime": START, "endTime": END, "timeZone": "Mars/Base"}

    response = api.control("POST", "/meetings", json=meeting)

    assert response.status_code == 400
    assert "timeZone" in response.json()["error"]
    assert [m.title for m in sandbox.state.meetings()] == ["Weekly sync"]


def test_seeding_upserts_an_existing_meeting(api, sandbox):
    sandbox.state.upsert_meeting(
        schedule_conference_id=MEETING_ID, creator_union_id=CREATOR, title="Replaced", start_time=1, end_time=2
    )

    assert api.query().json()["title"] == "Replaced"
    assert len(sandbox.state.meetings()) == 1


def test_reset_forgets_meetings_faults_log_and_issued_tokens_but_keeps_static_tokens(api, sandbox):
    issued = api.token().json()["accessToken"]
    sandbox.state.arm_fault("systemError", api="cancel")

    assert api.control("POST", "/reset").status_code == 200

    assert sandbox.state.meetings() == []
    assert sandbox.state.faults() == []
    assert sandbox.state.requests() == []
    assert_error(api.query(token=issued), 400, "InvalidAuthentication")
    assert_error(api.query(token=TOKEN), 400, "paramsError")  # static token still valid


def test_the_clock_and_tokens_can_be_driven_over_http(api):
    assert api.control("POST", "/tokens", json={"token": "remote", "expiresIn": 30}).status_code == 201
    assert api.query(token="remote").status_code == 200

    assert api.control("POST", "/clock", json={"advance": 31}).status_code == 200

    assert_error(api.query(token="remote"), 400, "InvalidAuthentication")


def test_apps_can_be_added_over_http(api):
    response = api.control("POST", "/apps", json={"appKey": "reader", "appSecret": "s", "scopes": [READ_SCOPE]})

    assert response.status_code == 201
    token = api.token("reader", "s").json()["accessToken"]
    assert api.query(token=token).status_code == 200
    assert api.update(token=token).status_code == 403


def test_the_control_page_escapes_a_hostile_meeting_title(api, sandbox):
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>\"&"
    sandbox.state.upsert_meeting(
        schedule_conference_id='"><b>id</b>', creator_union_id="<i>u</i>", title=hostile, start_time=START, end_time=END
    )
    api.call("GET", "/v1.0/<script>/x")  # shows up in the recent-calls table

    response = api.control("GET", "/")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&amp;" in page
    assert "<script" not in page
    assert "<img" not in page
    assert "<b>id</b>" not in page
    assert "<i>u</i>" not in page
    assert "style=" not in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_control_page_has_a_button_to_fail_the_next_update_with_each_fault(api):
    page = api.control("GET", "/").text

    for fault in FAULTS:
        assert f'<input type="hidden" name="fault" value="{fault}">' in page
