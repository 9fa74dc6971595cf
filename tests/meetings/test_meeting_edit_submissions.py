"""/meetings/<id>/edit/ between the click and the next page: Post/Redirect/Get for every outcome, one save
for a form submitted twice, and a confirmation before a meeting moves into the past."""

import datetime
import json
import time

import responses
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings import texts
from meetings.models import EditSubmission, Meeting, MeetingChange
from meetings.services import submissions
from tests.helpers import (
    SUFFIX,
    TYPED,
    UPDATE_URL,
    assert_input_kept,
    dingtalk_error,
    dingtalk_has,
    edit_url,
    form_values,
    grant,
    opened_form,
    shown_messages,
)


def saved(meeting, title, start, end):
    return texts.MEETING_UPDATED % {"title": title, "start": start, "end": end, "time_zone": "Asia/Shanghai"}


# --- Post/Redirect/Get ----------------------------------------------------------------------------------


@responses.activate
def test_a_failed_save_redirects_and_a_reload_shows_the_same_page(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(400, "paramsError", "error:busy"))
    expected = texts.PARAMS_ERROR % {"detail": "busy"} + SUFFIX

    response = alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), **TYPED})

    assert response.status_code == 302  # never a page a reload would post again
    page = response["Location"]
    assert page.startswith(edit_url(meeting) + "?submission=")
    for _ in range(2):  # the page after the redirect, and the same page reloaded (F5)
        shown = alice_client.get(page)
        assert shown_messages(shown) == [expected]
        assert 'role="alert"' in shown.content.decode()
        assert_input_kept(shown)
    assert MeetingChange.objects.count() == 1  # the reloads sent nothing


def test_form_errors_redirect_too_and_the_page_shows_them_with_the_input(alice_client, meeting):
    response = alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), "title": "x" * 51})

    assert response.status_code == 302
    shown = alice_client.get(response["Location"])
    assert shown.context["form"].errors["title"] == [texts.TITLE_TOO_LONG % {"limit": 50, "length": 51}]
    assert f'value="{"x" * 51}"' in shown.content.decode()


@responses.activate
def test_a_saved_change_redirects_to_the_plain_page(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})

    response = alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), "title": "Fixed"})

    assert response.status_code == 302
    assert response["Location"] == edit_url(meeting)
    shown = alice_client.get(response["Location"])
    assert shown_messages(shown) == [saved(meeting, "Fixed", "2026-12-01 10:00", "2026-12-01 11:00")]
    assert shown.context["form"]["title"].value() == "Fixed"


def test_the_page_of_a_submission_is_only_its_authors(alice_client, django_user_model, meeting):
    response = alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), "title": "x" * 51})
    page = response["Location"]
    bob = django_user_model.objects.create_user("bob", password="pw-bob-123456")
    grant(bob, "view_meeting", "change_meeting", "reschedule_meeting")
    meeting.organization.members.add(bob)
    bobs = Client()
    bobs.force_login(bob)

    shown = bobs.get(page)

    assert shown.status_code == 200
    assert not shown.context["form"].is_bound  # the meeting as stored, not Alice's input
    assert "x" * 51 not in shown.content.decode()


# --- the same form, submitted twice ------------------------------------------------------------------------


@responses.activate
def test_a_form_submitted_twice_is_saved_once_and_both_answers_say_saved(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    form = {**opened_form(alice_client, meeting), "title": "Fixed"}

    first = alice_client.post(edit_url(meeting), form, follow=True)
    second = alice_client.post(edit_url(meeting), form, follow=True)

    expected = [saved(meeting, "Fixed", "2026-12-01 10:00", "2026-12-01 11:00")]
    assert shown_messages(first) == expected
    assert shown_messages(second) == expected  # not "Nothing to save"
    assert [call.request.method for call in responses.calls] == ["GET", "PUT"]
    assert MeetingChange.objects.count() == 1
    assert Meeting.objects.get(pk=meeting.pk).version == 2


@responses.activate
def test_a_failed_form_submitted_twice_is_sent_once_and_both_answers_say_why(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(400, "paramsError", "error:startTime is illegal"))
    form = {**opened_form(alice_client, meeting), **TYPED}

    first = alice_client.post(edit_url(meeting), form, follow=True)
    second = alice_client.post(edit_url(meeting), form, follow=True)

    expected = [texts.PARAMS_ERROR % {"detail": "startTime is illegal"} + SUFFIX]
    assert shown_messages(first) == shown_messages(second) == expected
    assert_input_kept(second)
    assert len(responses.calls) == 2  # one read, one update


def test_a_second_click_while_the_first_still_waits_for_dingtalk_says_so(alice_client, office_admin, meeting, settings):
    settings.DINGTALK_DEADLINE = 0.1  # how long the second click waits for the first (and 2 s more)
    form = {name: str(value) for name, value in {**opened_form(alice_client, meeting), **TYPED}.items()}
    EditSubmission.objects.create(  # the first click, still talking to DingTalk
        key=form["submission"],
        meeting=meeting,
        user=office_admin,
        posted=json.dumps({name: value for name, value in form.items() if name != "submission"}, sort_keys=True),
    )

    response = alice_client.post(edit_url(meeting), form, follow=True)

    assert shown_messages(response) == [str(texts.SAVE_STILL_RUNNING)]
    assert not MeetingChange.objects.exists()  # nothing sent a second time


@responses.activate
def test_the_same_form_with_other_values_is_a_new_save(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    form = opened_form(alice_client, meeting)

    alice_client.post(edit_url(meeting), {**form, "title": "x" * 51})  # refused by the form; Back, retype
    response = alice_client.post(edit_url(meeting), {**form, "title": "Fixed"}, follow=True)

    assert shown_messages(response) == [saved(meeting, "Fixed", "2026-12-01 10:00", "2026-12-01 11:00")]
    assert Meeting.objects.get(pk=meeting.pk).title == "Fixed"


@responses.activate
def test_saving_again_from_the_page_of_a_failure_sends_again(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(400, "paramsError", "error:startTime is illegal"))  # not retried
    responses.put(UPDATE_URL, json={"success": True})
    failed = alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), **TYPED}, follow=True)

    again = alice_client.post(edit_url(meeting), form_values(failed), follow=True)

    assert shown_messages(again) == [saved(meeting, TYPED["title"], "2026-12-01 14:00", "2026-12-01 15:30")]
    assert MeetingChange.objects.filter(outcome=MeetingChange.Outcome.SUCCESS).count() == 1


