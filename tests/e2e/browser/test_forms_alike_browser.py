"""Every form alike, in Chromium: an error summary naming each field takes the focus; the organization is chosen
already when the person has one; the meeting number is one line (Enter submits); nothing is preselected where
the person must choose; booking in the past asks first; a title counts its characters as one types and
refuses the 51st with a message, never cutting it silently."""

import datetime

import pytest
from django.urls import reverse

from meetings import texts
from meetings.dingtalk import TITLE_MAX_LENGTH
from meetings.models import Meeting
from tests.e2e.helpers import CREATOR
from tests.helpers import grant

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NUMBER = "8387221234"


@pytest.fixture
def berlin_admin(django_user_model, organization):
    """An office admin of Berlin only: the organization is chosen for her."""
    from tests.e2e.helpers import PASSWORD

    user = django_user_model.objects.create_user("bea", password=PASSWORD)
    grant(
        user,
        "view_meeting",
        "add_meeting",
        "change_meeting",
        "reschedule_meeting",
        "change_meeting_settings",
        "bulk_rename_meetings",
    )
    user.dingtalk_organizations.add(organization)
    return user


def wait_for_focus(page, selector):
    """The focus moves as the page settles (autofocus runs after it loads): wait for it, with the page's bound."""
    page.wait_for_function("(selector) => document.activeElement.matches(selector)", arg=selector)


def submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def summary_links(page):
    return page.get_by_role("alert").filter(has_text="There is a problem").get_by_role("link").all_inner_texts()


def test_each_form_with_errors_focuses_a_summary_naming_each_field(page, sandbox, meeting, berlin_admin):
    log_in(page, berlin_admin.username)

    page.goto(reverse("meetings:create"))
    page.get_by_label("Title").fill(" ")
    submit(page, "Book in DingTalk")
    wait_for_focus(page, ".error-summary")
    # Each error with its field's name: "Enter a date and time." alone would not say which.
    assert [link.split(": ")[0] for link in summary_links(page)] == ["Title", "Start", "End", "Creator union ID"]

    page.goto(reverse("meetings:settings", args=[meeting.pk]))
    page.get_by_label("Host union ID", exact=True).fill("not a union id!")
    submit(page, page.locator("main form.form button[type=submit]").first.inner_text())
    wait_for_focus(page, ".error-summary")
    assert [link.split(": ")[0] for link in summary_links(page)] == ["Host union ID"]

    page.goto(reverse("meetings:add"))
    page.get_by_label("Meeting number").fill("12")
    submit(page, "Look up and add")
    wait_for_focus(page, ".error-summary")
    assert [link.split(": ")[0] for link in summary_links(page)] == ["Meeting number"]
    page.get_by_role("link", name="Meeting number:").click()
    wait_for_focus(page, "#id_meeting_number")

    page.goto(reverse("meetings:creator", args=[meeting.pk]))
    page.get_by_label("Creator union ID").fill("not a union id!")
    submit(page, page.locator("main form.form button[type=submit]").first.inner_text())
    wait_for_focus(page, ".error-summary")
    assert [link.split(": ")[0] for link in summary_links(page)] == ["Creator union ID"]

    page.goto(reverse("meetings:import"))
    submit(page, page.locator("main form.form button[type=submit]").first.inner_text())
    wait_for_focus(page, ".error-summary")
    assert [link.split(": ")[0] for link in summary_links(page)] == ["Meetings, one per line"]

    page.goto(reverse("meetings:bulk_rename") + "?find=&replace=x")  # a preview asked for without its "Find"
    wait_for_focus(page, ".error-summary")
    assert [link.split(": ")[0] for link in summary_links(page)] == ["Find"]


def test_the_organization_is_chosen_when_the_person_has_one(page, sandbox, organization, berlin_admin):
    log_in(page, berlin_admin.username)
    for url in (reverse("meetings:add"), reverse("meetings:create"), reverse("meetings:import")):
        page.goto(url)
        select = page.get_by_label("Organization")
        assert select.input_value() == str(organization.pk), url
        assert select.evaluate("select => select.selectedOptions[0].textContent") == organization.name, url


def test_the_meeting_number_is_one_line_and_enter_submits_it(page, sandbox, organization, berlin_admin):
    sandbox.state.upsert_meeting(
        schedule_conference_id="conf-one",
        creator_union_id=CREATOR,
        title="Room A",
        room_code=NUMBER,
        start_time=1_805_000_000_000,
        end_time=1_805_003_600_000,
    )
    log_in(page, berlin_admin.username)
    page.goto(reverse("meetings:add"))

    number = page.get_by_label("Meeting number")
    assert number.evaluate("input => input.tagName + ' ' + input.type") == "INPUT text"
    number.fill("838 722 1234")
    with page.expect_navigation():
        number.press("Enter")

    added = Meeting.objects.get(schedule_conference_id="conf-one")
    assert page.url.endswith(reverse("meetings:edit", args=[added.pk]))


