"""Dates and times in Chromium, whatever the browser's language: shown and typed as 24-hour YYYY-MM-DD HH:MM,
one Tab stop per date (not one per day, month, year, hour...), and the `YYYY-MM-DDTHH:MM` a script or an
older page posts still taken."""

import datetime

import pytest
from django.urls import reverse

from meetings.models import Meeting
from tests.e2e.helpers import PASSWORD
from tests.helpers import grant

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# The element that has the focus, by its id (or its text, for a button).
FOCUSED = "() => document.activeElement.id || document.activeElement.textContent.trim()"


@pytest.fixture(params=["en-US", "zh-CN", "de-DE"])
def browser_page(request, chromium, live_server):
    """A browser set to a language whose own date format differs (mm/dd/yyyy, yyyy/mm/dd, dd.mm.yyyy)."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1100, "height": 760}, locale=request.param
    )
    # The portal in English: the words are not the point here, the browser's own formats are.
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def log_in(page, user):
    page.goto(reverse("login"))
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")


def tab_stops(page, count):
    """Where the focus is after each of `count` presses of Tab: every press counted, none merged."""
    stops = []
    for _ in range(count):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
    return stops


def test_the_edit_form_shows_and_takes_24_hour_iso_times_one_tab_stop_each(
    browser_page, sandbox, meeting, office_admin
):
    page = browser_page
    log_in(page, office_admin)
    page.goto(reverse("meetings:edit", args=[meeting.pk]))

    start, end = page.locator("#id_start_time"), page.locator("#id_end_time")
    assert start.input_value() == "2027-03-15 10:00"  # Berlin's wall clock, as the portal shows it everywhere
    assert end.input_value() == "2027-03-15 11:00"
    assert start.evaluate("input => input.type") == "text"  # not the browser's own (localized, segmented) picker
    page.wait_for_function("document.activeElement.id === 'id_title'")
    assert tab_stops(page, 3) == ["id_start_time", "id_end_time", "Save to DingTalk"]

    # Typed as a phone's number pad types it: digits only.
    start.fill("202703151430")
    end.fill("2027-03-15T15:30")  # what a datetime-local input (a script, an older page) posts
    with page.expect_navigation():
        page.get_by_role("button", name="Save to DingTalk").click()

    assert page.locator(".message-success").count() == 1
    assert page.locator("#id_start_time").input_value() == "2027-03-15 14:30"
    assert page.locator("#id_end_time").input_value() == "2027-03-15 15:30"
    stored = Meeting.objects.get(pk=meeting.pk)
    assert stored.starts_at == datetime.datetime(2027, 3, 15, 14, 30, tzinfo=meeting.organization.zone)
    assert stored.ends_at == datetime.datetime(2027, 3, 15, 15, 30, tzinfo=meeting.organization.zone)


def test_the_filters_take_a_day_as_yyyy_mm_dd_one_tab_stop_each(browser_page, sandbox, meeting, office_admin):
    """Activity's and bulk rename's "from" and "to" days: the same format as every other date."""
    grant(office_admin, "view_activity", "bulk_rename_meetings")
    page = browser_page
    log_in(page, office_admin)
    for url, after_to in [
        (reverse("meetings:activity"), "Filter"),
        (reverse("meetings:bulk_rename") + "?find=Design&replace=Product", "Preview"),
    ]:
        page.goto(url)
        date_from = page.locator("#id_date_from")
        assert date_from.evaluate("input => input.type") == "text", url
        date_from.focus()
        assert tab_stops(page, 2) == ["id_date_to", after_to], url
        date_from.fill("2027-03-01")
        page.locator("#id_date_to").fill("2027-03-31")
        with page.expect_navigation():
            page.get_by_role("button", name=after_to).click()
        assert page.locator("#id_date_from").input_value() == "2027-03-01", url
        assert page.locator(".error-summary").count() == 0, url
