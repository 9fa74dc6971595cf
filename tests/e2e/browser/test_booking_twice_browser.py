"""The booking form sent twice from the browser while DingTalk still holds the first booking (a second click
that got through, Back and submit): one meeting is booked, and the second page says it is being booked, then
shows that meeting."""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings import texts
from meetings.models import Meeting

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TYPED = {"Title": "Quarterly planning", "Start": "2027-04-01 09:00", "End": "2027-04-01 10:30"}


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def fill_booking(page, organization, token: str | None = None) -> None:
    page.goto(reverse("meetings:create"))
    page.get_by_label("Organization").select_option(label=organization.name)
    for label, value in TYPED.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Creator union ID").fill("planner-7")
    if token is not None:  # the same form as the first tab's: its token too
        page.locator("input[name=submission]").evaluate("(input, token) => { input.value = token; }", token)


def test_the_same_booking_sent_twice_books_one_meeting(page, sandbox, organization, office_admin, settings):
    settings.DINGTALK_READ_TIMEOUT = 15  # DingTalk answers slowly, but in time
    sandbox.state.arm_fault("slow", api="create", count=1, seconds=4)
    log_in(page, office_admin.username)
    fill_booking(page, organization)
    token = page.locator("input[name=submission]").input_value()
    second = page.context.new_page()  # the same person, the same form, sent again
    fill_booking(second, organization, token=token)

    page.get_by_role("button", name="Book in DingTalk").click(no_wait_after=True)
    wait_until(lambda: len(sandbox.state.requests("create")) == 1)  # the first booking is with DingTalk
    second.get_by_role("button", name="Book in DingTalk").click()

    expect(second.get_by_role("status")).to_have_text(re.compile(re.escape(str(texts.CREATE_BEING_BOOKED))))
    meeting_page = re.compile(r"/meetings/\d+/edit/$")
    for tab in (page, second):  # the second tab asks (poll.js) until DingTalk has answered, then goes on
        expect(tab).to_have_url(meeting_page, timeout=60_000)
        expect(tab.get_by_role("status")).to_contain_text("Booked “Quarterly planning”", timeout=60_000)
    assert second.locator('meta[http-equiv="refresh" i]').count() == 0
    assert len(sandbox.state.requests("create")) == 1  # DingTalk got one booking
    assert Meeting.objects.get().title == "Quarterly planning"
