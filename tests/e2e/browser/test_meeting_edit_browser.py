"""A person in Chromium: log in, open a meeting, fix a typo, save; meet an error with the input still there;
and all of it again with the keyboard only.

Screenshots go to a temporary directory, to look at when a test fails. The README's come from the demo
people see (scripts/readme_screenshots.py), not from these fixtures.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings import texts
from meetings.models import Meeting
from tests.e2e.helpers import PASSWORD

from .helpers import FIXED, log_in, press_and_wait_for_the_next_page, tab_until, wait_for_path

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SAVED = texts.MEETING_UPDATED % {
    "title": FIXED,
    "start": "2027-03-15 10:00",
    "end": "2027-03-15 11:00",
    "time_zone": "Berlin time (UTC+1)",
}


@pytest.fixture
def screenshots(tmp_path):
    return tmp_path


def said(element):
    """What a message says, as one line (its request ID is a line of its own, in small print)."""
    return " ".join(element.inner_text().split())


def refusal_sentence(sandbox, organization):
    request_id = sandbox.state.requests("update")[-1]["requestId"]
    text = texts.PARAMS_ERROR % {"detail": "sandbox injected fault"}
    return f"{text} {texts.REQUEST_ID_SUFFIX % {'request_id': request_id}}"


def test_it_fixes_a_typo_and_says_it_is_saved(page, sandbox, meeting, office_admin, screenshots):
    log_in(page, office_admin.username)
    page.get_by_role("link", name="Design reveiw").click()
    page.get_by_label("Title").fill(FIXED)
    page.get_by_role("button", name="Save to DingTalk").click()

    assert page.get_by_role("status").inner_text() == SAVED
    assert page.get_by_label("Title").input_value() == FIXED
    page.screenshot(path=screenshots / "edit.png", full_page=True)
    assert sandbox.state.requests("update")[-1]["body"]["title"] == FIXED
    assert Meeting.objects.get(pk=meeting.pk).title == FIXED


def test_it_shows_dingtalks_error_with_the_typed_input_still_there(page, sandbox, meeting, office_admin, screenshots):
    sandbox.state.arm_fault("paramsError", api="update")
    log_in(page, office_admin.username)
    page.get_by_role("link", name="Design reveiw").click()
    page.get_by_label("Title").fill(FIXED)
    page.get_by_label("Start").fill("2027-03-15 10:30")
    page.get_by_role("button", name="Save to DingTalk").click()

    assert said(page.get_by_role("alert")) == refusal_sentence(sandbox, meeting.organization)
    assert page.get_by_label("Title").input_value() == FIXED
    assert page.get_by_label("Start").input_value() == "2027-03-15 10:30"
    page.screenshot(path=screenshots / "error.png", full_page=True)
    assert Meeting.objects.get(pk=meeting.pk).title == "Design reveiw"


def test_it_works_with_the_keyboard_only(page, sandbox, meeting, office_admin):
    page.goto("/")
    page.wait_for_function("document.activeElement.id === 'id_username'")  # the login form's autofocus
    page.keyboard.type(office_admin.username)
    assert tab_until(page, "Password") == ["Password"]
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    wait_for_path(page, reverse("meetings:list"))

    # The list opens with the cursor in its search box. The table's scroll box is a stop of its own, so a
    # keyboard scrolls it on a narrow screen.
    page.wait_for_function("document.activeElement.id === 'id_q'")
    assert tab_until(page, "Design reveiw") == [
        "Search",
        "Upcoming",
        "Past",
        "Canceled",
        "All",
        "Meetings",
        "Design reveiw",
    ]
    page.keyboard.press("Enter")
    wait_for_path(page, reverse("meetings:edit", args=[meeting.pk]))

    # The edit page opens with the cursor in the title.
    page.wait_for_function("document.activeElement.id === 'id_title'")
    page.keyboard.press("Control+A")
    page.keyboard.type(FIXED)
    assert tab_until(page, "Save to DingTalk") == ["Start", "End", "Save to DingTalk"]
    assert tab_until(page, "Back to meetings") == ["Back to meetings"]
    assert tab_until(page, "Save to DingTalk", backwards=True) == ["Save to DingTalk"]
    press_and_wait_for_the_next_page(page, "Enter")

    assert page.get_by_role("status").inner_text() == SAVED

    # An error, by keyboard too: the message is announced, the typed title stays.
    sandbox.state.arm_fault("paramsError", api="update")
    # The page after the save has the cursor in the title again.
    page.wait_for_function("document.activeElement.id === 'id_title'")
    page.keyboard.press("Control+A")
    page.keyboard.type("Design review (final)")
    press_and_wait_for_the_next_page(page, "Enter")  # Enter in a text field submits its form

    assert said(page.get_by_role("alert")) == refusal_sentence(sandbox, meeting.organization)
    assert page.get_by_label("Title").input_value() == "Design review (final)"
    assert Meeting.objects.get(pk=meeting.pk).title == FIXED


# Playwright waits for the next page before it reads this one, so the page records itself while the save
# runs: how it looks 0.3 s after the click, and whether a second submission then would be sent.
RECORD_WHILE_SAVING = """() => {
  const form = document.querySelector("form[data-saving]");
  let submissions = 0;
  form.addEventListener("submit", (event) => {
    submissions += 1;
    if (submissions > 1) {
      sessionStorage.setItem("second submission sent", String(!event.defaultPrevented));
      return;
    }
    setTimeout(() => {
      const status = document.getElementById(form.dataset.status);
      sessionStorage.setItem("while saving", JSON.stringify({
        disabled: form.querySelector("button[type=submit]").disabled,
        status: status.textContent,
        live: status.getAttribute("aria-live"),
      }));
      form.requestSubmit();
    }, 300);
  });
}"""


def test_while_a_slow_save_runs_the_button_is_disabled_and_a_status_says_so(
    page, sandbox, meeting, office_admin, settings
):
    settings.DINGTALK_READ_TIMEOUT = 15  # DingTalk answers slowly, but in time
    # Slow enough that the page's record 0.3 s after the click comes long before the answer on a busy machine.
    sandbox.state.arm_fault("slow", api="update", count=1, seconds=5)
    log_in(page, office_admin.username)
    page.get_by_role("link", name="Design reveiw").click()
    page.get_by_label("Title").fill(FIXED)
    # After the page's own scripts (deferred: they run before DOMContentLoaded), as a person's click comes:
    # on a busy machine the recorder could otherwise listen before save-status.js and see its refusal unmade.
    page.wait_for_load_state("domcontentloaded")
    page.evaluate(RECORD_WHILE_SAVING)

    page.get_by_role("button", name="Save to DingTalk").click()

    expect(page.get_by_role("status")).to_have_text(SAVED)  # the next page's message
    assert page.evaluate("JSON.parse(sessionStorage.getItem('while saving'))") == {
        "disabled": True,
        "status": texts.SAVING % {"seconds": round(settings.DINGTALK_DEADLINE)},
        "live": "polite",
    }
    assert page.evaluate("sessionStorage.getItem('second submission sent')") == "false"
    assert len(sandbox.state.requests("update")) == 1
    assert page.get_by_role("button", name="Save to DingTalk").is_enabled()
