import datetime

import pytest

from meetings import texts
from meetings.forms import MeetingForm


def form_for(meeting, *, may_reschedule=True, **data):
    values = {
        "title": "Weekly sync",
        "start_time": "2026-12-01T10:00",
        "end_time": "2026-12-01T11:00",
        "version": "1",
        **data,
    }
    return MeetingForm(data=values, meeting=meeting, may_reschedule=may_reschedule)


def test_it_reads_times_in_the_organizations_zone(meeting):
    form = form_for(meeting, start_time="2026-12-01T10:30", end_time="2026-12-01T11:15")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start_time"] == datetime.datetime(2026, 12, 1, 2, 30, tzinfo=datetime.UTC)
    assert form.cleaned_data["end_time"] == datetime.datetime(2026, 12, 1, 3, 15, tzinfo=datetime.UTC)


def test_it_shows_stored_times_in_the_organizations_zone(meeting):
    form = MeetingForm(meeting=meeting, may_reschedule=True)
    # A text input in one format whatever the browser's language: not datetime-local (mm/dd/yyyy, AM/PM).
    assert 'value="2026-12-01 10:00"' in str(form["start_time"])
    assert 'type="text"' in str(form["start_time"]) and 'inputmode="numeric"' in str(form["start_time"])


def test_it_shows_the_times_read_only_to_title_fixers(meeting):
    form = MeetingForm(meeting=meeting, may_reschedule=False)
    assert "disabled" in str(form["start_time"]) and "disabled" in str(form["end_time"])
    assert "disabled" not in str(form["title"])


def test_it_keeps_the_stored_times_for_title_fixers(meeting):
    form = form_for(meeting, may_reschedule=False, title="Weekly sync!", start_time="", end_time="")
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["start_time"], form.cleaned_data["end_time"]) == (meeting.starts_at, meeting.ends_at)


@pytest.mark.parametrize(
    "times",
    [
        {"start_time": "2026-12-01T09:00"},
        {"end_time": "2026-12-01T12:00"},
        {"start_time": "not a time"},
    ],
)
def test_it_refuses_crafted_times_from_title_fixers(meeting, times):
    form = form_for(meeting, may_reschedule=False, **times)
    assert not form.is_valid()
    assert form.non_field_errors() == [texts.RESCHEDULE_NOT_ALLOWED]
    assert form.has_error("__all__", code="reschedule_not_allowed")


def test_it_accepts_the_shown_times_posted_back_by_title_fixers(meeting):
    assert form_for(meeting, may_reschedule=False).is_valid()


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_it_needs_the_version_the_form_was_opened_with(meeting, version):
    form = form_for(meeting, version=version)
    assert form.errors["version"] == [texts.FORM_OUT_OF_DATE]


def test_it_trims_the_title(meeting):
    form = form_for(meeting, title="  Weekly sync　 ")
    assert form.is_valid()
    assert form.cleaned_data["title"] == "Weekly sync"


@pytest.mark.parametrize("title", ["会" * 50, "a" * 50, "é" * 50])
def test_it_accepts_50_characters(meeting, title):
    assert form_for(meeting, title=title).is_valid()


@pytest.mark.parametrize(
    "title, code",
    [
        ("", "required"),
        ("   ", "title_blank"),
        ("会" * 51, "title_too_long"),
        ("😀" * 26, "title_too_long"),  # 52 UTF-16 code units, as DingTalk counts them
        ("line\nbreak", "title_control_characters"),
        ("nul\x00", "null_characters_not_allowed"),
    ],
)
def test_it_refuses_bad_titles(meeting, title, code):
    form = form_for(meeting, title=title)
    assert not form.is_valid()
    assert form.has_error("title", code)


def test_title_too_long_names_the_limit_and_the_length(meeting):
    form = form_for(meeting, title="会" * 51)
    form.is_valid()
    assert form.errors["title"] == [texts.TITLE_TOO_LONG % {"limit": 50, "length": 51}]


@pytest.mark.parametrize("end", ["2026-12-01T10:00", "2026-12-01T09:59"])
def test_it_refuses_an_end_not_after_the_start(meeting, end):
    form = form_for(meeting, end_time=end)
    assert not form.is_valid()
    assert form.errors["end_time"] == [texts.END_NOT_AFTER_START]


@pytest.mark.parametrize("value", ["", "tomorrow", "2026-13-01T10:00", "2026-12-01", "0001-01-01T00:00"])
def test_it_refuses_unreadable_times(meeting, value):
    form = form_for(meeting, start_time=value)
    assert not form.is_valid()
    assert "start_time" in form.errors


@pytest.fixture
def berlin_meeting(meeting):
    meeting.organization.time_zone = "Europe/Berlin"
    meeting.organization.save()
    return meeting


def test_it_refuses_a_time_the_clocks_skip(berlin_meeting):
    form = form_for(berlin_meeting, start_time="2026-03-29T02:30", end_time="2026-03-29T04:00")
    assert not form.is_valid()
    assert form.has_error("start_time", "nonexistent")
    assert form.errors["start_time"] == [
        texts.TIME_NONEXISTENT % {"value": "2026-03-29 02:30", "time_zone": "Berlin time (UTC+1)"}
    ]


def test_it_refuses_a_time_that_happens_twice(berlin_meeting):
    form = form_for(berlin_meeting, start_time="2026-10-25T02:30", end_time="2026-10-25T04:00")
    assert not form.is_valid()
    assert form.has_error("start_time", "ambiguous")


def test_it_converts_summer_time_in_berlin(berlin_meeting):
    form = form_for(berlin_meeting, start_time="2026-07-01T12:00", end_time="2026-07-01T13:00")
    assert form.is_valid()
    assert form.cleaned_data["start_time"] == datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.UTC)


# Issue 15: text that disguises itself, times written to look right but meaning something else.
@pytest.mark.parametrize(
    "title",
    [
        "invoice\u202egpj.exe",
        "a\u2066b\u2069",
        "zero\u200bwidth",
        "joiner\u2060",
        "bom\ufeff here",
        "rtl\u200fmark",
        "line\u2028separator",
    ],
)
def test_it_refuses_titles_with_invisible_formatting(meeting, title):
    form = form_for(meeting, title=title)
    assert not form.is_valid()
    assert form.errors["title"] == [texts.TITLE_INVISIBLE_CHARACTERS]


@pytest.mark.parametrize("title", ["שלום 周会", "مرحبا review", "é é", "🎉 Launch"])
def test_it_accepts_right_to_left_scripts_and_emoji(meeting, title):
    form = form_for(meeting, title=title)
    assert form.is_valid(), form.errors


def test_it_refuses_a_time_before_1970_in_utc(meeting):
    form = form_for(meeting, start_time="1970-01-01T00:00", end_time="1970-01-01T09:00")  # Shanghai: UTC+8

    assert not form.is_valid()
    assert form.errors["start_time"] == [
        texts.TIME_BEFORE_1970_UTC % {"value": "1970-01-01 00:00", "time_zone": "Beijing time (UTC+8)"}
    ]
    assert "end_time" not in form.errors  # 01:00 UTC on 1 January 1970


@pytest.mark.parametrize("value", ["２０２６-12-01T10:00", "2026-12-01T１０:00", "2026-12-01T10:0٠"])
def test_it_refuses_digits_other_than_ascii(meeting, value):
    form = form_for(meeting, start_time=value)
    assert not form.is_valid()
    assert form.errors["start_time"] == [texts.TIME_FULLWIDTH_DIGITS]
