"""A person in Chromium renames a series: preview (one meeting left out), confirm, watch the progress page
update in place (no reload) while a real `manage.py db_worker` renames each meeting in the sandbox, read the
results by title."""

import datetime
import re

import pytest
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting
from tests.e2e.helpers import book
from tests.helpers import grant

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_a_bulk_rename_from_preview_to_results(page, sandbox, organization, office_admin, task_worker):
    grant(office_admin, "bulk_rename_meetings")
    first = datetime.datetime(2027, 3, 15, 10, 0, tzinfo=organization.zone)
    renamed = [
        book(sandbox, organization, title=f"Design sync {number}", starts_at=first + datetime.timedelta(days=number))
        for number in range(3)
    ]
    canceled = book(sandbox, organization, title="Design sync canceled", starts_at=first)
    Meeting.objects.filter(pk=canceled.pk).update(status=Meeting.Status.CANCELED)

    log_in(page, office_admin.username)
    page.get_by_role("link", name="Bulk rename").click()
    page.get_by_label("Find").fill("Design")
    page.get_by_label("Replace with").fill("Product")
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#preview tbody tr")
    assert preview.count() == 4
    left_out = page.locator("#preview tr.left-out")
    assert left_out.count() == 1
    assert str(texts.BULK_CANCELED) in left_out.inner_text()
    page.get_by_role("button", name="Rename 3 meetings in DingTalk").click()

    page.wait_for_url(re.compile(r"/meetings/bulk-rename/\d+/$"))
    assert page.locator(".messages [role=status]").inner_text() == texts.BULK_STARTED % {"count": 3}
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    # The page asks for its progress and puts it in place until every meeting is done; it never reloads.
    page.locator("#results tr.item-renamed").nth(2).wait_for(timeout=60_000)
    page.locator("#progress dd.left", has_text="0").wait_for()
    assert page.locator("#progress dd.done").inner_text() == "3"
    assert page.locator("#progress dd.failed").inner_text() == "0"
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    assert loads == []
    # Announced through the live region.
    page.locator("[data-poll-live]", has_text="Done: 3, failed: 0, left: 0.").wait_for()

    for meeting in renamed:
        link = page.locator(f'#results a[href="{reverse("meetings:edit", args=[meeting.pk])}"]')
        assert link.inner_text() == meeting.title.replace("Design", "Product")  # by title, not by an ID
        assert sandbox.state.get_meeting(meeting.schedule_conference_id).title == meeting.title.replace(
            "Design", "Product"
        )
        assert Meeting.objects.get(pk=meeting.pk).title == meeting.title.replace("Design", "Product")
    assert sandbox.state.get_meeting(canceled.schedule_conference_id).title == "Design sync canceled"
