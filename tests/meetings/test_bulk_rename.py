"""Bulk rename: the rename itself and its preview."""

import datetime

import pytest
import responses
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from meetings import dingtalk, texts, validators
from meetings.forms import MeetingForm
from meetings.models import BulkRename, Meeting
from meetings.services import Rename
from tests.helpers import make_meetings, shown_messages

# A confirmed rename runs its task at once, in this thread.
pytestmark = pytest.mark.usefixtures("immediate_tasks")

PAGE = reverse("meetings:bulk_rename")

# --- the rename itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rename", "title", "expected"),
    [
        (Rename("Alpha", "Beta"), "Alpha weekly", "Beta weekly"),
        (Rename("Alpha", "Beta"), "Alpha/Alpha", "Beta/Beta"),
        (Rename("Team", "Team A"), "Team sync", "Team A sync"),
        (Rename("Team", "Team A"), "Team A sync", "Team A sync"),  # renamed already: unchanged
        (Rename("cat", "dog", whole_word=True), "cat catalog", "dog catalog"),
        (Rename("cat", "dog"), "cat catalog", "dog dogalog"),
        (Rename("研发", "产品"), "研发周会", "产品周会"),
    ],
)
def test_a_rename_replaces_and_is_idempotent(rename, title, expected):
    assert rename.apply(title) == expected
    assert rename.apply(rename.apply(title)) == expected


@pytest.mark.parametrize("replace", ["\\1", "\\", "\\u0000", "\\g<0>", "\\n", "$1", "\\\\"])
@pytest.mark.parametrize("whole_word", [False, True])
def test_the_replacement_is_text_not_a_template(replace, whole_word):
    assert Rename("a", replace, whole_word=whole_word).apply("a b") == replace + " b"


# --- preview ---------------------------------------------------------------------------------------------


def test_the_preview_lists_matching_meetings_with_the_new_title(alice_client, renamer, organization):
    make_meetings(organization, "Alpha weekly", "Alpha review", "Other")

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": "Beta"})

    rows = response.context["rows"]
    assert [(row.meeting.title, row.new_title, row.problem) for row in rows] == [
        ("Alpha weekly", "Beta weekly", ""),
        ("Alpha review", "Beta review", ""),
    ]
    assert 'name="confirm"' in response.content.decode()
    assert not BulkRename.objects.exists()


def test_the_preview_marks_the_meetings_it_leaves_out(alice_client, renamer, organization):
    too_long, canceled, busy, empty = make_meetings(
        organization, "Alpha " + "x" * 44, "Alpha canceled", "Alpha busy", "Alpha"
    )
    Meeting.objects.filter(pk=canceled.pk).update(status=Meeting.Status.CANCELED)
    Meeting.objects.filter(pk=busy.pk).update(update_lease_until=timezone.now() + datetime.timedelta(seconds=30))

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": "Longer name"})

    problems = {row.meeting.pk: row.problem for row in response.context["rows"]}
    # The edit form's own words for a title too long: the same rule, counted as DingTalk counts.
    assert problems[too_long.pk] == texts.TITLE_TOO_LONG % {"limit": 50, "length": 56}
    assert problems[canceled.pk] == str(texts.BULK_CANCELED)
    assert problems[busy.pk] == str(texts.BULK_SAVE_RUNNING)
    assert response.context["renameable"] == 1
    # And with an empty replacement, a title of only the found text would be empty:
    response = alice_client.get(PAGE, {"find": "Alpha", "replace": ""})
    assert {row.meeting.pk: row.problem for row in response.context["rows"]}[empty.pk] == str(texts.TITLE_BLANK)


@pytest.mark.parametrize("replace", ["\\1", "\\", "\\u0000", "\\g<0>"])
def test_a_replacement_with_backslashes_is_previewed_as_typed(alice_client, renamer, organization, replace):
    make_meetings(organization, "Alpha weekly")

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": replace})

    assert response.status_code == 200
    assert [(row.new_title, row.problem) for row in response.context["rows"]] == [(replace + " weekly", "")]


@pytest.mark.parametrize(
    ("replace", "problem"),
    [
        ("\u202eBeta", texts.TITLE_INVISIBLE_CHARACTERS),  # right-to-left override: "Alpha" shown reversed
        ("Be\u200bta", texts.TITLE_INVISIBLE_CHARACTERS),  # zero-width space
        ("Beta\nBeta", texts.TITLE_CONTROL_CHARACTERS),
        ("周" * 45, texts.TITLE_TOO_LONG % {"limit": 50, "length": 52}),
        ("🎉" * 23, texts.TITLE_TOO_LONG % {"limit": 50, "length": 53}),  # two UTF-16 units each, as DingTalk counts
    ],
)
def test_new_titles_the_edit_form_refuses_are_marked_and_never_sent(
    alice_client, renamer, organization, replace, problem
):
    (refused,) = make_meetings(organization, "Alpha weekly")
    edit = MeetingForm(
        data={"title": replace + " weekly", "start_time": "2026-12-01T10:00", "end_time": "2026-12-01T11:00"},
        meeting=refused,
        may_reschedule=True,
    )
    assert edit.errors["title"] == [str(problem)]  # the edit form refuses that title with these words

    preview = alice_client.get(PAGE, {"find": "Alpha", "replace": replace})

    [row] = preview.context["rows"]
    assert row.problem == str(problem)
    assert preview.context["renameable"] == 0
    html = preview.content.decode()
    assert str(problem) in html
    # Invisible formatting is written out (<U+202E>), not applied to the page.
    assert f"<ins>{escape(validators.reveal_invisible(row.new_title))}</ins>" in html
    assert 'name="confirm"' not in preview.content.decode()
    with responses.RequestsMock():  # any DingTalk call would fail the test
        alice_client.post(PAGE, {"find": "Alpha", "replace": replace, "confirm": "1"})
    job = BulkRename.objects.get()
    assert not job.items.exists()
    assert Meeting.objects.get().title == "Alpha weekly"


