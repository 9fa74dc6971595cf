"""Import and add by meeting number over real HTTP, against the sandbox, with a real `db_worker` process."""

import datetime
import time

import pytest

from meetings import dingtalk
from meetings.models import Meeting, MeetingImport

from .helpers import CREATOR

pytestmark = pytest.mark.e2e

NUMBER = "8387221234"
START = datetime.datetime(2027, 3, 15, 9, 0, tzinfo=datetime.UTC)


def seed(sandbox, conference_id, *, room_code, title, creator=CREATOR, **fields):
    sandbox.state.upsert_meeting(
        schedule_conference_id=conference_id,
        creator_union_id=creator,
        title=title,
        room_code=room_code,
        start_time=dingtalk.epoch_ms(START),
        end_time=dingtalk.epoch_ms(START + datetime.timedelta(hours=1)),
        **fields,
    )


def wait_for_status(portal, path, status, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = portal.session.get(portal.base_url + path, timeout=30).text
        if f"badge-import-{status}" in text:
            return text
        assert "badge-import-failed" not in text
        time.sleep(0.3)
    raise AssertionError(f"the import never reached {status}")


def test_an_import_previews_then_adds_in_the_worker(portal, sandbox, organization, task_worker):
    seed(sandbox, "conf-weekly", room_code=NUMBER, title="Weekly standup", occurrences=3, creator_nick="Wang Fang")
    seed(sandbox, "conf-ids", room_code="5550001111", title="Budget", creator="union-budget")
    seed(sandbox, "conf-one", room_code="7770001111", title="Room A", creator="x")
    seed(sandbox, "conf-two", room_code="7770001111", title="Room B", creator="y")
    seed(sandbox, "conf-other", room_code="9990001111", title="Hidden creator", creator_id="staff-9")
    lines = "# from the helpdesk\n838 722 1234\nconf-ids,union-budget\n777 000 1111\n999-000-1111\n123 123 123\n"

    form = portal.get("/meetings/import/")
    page = portal.submit(form, {"organization": str(organization.pk), "lines": lines}, action="")

    meeting_import = MeetingImport.objects.get()
    assert page.url.endswith(f"/meetings/import/{meeting_import.pk}/")
    preview = wait_for_status(portal, f"/meetings/import/{meeting_import.pk}/", "previewed")
    assert "Weekly standup" in preview and "Budget" in preview and "Wang Fang" in preview
    assert "2 of 5 lines can be added" in preview
    assert not Meeting.objects.exists()

    page = portal.submit(portal.get(f"/meetings/import/{meeting_import.pk}/"), {"confirm": "1"}, action="")
    done = wait_for_status(portal, f"/meetings/import/{meeting_import.pk}/", "done")

    assert "5 of 5 lines done: 2 added, 3 not added" in done
    added = {m.schedule_conference_id: m for m in Meeting.objects.all()}
    assert set(added) == {"conf-weekly", "conf-ids"}
    assert (added["conf-weekly"].meeting_number, added["conf-weekly"].creator_union_id) == (NUMBER, CREATOR)
    queries = sandbox.state.requests("query")
    assert {(q["path"].split("/")[4], q["query"]["requestUnionId"]) for q in queries} >= {
        ("conf-weekly", CREATOR),
        ("conf-ids", "union-budget"),
        ("conf-other", "staff-9"),
    }
    assert all(entry["status"] == 200 for entry in sandbox.state.requests("room_code"))


def test_a_throttled_import_waits_and_goes_on(portal, sandbox, organization, task_worker):
    seed(sandbox, "conf-q", room_code=NUMBER, title="Throttled")
    sandbox.state.arm_fault("qpsLimit", api="room_code", count=dingtalk.MAX_ATTEMPTS)

    form = portal.get("/meetings/import/")
    portal.submit(form, {"organization": str(organization.pk), "lines": NUMBER}, action="")

    preview = wait_for_status(portal, f"/meetings/import/{MeetingImport.objects.get().pk}/", "previewed")
    assert "1 of 1 lines can be added" in preview
    statuses = [entry["status"] for entry in sandbox.state.requests("room_code")]
    assert statuses == [403] * dingtalk.MAX_ATTEMPTS + [200]


def test_add_by_number_with_several_meetings_and_a_refused_creator(portal, sandbox, organization):
    seed(sandbox, "conf-a", room_code=NUMBER, title="Design review", creator_id="staff-a", creator_nick="Li Lei")
    seed(sandbox, "conf-b", room_code=NUMBER, title="Budget", creator="union-b")

    form = portal.get("/meetings/add/")
    page = portal.submit(
        form, {"organization": str(organization.pk), "meeting_number": "会议号：838 722 1234"}, action=""
    )
    assert not Meeting.objects.exists()
    assert (
        "info",
        "Several booked meetings use the number 838 722 1234. Choose the one you mean; nothing is added until you do.",
    ) in page.messages

    page = portal.submit(
        page,
        {"organization": str(organization.pk), "meeting_number": NUMBER, "schedule_conference_id": "conf-a"},
        action="",
    )
    assert any("did not accept “staff-a”" in error for error in page.errors)
    assert not Meeting.objects.exists()

    page = portal.submit(
        page, {"organization": str(organization.pk), "meeting_number": NUMBER, "creator_union_id": CREATOR}, action=""
    )
    meeting = Meeting.objects.get()
    assert (meeting.schedule_conference_id, meeting.creator_union_id, meeting.title) == (
        "conf-a",
        CREATOR,
        "Design review",
    )
    assert page.url.endswith(f"/meetings/{meeting.pk}/edit/")
