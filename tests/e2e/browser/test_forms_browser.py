"""With a keyboard and a screen reader: a form with errors takes the focus to its summary, whose links take it
to each field; logging out says so."""

import pytest
from django.urls import reverse

from meetings import texts

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

FOCUSED_ID = "() => document.activeElement.id || document.activeElement.className"


def test_the_error_summary_takes_the_focus_and_leads_to_each_field(page, sandbox, meeting, office_admin):
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:edit", args=[meeting.pk]))
    assert page.evaluate(FOCUSED_ID) == "id_title"

    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.get_by_label("End").fill("2027-03-15T09:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Save to DingTalk").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    assert page.evaluate(FOCUSED_ID) == "error-summary"
    # Each names its field: the error alone ("This field is required.") would not say which.
    assert summary.get_by_role("link").all_inner_texts() == [
        f"Title: {texts.TITLE_REQUIRED}",
        f"End: {texts.END_NOT_AFTER_START}",
    ]
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the second link
    assert page.evaluate(FOCUSED_ID) == "id_end_time"


def test_logging_out_says_so(page, sandbox, meeting, office_admin):
    log_in(page, office_admin.username)

    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()

    assert page.get_by_role("status").inner_text() == texts.LOGGED_OUT
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
