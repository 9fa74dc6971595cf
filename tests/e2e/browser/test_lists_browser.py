"""The lists in Chromium: upcoming meetings soonest first, past and canceled ones apart; the search box has the
cursor; a number nobody has leads to adding it; History's Restore is on a phone's screen; bulk rename's results
name each meeting by title and number."""

import datetime

import pytest
from django.urls import reverse

from meetings.models import BulkRename, BulkRenameItem, Meeting, MeetingChange
from tests.e2e.helpers import book
from tests.helpers import grant

from .helpers import log_in, press_and_wait_for_the_next_page

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def titles(page):
    return page.locator("table tbody td.row-title a").all_inner_texts()


def test_upcoming_meetings_come_soonest_first_and_past_and_canceled_ones_apart(
    page, sandbox, organization, office_admin
):
    def on(day, title):  # tests/conftest.py's clock says it is 2023-01-01
        return book(
            sandbox, organization, title=title, starts_at=datetime.datetime(*day, 9, 0, tzinfo=organization.zone)
        )

    on((2027, 5, 1), "May")
    on((2027, 1, 10), "January")
    on((2022, 6, 1), "Last June")
    canceled = on((2027, 2, 1), "Called off")
    Meeting.objects.filter(pk=canceled.pk).update(status=Meeting.Status.CANCELED)
    on((2027, 3, 1), "March")

    log_in(page, office_admin.username)
    page.wait_for_function("document.activeElement.id === 'id_q'")  # the search box has the cursor
    assert titles(page) == ["January", "March", "May"]
    tabs = page.get_by_role("navigation", name="Which meetings")
    assert tabs.get_by_role("link", name="Upcoming").get_attribute("aria-current") == "page"

    tabs.get_by_role("link", name="Past").click()
    page.wait_for_url(lambda url: "show=past" in url)
    assert titles(page) == ["Last June"]
    page.get_by_role("navigation", name="Which meetings").get_by_role("link", name="Canceled").click()
    page.wait_for_url(lambda url: "show=canceled" in url)
    assert titles(page) == ["Called off"]


def test_a_number_nobody_has_offers_adding_the_meeting_by_it(page, sandbox, organization, office_admin):
    log_in(page, office_admin.username)
    page.wait_for_function("document.activeElement.id === 'id_q'")
    page.keyboard.type("838 722 1235")
    press_and_wait_for_the_next_page(page, "Enter")

    assert page.get_by_text("No meeting matches your search.").is_visible()
    page.get_by_role("link", name="Add the meeting 838 722 1235 by its number").click()
    page.wait_for_url(lambda url: reverse("meetings:add") in url)
    assert page.get_by_label("Meeting number").input_value() == "8387221235"  # its digits, typed in already


def test_restore_is_on_a_phones_screen(chromium, live_server, sandbox, meeting, office_admin):
    MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=office_admin,
        outcome=MeetingChange.Outcome.SUCCESS,
        old_title="Design reveiw",
        new_title="Design review, the long version of its title for a phone",
        old_starts_at=meeting.starts_at,
        new_starts_at=meeting.starts_at,
        old_ends_at=meeting.ends_at,
        new_ends_at=meeting.ends_at,
        message="Saved.",
    )
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 360, "height": 800})
    page = context.new_page()
    try:
        log_in(page, office_admin.username)
        page.goto(reverse("meetings:history", args=[meeting.pk]))
        restore = page.get_by_role("link", name="Restore these values").first
        box = restore.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
        width, screen = page.evaluate(PAGE_WIDTH)
        assert width <= screen
        restore.click()
        page.wait_for_url(lambda url: "restore=" in url)
        assert page.get_by_label("Title").input_value() == "Design reveiw"
    finally:
        context.close()


def test_bulk_rename_results_name_each_meeting_by_title_and_number(page, sandbox, meeting, office_admin):
    grant(office_admin, "bulk_rename_meetings")
    Meeting.objects.filter(pk=meeting.pk).update(meeting_number="8387221234")
    job = BulkRename.objects.create(created_by=office_admin, find="reveiw", replace="review", status="done")
    BulkRenameItem.objects.create(
        job=job, meeting=meeting, old_title="Design reveiw", new_title="Design review", state="renamed"
    )
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:bulk_rename_job", args=[job.pk]))

    row = page.locator("#results tbody tr").first
    assert row.get_by_role("link").inner_text() == "Design review"
    assert "838 722 1234" in row.locator("td.row-title").inner_text()
    assert str(meeting.pk) not in row.inner_text().replace("838 722 1234", "")
