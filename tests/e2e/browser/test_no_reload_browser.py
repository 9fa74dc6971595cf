"""No page reloads itself, in Chromium: a running import and a save being checked with DingTalk ask their JSON
endpoint and update in place, announced through a live region; without JavaScript a plain link does it.
(A running bulk rename: tests/e2e/browser/test_bulk_rename_browser.py. No page of the portal has a meta
refresh: tests/e2e/browser/test_every_page.py looks on each.)"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import texts
from meetings.models import Meeting, MeetingChange, MeetingImport, MeetingImportLine

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

META_REFRESH = 'meta[http-equiv="refresh" i]'


@pytest.fixture
def running_import(organization, office_admin):
    meeting_import = MeetingImport.objects.create(
        organization=organization, created_by=office_admin, status=MeetingImport.Status.PREVIEWING
    )
    MeetingImportLine.objects.bulk_create(
        MeetingImportLine(meeting_import=meeting_import, number=number, text=f"838722123{number}")
        for number in range(1, 4)
    )
    return meeting_import


@pytest.fixture
def checking(meeting, office_admin):
    """A save whose answer was lost, checked with DingTalk in a few seconds."""
    until = timezone.now() + datetime.timedelta(seconds=8)  # past the log-in on a busy machine
    change = MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=office_admin,
        outcome=MeetingChange.Outcome.UNKNOWN,
        old_title=meeting.title,
        new_title="Design review (final)",
        dingtalk_code="DingTalkTimeout",
        check_after=until,
        message="DingTalk did not answer in time.",
    )
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=until)
    return change


def test_a_running_import_updates_in_place_and_says_so(page, sandbox, running_import, office_admin):
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:import_detail", args=[running_import.pk]))
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    assert page.locator(META_REFRESH).count() == 0
    assert not page.get_by_role("link", name="Show the progress now").is_visible()  # the script keeps it current
    assert "0 of 3 lines checked" in page.locator("#import-status-line").inner_text()

    # The job checks the lines (here: the test, as the worker would).
    MeetingImportLine.objects.filter(meeting_import=running_import).update(checked=True)
    MeetingImport.objects.filter(pk=running_import.pk).update(status=MeetingImport.Status.PREVIEWED)

    page.get_by_role("button", name="Add 3 meetings").wait_for()
    assert "3 of 3 lines can be added" in page.locator("#import-status-line").inner_text()
    live = page.locator("[data-poll-live]")
    assert live.get_attribute("role") == "status" and live.get_attribute("aria-live") == "polite"
    page.wait_for_function("document.querySelector('[data-poll-live]').textContent.includes('3 of 3 lines')")
    assert loads == []


def test_a_running_import_without_javascript_offers_a_link(
    chromium, live_server, sandbox, running_import, office_admin
):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, office_admin.username)
        page.goto(reverse("meetings:import_detail", args=[running_import.pk]))
        assert page.locator(META_REFRESH).count() == 0
        MeetingImportLine.objects.filter(meeting_import=running_import).update(checked=True)
        MeetingImport.objects.filter(pk=running_import.pk).update(status=MeetingImport.Status.PREVIEWED)
        page.get_by_role("link", name="Show the progress now").click()
        page.get_by_role("button", name="Add 3 meetings").wait_for()
    finally:
        context.close()


def test_checking_with_dingtalk_waits_in_place_then_shows_the_answer(page, sandbox, meeting, checking, office_admin):
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:edit", args=[meeting.pk]))
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    section = page.get_by_role("region", name="Checking with DingTalk")
    assert section.get_by_role("status").inner_text().startswith(str(texts.CHECKING_WITH_DINGTALK).split("%")[0])
    assert not section.get_by_role("link", name="Check again now").is_visible()
    assert page.locator(META_REFRESH).count() == 0

    # Once DingTalk has been read, the page goes on to the answer: one page load, not one every few seconds.
    page.wait_for_url(lambda url: f"checked={checking.pk}" in url, timeout=60_000)
    page.wait_for_load_state()
    assert page.get_by_role("region", name="Checking with DingTalk").count() == 0
    assert len(loads) == 1, loads


def test_checking_without_javascript_offers_a_link(chromium, live_server, sandbox, meeting, checking, office_admin):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, office_admin.username)
        page.goto(reverse("meetings:edit", args=[meeting.pk]))
        assert page.locator(META_REFRESH).count() == 0
        link = page.get_by_role("region", name="Checking with DingTalk").get_by_role("link", name="Check again now")
        assert link.is_visible()
        assert link.get_attribute("href") == f"?checked={checking.pk}"
    finally:
        context.close()
