"""The edit page's outcome of a save that failed or whose outcome is not known (issue 22): one message, which
takes the focus, says what happened and whether DingTalk changed, offers one next step as a control, and
ends with DingTalk's request ID in small print; what was typed is kept."""

import datetime
import re

import pytest
import requests
import responses
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    REQUEST_ID,
    SUFFIX,
    UPDATE_URL,
    assert_input_kept,
    dingtalk_error,
    dingtalk_has,
    dingtalk_query_url,
    edit_url,
    form_values,
    lost_answer,
    post_typed,
    shown_messages,
    shown_unknown,
    the_change,
    the_outcome,
    waits_for,
)

SMALL_REQUEST_ID = f'<small class="request-id">{texts.REQUEST_ID_SUFFIX % {"request_id": REQUEST_ID}}</small>'


def title_fix(client, meeting):
    """A title fix with the meeting's own times (10:00-11:00 in Shanghai), as helpdesk saves."""
    data = {"title": "New title", "start_time": "2026-12-01T10:00", "end_time": "2026-12-01T11:00"}
    return client.post(edit_url(meeting), {**data, "version": meeting.version}, follow=True)


@responses.activate
def test_a_refusal_for_the_creator_links_change_creator_and_ends_with_the_request_id(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))

    outcome = the_outcome(post_typed(alice_client, meeting))

    assert (outcome["level"], outcome["role"], outcome["focused"], outcome["count"]) == ("error", "alert", True, 1)
    # The portal's words first, DingTalk's own after them, the request ID last and small.
    assert outcome["text"].startswith("DingTalk refused: it lets only the person who booked a meeting change it")
    assert outcome["html"].rstrip().endswith(SMALL_REQUEST_ID)
    assert outcome["text"].endswith(SUFFIX.strip())
    assert outcome["text"].count(REQUEST_ID) == 1
    creator = reverse("meetings:creator", args=[meeting.pk])
    assert f'<a class="button primary" href="{creator}">{texts.NEXT_CHANGE_CREATOR}</a>' in outcome["html"]


@responses.activate
def test_helpdesk_who_cannot_change_the_creator_is_offered_to_ask_an_office_admin(helpdesk, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))
    client = Client()
    client.force_login(helpdesk)

    outcome = the_outcome(title_fix(client, meeting))

    assert outcome["level"] == "error" and outcome["focused"]
    assert f'href="{reverse("meetings:creator", args=[meeting.pk])}"' not in outcome["html"]
    assert f">{texts.NEXT_ASK_OFFICE_ADMIN}</button>" in outcome["html"]
    # The button copies a request an office admin can act on: which meeting, where, the request ID.
    note = texts.NOTE_CHANGE_CREATOR % {
        "title": meeting.title,
        "url": f"http://testserver{reverse('meetings:creator', args=[meeting.pk])}",
        "request_id": REQUEST_ID,
    }
    assert f'data-copy="{note}"' in outcome["html"]


@responses.activate
def test_a_missing_permission_of_the_app_asks_an_office_admin(helpdesk, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied", "no"))
    client = Client()
    client.force_login(helpdesk)

    outcome = the_outcome(title_fix(client, meeting))

    assert f">{texts.NEXT_ASK_OFFICE_ADMIN}</button>" in outcome["html"]
    assert f"http://testserver{edit_url(meeting)}" in outcome["html"]


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(dingtalk_error(403, "Forbidden.AccessDenied.QpsLimitForApi", "qps"), id="throttled"),
        pytest.param(dingtalk_error(400, "systemError", "systemError:busy"), id="systemError-refused"),
    ],
)
@responses.activate
def test_a_passing_failure_offers_try_again_with_the_input_kept(alice_client, meeting, reply):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **reply)

    response = post_typed(alice_client, meeting)

    outcome = the_outcome(response)
    assert outcome["count"] == 1 and outcome["focused"]
    assert (
        f'<button type="submit" form="meeting-form" class="primary">{texts.NEXT_TRY_AGAIN}</button>'
        in (outcome["html"])
    )
    assert 'id="meeting-form"' in response.content.decode()
    assert_input_kept(response)