def test_two_bookings_with_one_number_are_offered_with_neither_chosen(page, sandbox, organization, berlin_admin):
    for conference_id, title in [("conf-a", "Room A Monday"), ("conf-b", "Room A Tuesday")]:
        sandbox.state.upsert_meeting(
            schedule_conference_id=conference_id,
            creator_union_id=CREATOR,
            title=title,
            room_code=NUMBER,
            start_time=1_805_000_000_000,
            end_time=1_805_003_600_000,
        )
    log_in(page, berlin_admin.username)
    page.goto(reverse("meetings:add") + f"?meeting_number={NUMBER}")
    submit(page, "Look up and add")

    choice = page.get_by_role("group", name="Which meeting do you mean?").get_by_role("radio")
    assert choice.count() == 2
    assert [choice.nth(index).is_checked() for index in range(2)] == [False, False]
    submit(page, "Add the chosen meeting")  # without choosing: asked again, nothing added
    assert page.get_by_role("group", name="Which meeting do you mean?").get_by_role("radio").count() == 2
    assert not Meeting.objects.exists()

    page.get_by_label("Room A Tuesday").check()
    submit(page, "Add the chosen meeting")
    assert list(Meeting.objects.values_list("schedule_conference_id", flat=True)) == ["conf-b"]


def test_booking_in_the_past_asks_first(page, sandbox, organization, berlin_admin):
    log_in(page, berlin_admin.username)
    page.goto(reverse("meetings:create"))
    page.get_by_label("Title").fill("Retro")
    page.get_by_label("Start").fill("2022-12-01 10:00")  # tests/conftest.py's clock: 2023-01-01
    page.get_by_label("End").fill("2022-12-01 11:00")
    page.get_by_label("Creator union ID").fill(CREATOR)
    submit(page, "Book in DingTalk")

    wait_for_focus(page, ".error-summary")
    assert sandbox.state.requests("create") == []
    assert page.get_by_label("Start").input_value() == "2022-12-01 10:00"
    page.get_by_label(str(texts.CONFIRM_PAST_BOOKING_LABEL)).check()
    submit(page, "Book in DingTalk")

    booked = Meeting.objects.get(title="Retro")
    assert booked.starts_at == datetime.datetime(2022, 12, 1, 10, 0, tzinfo=organization.zone)
    assert len(sandbox.state.requests("create")) == 1


@pytest.mark.parametrize("where", ["edit", "create"])
def test_the_title_counts_and_refuses_the_51st_character_with_a_message(page, sandbox, meeting, berlin_admin, where):
    log_in(page, berlin_admin.username)
    page.goto(reverse("meetings:edit", args=[meeting.pk]) if where == "edit" else reverse("meetings:create"))
    title = page.get_by_label("Title")
    count = page.locator("#id_title_count")
    refused = page.locator("#id_title_refused")

    title.fill("")
    title.press_sequentially("x" * TITLE_MAX_LENGTH)
    assert count.inner_text() == texts.TITLE_COUNT % {"count": TITLE_MAX_LENGTH, "limit": TITLE_MAX_LENGTH}
    assert refused.inner_text() == ""
    title.press("y")

    assert title.input_value() == "x" * TITLE_MAX_LENGTH  # the typed character is refused, nothing cut
    assert refused.inner_text() == texts.TITLE_CHARACTER_REFUSED % {"limit": TITLE_MAX_LENGTH}
    assert refused.get_attribute("aria-live") == "assertive"
    assert "id_title_refused" in title.get_attribute("aria-describedby")
    title.press("Backspace")
    assert count.inner_text() == texts.TITLE_COUNT % {"count": TITLE_MAX_LENGTH - 1, "limit": TITLE_MAX_LENGTH}
    assert refused.inner_text() == ""


def test_a_51_character_title_sent_without_the_script_is_refused_not_cut(page, sandbox, meeting, berlin_admin):
    log_in(page, berlin_admin.username)
    page.goto(reverse("meetings:edit", args=[meeting.pk]))
    too_long = "Design review " + "x" * (TITLE_MAX_LENGTH + 1 - len("Design review "))
    page.get_by_label("Title").evaluate(
        "(input, value) => { input.value = value; }", too_long
    )  # as pasted past the script
    submit(page, "Save to DingTalk")

    assert page.get_by_label("Title").input_value() == too_long
    wait_for_focus(page, ".error-summary")
    assert summary_links(page) == [
        "Title: " + texts.TITLE_TOO_LONG % {"limit": TITLE_MAX_LENGTH, "length": TITLE_MAX_LENGTH + 1}
    ]
    assert sandbox.state.requests("update") == []
    assert Meeting.objects.get(pk=meeting.pk).title == "Design reveiw"