def test_submissions_are_kept_for_a_day(alice_client, meeting, monkeypatch):
    alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), "title": "x" * 51})
    EditSubmission.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    monkeypatch.setattr(submissions, "_next_sweep", 0.0)  # a sweep is due

    alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), "title": "y" * 51})

    assert [len(submission.data["title"]) for submission in EditSubmission.objects.all()] == [51]
    assert EditSubmission.objects.get().data["title"] == "y" * 51


def test_a_save_looks_for_day_old_submissions_at_most_every_ten_minutes(alice_client, meeting, monkeypatch):
    monkeypatch.setattr(submissions, "_next_sweep", 0.0)
    alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), "title": "x" * 51})
    EditSubmission.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    form = opened_form(alice_client, meeting)

    with CaptureQueriesContext(connection) as queries:
        alice_client.post(edit_url(meeting), {**form, "title": "y" * 51})

    assert not [query for query in queries if query["sql"].startswith("DELETE")]
    assert EditSubmission.objects.count() == 2  # the day-old one goes with the next sweep
    monkeypatch.setattr(submissions, "_next_sweep", time.monotonic())  # ten minutes later
    alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), "title": "z" * 51})
    assert sorted(len(submission.data["title"]) for submission in EditSubmission.objects.all()) == [51, 51]


# --- into the past -----------------------------------------------------------------------------------------

PAST = {"start_time": "2022-12-01T10:00", "end_time": "2022-12-01T11:00"}  # the tests' clock: 2023-01-01


@responses.activate
def test_moving_a_meeting_into_the_past_asks_first_and_keeps_the_input(alice_client, meeting):
    response = alice_client.post(
        edit_url(meeting), {**opened_form(alice_client, meeting), "title": "Moved", **PAST}, follow=True
    )

    assert len(responses.calls) == 0
    assert response.context["form"].errors["start_time"] == [
        texts.START_IN_PAST
        % {"now": "2023-01-01 08:00", "time_zone": "Beijing time (UTC+8)", "confirm": texts.CONFIRM_PAST_LABEL}
    ]
    html = response.content.decode()
    assert 'name="confirm_past"' in html and str(texts.CONFIRM_PAST_LABEL) in html
    assert 'value="Moved"' in html and 'value="2022-12-01T10:00"' in html
    assert Meeting.objects.get(pk=meeting.pk).title == "Weekly sync"


@responses.activate
def test_a_confirmed_move_into_the_past_is_saved(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    asked = alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), **PAST}, follow=True)

    response = alice_client.post(edit_url(meeting), {**form_values(asked), "confirm_past": "on"}, follow=True)

    assert shown_messages(response) == [saved(meeting, "Weekly sync", "2022-12-01 10:00", "2022-12-01 11:00")]
    assert Meeting.objects.get(pk=meeting.pk).starts_at == datetime.datetime(2022, 12, 1, 2, 0, tzinfo=datetime.UTC)


@responses.activate
def test_a_meeting_already_in_the_past_keeps_its_start_without_asking(alice_client, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=datetime.datetime(2022, 12, 1, 2, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2022, 12, 1, 3, 0, tzinfo=datetime.UTC),
    )
    meeting.refresh_from_db()
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    form = {**opened_form(alice_client, meeting), "title": "Fixed"}

    response = alice_client.post(edit_url(meeting), form, follow=True)

    assert shown_messages(response) == [saved(meeting, "Fixed", "2022-12-01 10:00", "2022-12-01 11:00")]


def test_the_confirmation_is_not_offered_before_it_is_needed(alice_client, meeting):
    assert 'name="confirm_past"' not in alice_client.get(edit_url(meeting)).content.decode()