# --- a save whose outcome is unknown, and its check -------------------------------------------------------


def wait_is_over(meeting):
    """Time passes: the meeting's lock and its pending row's wait end now (a second ago)."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=past)
    MeetingChange.objects.filter(meeting=meeting, outcome__in=MeetingChange.PENDING).update(check_after=past)


def submission_page(client, change):
    return client.get(f"{edit_url(change.meeting)}?submission={change.submission_key}")


@pytest.mark.usefixtures("read_timeout")
@responses.activate
def test_dingtalks_system_error_after_it_got_the_change_says_so_not_cut_off(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(500, "systemError", "systemError:busy"))

    response = post_typed(alice_client, meeting)

    change = the_change(meeting)
    assert (change.outcome, change.dingtalk_code) == ("unknown", "systemError")
    assert change.message == str(texts.OUTCOME_UNKNOWN_SYSTEM_ERROR)
    assert shown_unknown(response, change, texts.OUTCOME_UNKNOWN_SYSTEM_ERROR, request_id=REQUEST_ID)
    outcome = the_outcome(response)
    assert outcome["count"] == 1 and outcome["focused"]
    assert outcome["html"].rstrip().endswith(SMALL_REQUEST_ID)  # the request ID last, after the wait


@pytest.mark.usefixtures("read_timeout")
@responses.activate
def test_the_wait_is_said_when_the_page_is_shown_not_when_the_save_was_stored(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    # A minute later (the wait moved on as the clock would have): the page says what is left, not what was.
    later = timezone.now() + datetime.timedelta(seconds=40)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=later)
    MeetingChange.objects.filter(pk=change.pk).update(check_after=later)
    change.refresh_from_db()

    response = submission_page(alice_client, change)

    assert shown_unknown(response, change)
    assert texts.wait_in_words(40) in the_outcome(response)["text"]


@pytest.mark.usefixtures("read_timeout")
@responses.activate
def test_a_check_that_finds_the_change_not_saved_brings_back_what_was_typed_with_try_again(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)  # DingTalk still has the stored values: it did not take the change

    response = submission_page(alice_client, change)

    change.refresh_from_db()
    assert change.outcome == "not_applied"
    assert shown_messages(response) == [
        texts.CHECKED_YOURS_NOT_SAVED
        % {
            "title": "Weekly sync",
            "start": "2026-12-01 10:00",
            "end": "2026-12-01 11:00",
            "time_zone": "Beijing time (UTC+8)",
        }
    ]
    outcome = the_outcome(response)
    assert (outcome["level"], outcome["focused"], outcome["count"]) == ("warning", True, 1)
    assert (
        f'<button type="submit" form="meeting-form" class="primary">{texts.NEXT_TRY_AGAIN}</button>'
        in (outcome["html"])
    )
    assert_input_kept(response)
    # Try again is a save on top of what the page says DingTalk has.
    assert str(form_values(response)["version"]) == str(Meeting.objects.get(pk=meeting.pk).version)
    assert "pending-check" not in response.content.decode()


@pytest.mark.usefixtures("read_timeout")
@responses.activate
def test_a_check_that_finds_other_values_in_dingtalk_says_so_and_keeps_what_was_typed(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    dingtalk_has(meeting, title="Changed in DingTalk")  # the next read sees it

    response = submission_page(alice_client, change)

    assert shown_messages(response) == [
        texts.CHECKED_YOURS_NOT_SAVED_CHANGED_THERE
        % {
            "title": "Changed in DingTalk",
            "start": "2026-12-01 10:00",
            "end": "2026-12-01 11:00",
            "time_zone": "Beijing time (UTC+8)",
        }
    ]
    assert_input_kept(response)
    stored = Meeting.objects.get(pk=meeting.pk)
    assert stored.title == "Changed in DingTalk"
    assert str(form_values(response)["version"]) == str(stored.version)


@pytest.mark.usefixtures("read_timeout")
@responses.activate
def test_a_check_that_could_not_read_dingtalk_says_when_it_tries_again_as_a_wait(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    responses.replace(responses.GET, dingtalk_query_url(meeting), body=requests.ReadTimeout("slow"))

    response = submission_page(alice_client, change)

    (shown,) = shown_messages(response)
    reason = texts.TIMEOUT
    assert shown == f"{texts.OUTCOME_UNKNOWN} " + texts.CHECK_FAILED % {
        "reason": reason,
        "wait": texts.wait_in_words(60),
    }
    assert "in about 60 seconds" in shown and not re.search(r"\d:\d\d:\d\d", shown)


def test_an_answer_stored_with_a_clock_time_before_this_change_is_still_shown(alice_client, meeting, office_admin):
    old = (
        "DingTalk did not answer in time, so it is not known yet whether your change was saved. Nobody can save "
        "this meeting until the portal has checked with DingTalk, after 10:38:50 (Asia/Shanghai)."
    )
    change = MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=office_admin,
        outcome=MeetingChange.Outcome.FAILED,
        message=old,
        submission_key="a" * 32,
        new_title="Weekly sync v2",
        new_starts_at=meeting.starts_at,
        new_ends_at=meeting.ends_at,
        based_on_version=meeting.version,
    )

    assert shown_messages(submission_page(alice_client, change)) == [old]


# --- the poll keeps the wait current ----------------------------------------------------------------------


@pytest.mark.usefixtures("read_timeout")
@responses.activate
def test_the_poll_puts_the_wait_in_place_and_moves_on_when_the_attempt_does(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    check = reverse("meetings:check", args=[meeting.pk])

    waiting = alice_client.get(f"{check}?change={change.pk}&attempt={change.pk}&shown=unknown").json()
    moved_on = alice_client.get(f"{check}?change={change.pk}&attempt={change.pk}&shown=in_progress").json()

    assert waiting["done"] is False
    assert waiting["html"]["outcome-wait"] in waits_for(change)
    # The page showed "being saved"; the save has since become unknown: the page goes on to say so.
    assert moved_on["done"] is True


@pytest.mark.usefixtures("read_timeout")
@responses.activate
def test_a_save_stopped_by_the_wait_for_a_check_offers_try_again_once_the_check_is_done(alice_client, meeting):
    lost_answer(alice_client, meeting)
    stopped = post_typed(alice_client, meeting, title="Alice again")
    attempt = MeetingChange.objects.get(outcome="conflict")
    assert the_outcome(stopped)["count"] == 1
    assert str(texts.NEXT_TRY_AGAIN) not in the_outcome(stopped)["html"]  # nobody can save yet: no control for it
    wait_is_over(meeting)

    after = submission_page(alice_client, attempt)  # where the page goes once the check is done

    outcome = the_outcome(after)
    assert outcome["text"].startswith(f"{texts.WAITING_FOR_CHECK} {texts.FREE_AGAIN}")
    assert f">{texts.NEXT_TRY_AGAIN}</button>" in outcome["html"]
    assert form_values(after)["title"] == "Alice again"


@pytest.mark.usefixtures("read_timeout")
@responses.activate
def test_someone_opening_the_meeting_when_the_check_fails_reads_one_message_with_the_wait(alice_client, meeting):
    lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    responses.replace(responses.GET, dingtalk_query_url(meeting), body=requests.ReadTimeout("slow"))

    response = alice_client.get(edit_url(meeting))

    assert shown_messages(response) == [texts.CHECK_FAILED % {"reason": texts.TIMEOUT, "wait": "60 seconds"}]
    assert the_outcome(response)["count"] == 1
    assert 'class="pending-check"' not in response.content.decode()


@pytest.mark.usefixtures("read_timeout")
@responses.activate
def test_opening_the_meeting_when_ones_own_save_is_checked_as_not_saved_brings_back_what_was_typed(
    alice_client, meeting
):
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)

    response = alice_client.get(edit_url(meeting), follow=True)  # the plain page, not the submission's

    assert response.redirect_chain[-1][0].endswith(f"?submission={change.submission_key}")
    assert shown_messages(response)[0].startswith("Checked with DingTalk: your change was not saved")
    assert_input_kept(response)
