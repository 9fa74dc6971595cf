"""The helpdesk's path in Chromium, keyboard only: a caller gives the meeting number, the helpdesk finds the
meeting by it, fixes the typo and saves -- in at most three page loads from the meetings list."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting
from tests.e2e.helpers import PASSWORD
from tests.helpers import grant

from .helpers import FIXED, press_and_wait_for_the_next_page, tab_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NUMBER = "8387221234"


@pytest.fixture
def helpdesk(django_user_model, organization):
    user = django_user_model.objects.create_user("hana", password=PASSWORD)
    grant(user, "view_meeting", "change_meeting")  # the Helpdesk role (groups are emptied in e2e tests)
    user.dingtalk_organizations.add(organization)
    return user


@pytest.fixture
def numbered(sandbox, meeting):
    """The meeting as the caller knows it: DingTalk shows it with the number 838 722 1234."""
    booked = sandbox.state.get_meeting(meeting.schedule_conference_id)
    sandbox.state.upsert_meeting(
        schedule_conference_id=booked.schedule_conference_id,
        creator_union_id=booked.creator_union_id,
        title=booked.title,
        start_time=booked.start_time,
        end_time=booked.end_time,
        room_code=NUMBER,
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        meeting_number=NUMBER, join_url=f"https://meeting.dingtalk.com/j/{NUMBER}"
    )
    return meeting


def test_the_helpdesk_finds_a_meeting_by_its_number_and_fixes_the_typo(page, sandbox, numbered, helpdesk):
    page.goto("/")
    page.wait_for_function("document.activeElement.id === 'id_username'")
    page.keyboard.type(helpdesk.username)
    assert tab_until(page, "Password") == ["Password"]
    page.keyboard.type(PASSWORD)
    press_and_wait_for_the_next_page(page, "Enter")
    assert urlsplit(page.url).path == reverse("meetings:list")

    loads = [page.url]  # the meetings list is the first of the path's page loads
    page.on("load", lambda loaded: loads.append(loaded.url))  # documents loaded, not the skip link's #main

    # The list opens with the cursor in its search box.
    page.wait_for_function("document.activeElement.id === 'id_q'")
    page.keyboard.type("838 722 1234")  # as the caller reads it out
    press_and_wait_for_the_next_page(page, "Enter")
    assert urlsplit(page.url).path == reverse("meetings:edit", args=[numbered.pk])
    assert "838 722 1234" in page.locator(".meeting-number").inner_text()

    page.wait_for_function("document.activeElement.id === 'id_title'")  # the edit page opens in the title
    page.keyboard.press("Control+A")
    page.keyboard.type(FIXED)
    press_and_wait_for_the_next_page(page, "Enter")

    assert page.get_by_role("status").inner_text().startswith(str(texts.MEETING_UPDATED).split("“")[0])
    assert Meeting.objects.get(pk=numbered.pk).title == FIXED
    assert sandbox.state.requests("update")[-1]["body"]["title"] == FIXED
    assert len(loads) <= 3, loads
