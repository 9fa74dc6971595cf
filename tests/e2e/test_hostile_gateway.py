"""Issue 20, point 1, replayed against the sandbox: a gateway answers the update with 200, a Content-Length
of 100000 and a byte at a time, each in time for the read timeout (the sandbox's `trickle` fault; the
update itself is applied, as DingTalk acted). Before, the save read it for over a minute, past its deadline
and its lease, and a second save meanwhile lost the first one's update.

Now the save ends at the deadline and tells its person the change may have been saved and is being
checked; a colleague's save meanwhile is refused, so no update is lost; the check leaves the portal equal
to the sandbox. Timeouts, deadline and lease are shortened so the test takes seconds.
"""

import time

import pytest

from meetings import texts
from meetings.models import Meeting, MeetingChange

from .helpers import TYPED, edit_path, in_dingtalk, said_unknown, save, the_update, wait_for_replies, wait_is_over

pytestmark = pytest.mark.e2e

DEADLINE = 2.0
READ_TIMEOUT = 1.0
TRICKLE = 0.3  # seconds between two bytes: every socket read ends well inside the read timeout


@pytest.fixture
def short_bounds(settings):
    """A 2 s deadline, a 1 s read timeout, and the shortest lease the settings allow."""
    settings.DINGTALK_CONNECT_TIMEOUT = 0.5
    settings.DINGTALK_READ_TIMEOUT = READ_TIMEOUT
    settings.DINGTALK_DEADLINE = DEADLINE
    settings.DINGTALK_UPDATE_LEASE = DEADLINE + 2 * READ_TIMEOUT


def test_a_trickled_reply_ends_at_the_deadline_and_no_update_is_lost(portal, colleague, sandbox, meeting, short_bounds):
    sandbox.state.arm_fault("trickle", api="update", seconds=TRICKLE)

    started = time.monotonic()
    page = save(portal, meeting, title="Design review (trickled)")
    took = time.monotonic() - started

    assert took < 10  # about the 2 s deadline (the portal's own timeout is 30 s); before: 100000 x 0.3 s
    change = the_update(meeting)
    assert change.outcome == MeetingChange.Outcome.UNKNOWN
    assert said_unknown(page.messages, texts.OUTCOME_UNKNOWN), page.messages
    assert len(sandbox.state.requests("update")) == 1  # never sent again: the first may still land
    assert in_dingtalk(sandbox, meeting) == "Design review (trickled)"  # DingTalk did act

    # Bruno saves meanwhile: refused and sent nowhere, so he cannot overwrite what DingTalk may have.
    opened = colleague.get(edit_path(meeting))
    refused = colleague.submit(opened, {**TYPED, "title": "Design review (Bruno)"})
    assert said_unknown(refused.messages, texts.WAITING_FOR_CHECK), refused.messages
    assert len(sandbox.state.requests("update")) == 1

    # After the wait, opening the meeting checks with DingTalk: Olga's change was saved after all.
    wait_is_over(meeting)
    opened = colleague.get(edit_path(meeting))
    change.refresh_from_db()
    assert change.outcome == MeetingChange.Outcome.SUCCESS
    assert [level for level, _ in opened.messages] == ["success"]
    wait_for_replies(sandbox)
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.title, stored.update_lease_until) == (in_dingtalk(sandbox, meeting), None)
    assert opened.value("title") == "Design review (trickled)"
    history = [
        (row.user.username, row.outcome_label)
        for row in MeetingChange.objects.filter(meeting=meeting).order_by("created_at", "id")
    ]
    assert history == [
        ("olga", "Unknown → succeeded (checked with DingTalk)"),
        ("bruno", "Stopped: changed elsewhere"),
    ]


@pytest.mark.parametrize("fault", ["gzip", "oversized"])
def test_a_compressed_or_oversized_reply_is_refused_unread_and_checked(portal, sandbox, meeting, short_bounds, fault):
    sandbox.state.arm_fault(fault, api="update")

    page = save(portal, meeting, title="Design review (refused reply)")

    change = the_update(meeting)
    assert change.outcome == MeetingChange.Outcome.UNKNOWN  # refused, yet DingTalk may have acted: it did
    assert said_unknown(page.messages, texts.OUTCOME_UNKNOWN_UNREADABLE), page.messages
    wait_is_over(meeting)
    portal.get(edit_path(meeting))
    change.refresh_from_db()
    assert change.outcome == MeetingChange.Outcome.SUCCESS
    assert Meeting.objects.get(pk=meeting.pk).title == in_dingtalk(sandbox, meeting) == "Design review (refused reply)"
