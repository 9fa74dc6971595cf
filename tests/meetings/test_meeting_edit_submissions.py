"""/meetings/<id>/edit/ between the click and the next page: Post/Redirect/Get for every outcome, one save
for a form submitted twice, and a confirmation before a meeting moves into the past."""

import datetime
import json
import threading

import responses
from django.test import Client

from meetings import texts
from meetings.models import Meeting, MeetingChange
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
    the_outcome,
    waits_for,
)


def saved(meeting, title, start, end):
    return texts.MEETING_UPDATED % {"title": title, "start": start, "end": end, "time_zone": "Beijing time (UTC+8)"}


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


@responses.activate
def test_a_second_click_while_the_first_waits_for_dingtalk_is_answered_at_once_then_with_the_outcome(
    transactional_db, alice_client, office_admin, meeting, settings
):
    settings.DINGTALK_DEADLINE = 3600  # a second click that waited for the first would wait an hour
    dingtalk_has(meeting)
    sent, answer = threading.Event(), threading.Event()

    def dingtalk_answers_when_told(request):
        sent.set()
        assert answer.wait(timeout=60)
        return 200, {}, json.dumps({"success": True})

    responses.add_callback(responses.PUT, UPDATE_URL, callback=dingtalk_answers_when_told)
    form = {**opened_form(alice_client, meeting), **TYPED}
    first_click = Client()  # its answer is the one the browser dropped for the second click's
    first_click.force_login(office_admin)
    first = threading.Thread(target=first_click.post, args=(edit_url(meeting), form))
    first.start()
    try:
        assert sent.wait(timeout=60)  # the first click's update is with DingTalk

        answers = []
        second_click = threading.Thread(target=lambda: answers.append(alice_client.post(edit_url(meeting), form)))
        second_click.start()
        second_click.join(timeout=60)

        assert answers and not answer.is_set()  # answered while DingTalk still holds the first
        second = answers[0]
        waiting = alice_client.get(second["Location"])
        # One message: it is being saved, and the wait for the first click's lease in words, not a clock time.
        first_attempt = MeetingChange.objects.get()
        being_saved = {f"{texts.FORM_BEING_SAVED} {wait}" for wait in waits_for(first_attempt, texts.WAIT_FOR_ANSWER)}
        assert shown_messages(waiting)[0] in being_saved
        assert the_outcome(waiting)["count"] == 1
        # It asks until answered (static/js/poll.js, no reload), then goes to its own page, which says it.
        follow = f'data-poll-seconds="2" data-poll-next="{second["Location"].split(edit_url(meeting))[1]}"'
        assert follow.replace("&", "&amp;") in waiting.content.decode()
    finally:
        answer.set()
        first.join(timeout=60)

    answered = alice_client.get(second["Location"])
    assert shown_messages(answered) == [saved(meeting, TYPED["title"], "2026-12-01 14:00", "2026-12-01 15:30")]
    assert [call.request.method for call in responses.calls] == ["GET", "PUT"]  # sent once
    assert list(MeetingChange.objects.values_list("outcome", flat=True)) == [MeetingChange.Outcome.SUCCESS]


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


def test_a_form_its_own_checks_refuse_leaves_no_record_in_the_database(alice_client, meeting):
    before = MeetingChange.objects.count()

    response = alice_client.post(edit_url(meeting), {**opened_form(alice_client, meeting), "title": "x" * 51})

    assert alice_client.get(response["Location"]).context["form"].errors["title"]
    assert MeetingChange.objects.count() == before  # not an attempt: the page reads it from the session


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
