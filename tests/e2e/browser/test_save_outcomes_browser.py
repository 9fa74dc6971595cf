"""A save whose outcome is not known, in Chromium (issue 22): one message, which takes the focus, says what
happened in words of its own for each cause and the wait in seconds (never a clock time), keeps the wait
current in place; the check's answer follows on the same page, and "not saved" brings back what was typed,
with Try again."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from meetings import texts
from meetings.models import Meeting, MeetingChange

from ..helpers import RETRIED, in_dingtalk, wait_for_replies, wait_is_over
from .helpers import FIXED, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TYPED_START = "2027-03-15 10:30"
TYPED_END = "2027-03-15 11:30"
# A clock time with seconds, as the messages once said the wait ("until 07:38:50 (Europe/Berlin)").
CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}:\d{2}")
# A bound for a busy machine, not a margin: each wait ends at its event.
BOUND = 60_000


@pytest.fixture
def quick_check(settings):
    """A 1 s read timeout: a save whose answer is lost is checked 2 x 1 + 2 = 4 s later."""
    settings.DINGTALK_READ_TIMEOUT = 1.0


def save_typed(page, office_admin):
    """Olga opens the meeting, types a new title and times, and saves."""
    log_in(page, office_admin.username)
    page.get_by_role("link", name="Design reveiw").click()
    page.get_by_label("Title").fill(FIXED)
    page.get_by_label("Start").fill(TYPED_START)
    page.get_by_label("End").fill(TYPED_END)
    page.get_by_role("button", name="Save to DingTalk").click()
    page.wait_for_selector("#outcome")


def assert_one_focused_message_with_a_wait(page, sentence):
    """The page's one message says `sentence`, then the wait in seconds; it has the focus; no clock time."""
    outcome = page.locator("#outcome")
    text = " ".join(outcome.inner_text().split())
    assert text.startswith(str(sentence)), text
    wait = re.escape(str(texts.WAIT_FOR_CHECK)).replace(re.escape("%(wait)s"), r"\d+ seconds?")
    assert re.search(wait, text), text
    assert not CLOCK_TIME.search(text), text
    assert page.locator(".message").count() == 1  # no banner and a box saying the same
    assert page.locator(".pending-check").count() == 0
    page.wait_for_function("document.activeElement && document.activeElement.id === 'outcome'")
    assert outcome.get_attribute("role") == "alert"


def assert_not_saved_with_the_typed_values_back(page, sandbox, meeting):
    """The check's answer: not saved, DingTalk's values named, what was typed back in the form, Try again."""
    expected = texts.CHECKED_YOURS_NOT_SAVED % {
        "title": "Design reveiw",
        "start": "2027-03-15 10:00",
        "end": "2027-03-15 11:00",
        "time_zone": "Berlin time (UTC+1)",
    }
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text(expected, timeout=BOUND)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'outcome'")
    assert page.get_by_label("Title").input_value() == FIXED
    assert page.get_by_label("Start").input_value() == TYPED_START
    assert page.get_by_label("End").input_value() == TYPED_END
    assert page.locator(".message").count() == 1
    # Try again sends what was typed, and saves it.
    outcome.get_by_role("button", name=str(texts.NEXT_TRY_AGAIN)).click()
    saved = texts.MEETING_UPDATED % {
        "title": FIXED,
        "start": TYPED_START,
        "end": TYPED_END,
        "time_zone": "Berlin time (UTC+1)",
    }
    expect(page.get_by_role("status")).to_have_text(saved, timeout=BOUND)
    assert in_dingtalk(sandbox, meeting) == Meeting.objects.get(pk=meeting.pk).title == FIXED


def test_a_timeout_says_so_with_the_wait_in_seconds_kept_current_then_the_answer(
    page, sandbox, meeting, office_admin, quick_check
):
    sandbox.state.arm_fault("slow", api="update", count=1, seconds=2)  # DingTalk applies it after 2 s

    save_typed(page, office_admin)

    assert_one_focused_message_with_a_wait(page, texts.OUTCOME_UNKNOWN)
    # The wait is kept current in place (no reload): made an hour long here, the page says so by itself.
    hour = timezone.now() + datetime.timedelta(hours=1)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=hour)
    MeetingChange.objects.filter(meeting=meeting).update(check_after=hour)
    url = page.url
    expect(page.locator("#outcome-wait")).to_have_text(
        texts.WAIT_FOR_CHECK % {"wait": texts.wait_in_words(3600)}, timeout=BOUND
    )
    assert page.url == url
    # DingTalk has applied it late; the wait ends; the page says the check's answer: saved after all.
    wait_for_replies(sandbox)
    wait_is_over(meeting)
    saved = texts.CHECKED_YOURS_SAVED % {
        "title": FIXED,
        "start": TYPED_START,
        "end": TYPED_END,
        "time_zone": "Berlin time (UTC+1)",
    }
    expect(page.get_by_role("status")).to_have_text(saved, timeout=BOUND)
    assert in_dingtalk(sandbox, meeting) == FIXED


def test_dingtalks_system_error_says_so_and_a_check_that_finds_it_not_saved_brings_the_input_back(
    page, sandbox, meeting, office_admin, quick_check
):
    sandbox.state.arm_fault("systemError", api="update", count=RETRIED)  # HTTP 500: DingTalk may have acted

    save_typed(page, office_admin)

    assert_one_focused_message_with_a_wait(page, texts.OUTCOME_UNKNOWN_SYSTEM_ERROR)
    # DingTalk's request ID last, in small print.
    request_id = sandbox.state.requests("update")[-1]["requestId"]
    small = page.locator("#outcome > small.request-id")
    assert small.inner_text() == texts.REQUEST_ID_SUFFIX % {"request_id": request_id}
    assert page.locator("#outcome").evaluate("element => element.lastElementChild.className") == "request-id"
    assert_not_saved_with_the_typed_values_back(page, sandbox, meeting)


def test_a_dropped_connection_says_so_and_the_check_brings_the_input_back(
    page, sandbox, meeting, office_admin, quick_check
):
    sandbox.state.arm_fault("drop", api="update")

    save_typed(page, office_admin)

    assert_one_focused_message_with_a_wait(page, texts.OUTCOME_UNKNOWN_DROPPED)
    assert_not_saved_with_the_typed_values_back(page, sandbox, meeting)


def test_in_chinese_the_cause_and_the_wait_read_in_chinese(page, live_server, sandbox, meeting, office_admin, settings):
    settings.DINGTALK_READ_TIMEOUT = 30.0  # the check waits a minute: the page says so meanwhile
    sandbox.state.arm_fault("drop", api="update")
    log_in(page, office_admin.username)
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(reverse("meetings:edit", args=[meeting.pk]))
    page.locator("#id_title").fill(FIXED)
    with page.expect_navigation():
        page.locator("#meeting-form button[type=submit]").click()

    page.wait_for_function("document.activeElement && document.activeElement.id === 'outcome'")
    text = " ".join(page.locator("#outcome").inner_text().split())
    with translation.override("zh-hans"):
        dropped = str(texts.OUTCOME_UNKNOWN_DROPPED)
        wait = re.escape(str(texts.WAIT_FOR_CHECK)).replace(re.escape("%(wait)s"), r"\d+ 秒")
    assert text.startswith(dropped), text
    assert re.search(wait, text), text  # "门户将在约 60 秒后向钉钉核实……"
    assert not CLOCK_TIME.search(text)
    assert page.locator("#id_title").input_value() == FIXED