def test_a_replacement_with_a_nul_is_a_form_error(alice_client, renamer, organization):
    make_meetings(organization, "Alpha weekly")

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": "a\x00b"})

    assert response.status_code == 200
    assert response.context["form"].errors["replace"]
    assert "rows" not in response.context


def test_the_preview_narrows_by_organization_and_dates(alice_client, renamer, organization, app_organization):
    renamer_in_both = renamer
    app_organization.members.add(renamer_in_both)
    first, second, third = make_meetings(organization, "Alpha 1", "Alpha 2", "Alpha 3")
    make_meetings(app_organization, "Alpha elsewhere", start=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC))

    response = alice_client.get(
        PAGE,
        {
            "find": "Alpha",
            "replace": "Beta",
            "organization": organization.pk,
            "date_from": "2026-12-02",
            "date_to": "2026-12-02",
        },
    )

    assert [row.meeting for row in response.context["rows"]] == [second]


def test_the_preview_shows_only_the_persons_organizations(alice_client, renamer, app_organization):
    make_meetings(app_organization, "Alpha elsewhere")

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": "Beta"})

    assert shown_messages(response) == [str(texts.BULK_NOTHING_TO_RENAME)]


def test_a_post_without_confirm_shows_the_preview_and_starts_nothing(alice_client, renamer, organization):
    make_meetings(organization, "Alpha 1")

    response = alice_client.post(PAGE, {"find": "Alpha", "replace": "Beta", "csrfmiddlewaretoken": "x"})

    assert response.url == PAGE + "?find=Alpha&replace=Beta"
    assert not BulkRename.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_to", "9999-12-31"),
        ("date_from", "0001-01-01"),
        ("date_from", "9999-12-31"),
        ("date_to", "1969-12-31"),
    ],
)
def test_dates_outside_the_years_meetings_may_have_are_a_form_error(alice_client, renamer, organization, field, value):
    make_meetings(organization, "Alpha 1")

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": "Beta", field: value})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [texts.DATE_OUT_OF_RANGE]
    assert str(texts.DATE_OUT_OF_RANGE) in response.content.decode()
    assert "rows" not in response.context


def test_find_is_required(alice_client, renamer):
    response = alice_client.get(PAGE, {"find": "  ", "replace": "Beta"})

    assert response.context["form"].errors["find"] == [str(texts.BULK_FIND_REQUIRED)]


def test_bulk_rename_needs_its_permission(alice_client, office_admin):
    assert alice_client.get(PAGE).status_code == 403


assert dingtalk.TITLE_MAX_LENGTH == 50


# --- the explicit regular-expression option ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rename", "title", "expected"),
    [
        (Rename(r"(\w+) sync", r"\1 review", regex=True), "Team sync", "Team review"),
        (Rename(r"(?P<day>Mon|Tue)day", r"\g<day>.", regex=True), "Monday standup", "Mon. standup"),
        (Rename(r"\d+", "N", regex=True), "Room 12 / 7", "Room N / N"),
        (Rename("cat", "dog", whole_word=True, regex=True), "cat catalog", "dog catalog"),
        (Rename(r"(\w+) sync", r"\1 review"), "Team sync", "Team sync"),  # without the option: literal text
    ],
)
def test_a_regular_expression_is_used_only_when_asked_for(rename, title, expected):
    assert rename.apply(title) == expected


@pytest.mark.parametrize(
    ("find", "replace", "field"),
    [
        ("(", "x", "find"),
        ("a)(b", "x", "find"),
        ("[z-a]", "x", "find"),
        (r"(\w+) sync", r"\2", "replace"),
        ("a", "\\", "replace"),
        ("(?P<n>a)", r"\g<m>", "replace"),
    ],
)
def test_a_broken_regular_expression_is_an_error_on_the_form(alice_client, renamer, organization, find, replace, field):
    make_meetings(organization, "Alpha weekly")

    response = alice_client.get(PAGE, {"find": find, "replace": replace, "regex": "on"})

    assert response.status_code == 200
    [error] = response.context["form"].errors[field]
    assert error.startswith(str(texts.BULK_REGEX_INVALID).split("%")[0])
    assert error in response.content.decode()
    assert "rows" not in response.context


def test_a_regular_expression_preview_can_be_confirmed(alice_client, renamer, organization):
    make_meetings(organization, "Team sync", "Other")
    preview = alice_client.get(PAGE, {"find": r"(\w+) sync", "replace": r"\1 review", "regex": "on"})
    assert [(row.meeting.title, row.new_title) for row in preview.context["rows"]] == [("Team sync", "Team review")]
    assert '<input type="hidden" name="regex" value="on">' in preview.content.decode()


def test_a_pattern_that_backtracks_forever_is_stopped_and_marked(alice_client, renamer, organization):
    make_meetings(organization, "a" * 60 + "!", "aaa")

    response = alice_client.get(PAGE, {"find": "(a|aa)+$", "replace": "x", "regex": "on"})

    rows = {row.meeting.title: row for row in response.context["rows"]}
    assert rows["a" * 60 + "!"].problem == str(texts.BULK_REGEX_TOO_SLOW)
    assert (rows["aaa"].new_title, rows["aaa"].problem) == ("x", "")
    assert response.context["renameable"] == 1
