"""DingTalk fails while booking a meeting or saving its settings: one message says so and takes the focus, one
control under it is the next step, what was typed is still in the form, and axe-core finds nothing; Try
again then does what the person asked, with what they typed."""

import pytest
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting
from tests.helpers import grant

from .helpers import axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# The focused element: the page's one message is the div of id "outcome".
FOCUSED = "() => document.activeElement.id || document.activeElement.className"
# DingTalk's throttling, on every try the client makes: a read's first and its two retries; a booking is
# never sent twice (a second one would be a second meeting).
EVERY_READ_TRY = 3


def test_a_throttled_booking_offers_try_again_with_what_was_typed(page, sandbox, organization, office_admin):
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:create"))
    page.get_by_label("Organization").select_option(label=organization.name)
    page.get_by_label("Title").fill("Quarterly planning")
    page.get_by_label("Start").fill("2027-04-01 09:00")
    page.get_by_label("End").fill("2027-04-01 10:30")
    page.get_by_label("Creator union ID").fill("planner-7")
    sandbox.state.arm_fault("qpsLimit", api="create")

    with page.expect_navigation():
        page.get_by_role("button", name="Book in DingTalk").click()

    alert = page.get_by_role("alert")
    assert alert.count() == 1  # one message
    request_id = sandbox.state.requests("create")[-1]["requestId"]
    # What happened, then the one next step, then DingTalk's request ID in small print.
    assert alert.locator("p").first.inner_text() == str(texts.THROTTLED)
    assert alert.get_by_role("button").all_inner_texts() == ["Try again"]
    assert alert.locator("small.request-id").inner_text() == texts.REQUEST_ID_SUFFIX % {"request_id": request_id}
    assert alert.inner_text().endswith(texts.REQUEST_ID_SUFFIX % {"request_id": request_id})
    assert page.evaluate(FOCUSED) == "outcome"
    assert page.get_by_label("Title").input_value() == "Quarterly planning"
    assert page.get_by_label("Start").input_value() == "2027-04-01 09:00"
    assert page.get_by_label("End").input_value() == "2027-04-01 10:30"
    assert page.get_by_label("Creator union ID").input_value() == "planner-7"
    assert page.get_by_label("Organization").input_value() == str(organization.pk)
    assert not Meeting.objects.exists()
    assert axe_violations(page) == []

    # The next step: from the message, Tab reaches Try again, which books what was typed.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Try again"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    booked = Meeting.objects.get()
    assert (booked.title, booked.creator_union_id) == ("Quarterly planning", "planner-7")
    assert page.get_by_role("status").inner_text().startswith("Booked")
    assert sandbox.state.requests("create")[-1]["body"]["title"] == "Quarterly planning"


def test_settings_dingtalk_throttles_offer_try_again_with_what_was_ticked(page, sandbox, meeting, office_admin):
    grant(office_admin, "change_meeting_settings")
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:settings", args=[meeting.pk]))
    page.get_by_label("Lock the room (nobody else can join)").check()
    page.get_by_label("Co-host union IDs").fill("co-host-1, co-host-2")
    sandbox.state.arm_fault("qpsLimit", api="settings_query", count=EVERY_READ_TRY)  # the read before the save

    with page.expect_navigation():
        page.get_by_role("button", name="Save to DingTalk").click()

    alert = page.get_by_role("alert")
    assert alert.count() == 1
    assert alert.locator("p").first.inner_text() == str(texts.THROTTLED)
    assert alert.get_by_role("button").all_inner_texts() == ["Try again"]
    assert page.evaluate(FOCUSED) == "outcome"
    assert page.get_by_label("Lock the room (nobody else can join)").is_checked()
    assert page.get_by_label("Co-host union IDs").input_value() == "co-host-1, co-host-2"
    assert sandbox.state.requests("settings_update") == []
    assert axe_violations(page) == []

    with page.expect_navigation():
        page.get_by_role("button", name="Try again").click()

    assert page.get_by_role("status").inner_text().startswith("Saved the meeting's settings in DingTalk")
    sent = sandbox.state.requests("settings_update")[-1]["body"]["scheduleConfSettingModel"]
    assert sent["lockRoom"] == 1
    assert sent["cohostUnionIds"] == ["co-host-1", "co-host-2"]


def test_settings_refused_for_the_creator_link_change_creator(page, sandbox, meeting, office_admin):
    grant(office_admin, "change_meeting_settings")
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:settings", args=[meeting.pk]))
    page.get_by_label("Waiting room").check()
    sandbox.state.arm_fault("permissionError", api="settings_update")

    with page.expect_navigation():
        page.get_by_role("button", name="Save to DingTalk").click()

    alert = page.get_by_role("alert")
    assert alert.count() == 1
    assert page.evaluate(FOCUSED) == "outcome"
    # The linked Change creator in the message, DingTalk's request ID last in small print.
    request_id = sandbox.state.requests("settings_update")[-1]["requestId"]
    assert alert.get_by_role("link").all_inner_texts() == ["Change creator"]
    assert alert.locator("small.request-id").inner_text() == texts.REQUEST_ID_SUFFIX % {"request_id": request_id}
    assert alert.inner_text().endswith(texts.REQUEST_ID_SUFFIX % {"request_id": request_id})
    assert page.get_by_label("Waiting room").is_checked()
    assert axe_violations(page) == []

    with page.expect_navigation():
        alert.get_by_role("link", name="Change creator").click()
    assert page.url.endswith(reverse("meetings:creator", args=[meeting.pk]))


def test_a_cancel_refused_for_the_creator_links_change_creator(page, sandbox, meeting, office_admin):
    grant(office_admin, "cancel_meeting")
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:cancel", args=[meeting.pk]))
    sandbox.state.arm_fault("permissionError", api="cancel")

    with page.expect_navigation():
        page.get_by_role("button", name="Cancel the meeting in DingTalk").click()

    alert = page.get_by_role("alert")
    assert alert.count() == 1
    assert page.evaluate(FOCUSED) == "outcome"
    assert not Meeting.objects.get(pk=meeting.pk).is_canceled
    assert axe_violations(page) == []

    with page.expect_navigation():
        alert.get_by_role("link", name="Change creator").click()
    assert page.url.endswith(reverse("meetings:creator", args=[meeting.pk]))


def test_a_booking_refused_for_its_creator_leads_to_the_creator_field(page, sandbox, organization, office_admin):
    log_in(page, office_admin.username)
    page.goto(reverse("meetings:create"))
    page.get_by_label("Organization").select_option(label=organization.name)
    page.get_by_label("Title").fill("Quarterly planning")
    page.get_by_label("Start").fill("2027-04-01 09:00")
    page.get_by_label("End").fill("2027-04-01 10:30")
    page.get_by_label("Creator union ID").fill("someone-else")
    sandbox.state.arm_fault("permissionError", api="create")

    with page.expect_navigation():
        page.get_by_role("button", name="Book in DingTalk").click()

    alert = page.get_by_role("alert")
    assert alert.count() == 1
    assert page.evaluate(FOCUSED) == "outcome"
    assert alert.locator("p").first.inner_text().startswith("DingTalk refused to book it for the creator")
    assert axe_violations(page) == []

    # Its next step, by keyboard: Tab to it, Enter, and the cursor is in the creator's field, what was typed there.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Correct the creator union ID"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'id_creator_union_id'")
    assert page.get_by_label("Creator union ID").input_value() == "someone-else"
    assert page.get_by_label("Title").input_value() == "Quarterly planning"
    assert not Meeting.objects.exists()
