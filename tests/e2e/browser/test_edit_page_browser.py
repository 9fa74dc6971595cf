"""The edit page in Chromium, as a person reads it: the title, the times in the organization's zone, the meeting
number and the join link once each (with Copy), the other actions grouped with Cancel meeting styled as the
destructive one, DingTalk's IDs behind "Details" in plain words, and Remove asking first."""

import pytest
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting
from tests.helpers import grant

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NUMBER, GROUPED = "8387221234", "838 722 1234"
JOIN_URL = f"https://meeting.dingtalk.com/j/{NUMBER}"
# Red wins over green and blue in the button's background: the colour of a destructive action.
REDDISH = """(element) => {
  const [r, g, b] = getComputedStyle(element).backgroundColor.match(/\\d+/g).map(Number);
  return r > 150 && r > 2 * g && r > 2 * b;
}"""


@pytest.fixture
def numbered(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(meeting_number=NUMBER, join_url=JOIN_URL)
    return meeting


def test_the_edit_page_holds_what_a_person_needs_once(page, sandbox, numbered, office_admin):
    grant(office_admin, "cancel_meeting", "change_meeting_settings")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:edit", args=[numbered.pk]))

    assert page.get_by_role("heading", level=1).inner_text() == "Design reveiw"
    # The times in Berlin, and the form says so in words.
    times = page.get_by_role("group", name=f"Times in {texts.zone_name('Europe/Berlin', numbered.starts_at)}")
    assert times.get_by_label("Start").input_value() == "2027-03-15 10:00"
    assert times.get_by_label("End").input_value() == "2027-03-15 11:00"

    # The meeting number and the join link once each, as text with Copy: no second copy in read-only boxes.
    text = page.locator("main").inner_text()
    assert text.count(GROUPED) == 1 and NUMBER not in text
    assert page.locator(f'main a[href="{JOIN_URL}"]').count() == 1
    assert page.locator(f'main input[value="{NUMBER}"], main input[value="{JOIN_URL}"]').count() == 0
    page.get_by_role("button", name=f"Copy the meeting number {GROUPED}").click()
    assert page.evaluate("navigator.clipboard.readText()") == NUMBER
    page.get_by_role("button", name="Copy the join link").click()
    assert page.evaluate("navigator.clipboard.readText()") == JOIN_URL

    # The other actions in one group below the form, the destructive one last and red.
    actions = page.get_by_role("region", name="More actions").get_by_role("link")
    assert actions.all_inner_texts() == [
        "History",
        "Settings",
        "Change creator",
        "Remove from the portal",
        "Cancel meeting",
    ]
    assert actions.last.evaluate(REDDISH)
    assert not actions.first.evaluate(REDDISH)

    # Developers' words nowhere in sight; DingTalk's IDs behind Details, named plainly.
    for word in ("Conference ID", "Creator union ID", "unionId", "Stored start", numbered.schedule_conference_id):
        assert word not in text, word
    details = page.locator("details.details")
    assert not details.get_by_text(numbered.schedule_conference_id).is_visible()
    details.get_by_text("Details", exact=True).click()
    assert details.get_by_text(numbered.schedule_conference_id).is_visible()
    assert "DingTalk's ID for this meeting" in details.inner_text()


def test_remove_asks_first(page, sandbox, numbered, office_admin):
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:edit", args=[numbered.pk]))

    page.get_by_role("link", name="Remove from the portal").click()
    page.wait_for_url(lambda url: url.endswith(reverse("meetings:remove", args=[numbered.pk])))
    assert page.get_by_role("heading", level=1).inner_text() == "Remove “Design reveiw” from the portal?"
    assert Meeting.objects.get(pk=numbered.pk).removed_at is None  # the click only asked
    page.get_by_role("link", name="Keep it").click()
    page.wait_for_url(lambda url: url.endswith(reverse("meetings:edit", args=[numbered.pk])))
    assert Meeting.objects.get(pk=numbered.pk).removed_at is None

    page.get_by_role("link", name="Remove from the portal").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Remove from the portal").click()
    assert Meeting.objects.get(pk=numbered.pk).removed_at is not None
