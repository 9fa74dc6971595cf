"""A save whose answer was lost (issue 15, points 1 and 2): the outcome is unknown, never "failed", and the
meeting stays locked until no try can still arrive."""

import datetime
import json

import pytest
import requests
import responses
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meetings import dingtalk, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    API_BASE,
    READ_TIMEOUT,
    TYPED_TITLE,
    UPDATE_URL,
    connection_dropped,
    connection_refused,
    dingtalk_has,
    edit_url,
    lost_answer,
    now_at_database_precision,
    post_typed,
    sent_updates,
    shown_messages,
    shown_unknown,
    the_change,
    the_outcome,
)

# DingTalk's read timeout is READ_TIMEOUT: a lost answer is a read timeout.
pytestmark = pytest.mark.usefixtures("read_timeout")

# --- the save whose answer is lost ------------------------------------------------------------------


@responses.activate
def test_a_read_timeout_is_unknown_sent_once_and_keeps_the_meeting_locked(alice_client, meeting, office_admin):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, body=requests.ReadTimeout("slow"))
    before = now_at_database_precision()

    response = post_typed(alice_client, meeting)

    assert response.status_code == 200
    assert len(sent_updates()) == 1  # not retried: a second copy could land after someone else's save
    change = the_change(meeting)
    assert (change.user, change.outcome, change.dingtalk_code) == (office_admin, "unknown", "DingTalkTimeout")
    # The configured read timeout, and as long again for DingTalk still working on it, and 2 s.
    wait = datetime.timedelta(seconds=2 * READ_TIMEOUT + 2)
    assert before + wait <= change.check_after <= timezone.now() + wait
    assert Meeting.objects.get(pk=meeting.pk).update_lease_until == change.check_after
    # One message, which takes the focus: what happened, then the wait in words, never a clock time.
    assert shown_unknown(response, change)
    assert change.message == str(texts.OUTCOME_UNKNOWN)
    outcome = the_outcome(response)
    assert (outcome["level"], outcome["focused"], outcome["count"]) == ("warning", True, 1)
    html = response.content.decode()
    assert "Nothing was sent" not in html and "failed" not in change.message.lower()
    assert 'class="pending-check"' not in html  # the message says the wait: no second box saying it again
    # No reload (axe: meta-refresh): a script asks the check endpoint, from just after the wait (14 s) at the
    # latest every 10 s, and puts the wait in place (#outcome-wait); once the check is done, the page of this
    # submission shows the answer. A plain link without it.
    check = reverse("meetings:check", args=[meeting.pk])
    assert '<span id="outcome-wait">' in outcome["html"]
    assert (
        f'data-poll="{check}?change={change.pk}&amp;attempt={change.pk}&amp;shown=unknown" data-poll-seconds="10"'
        in html
    )
    assert f'href="?submission={change.submission_key}" data-poll-fallback' in html
    assert "http-equiv" not in html
    assert '<button type="submit" class="primary" disabled>' in html
    assert 'value="Weekly sync &lt;b&gt;v2&lt;/b&gt;"' in html  # the input is kept


@pytest.mark.parametrize(
    "reply, code, sentence",
    [
        pytest.param(
            {"body": connection_dropped()}, "DingTalkConnectionDropped", texts.OUTCOME_UNKNOWN_DROPPED, id="dropped"
        ),
        pytest.param(
            {"body": requests.exceptions.ChunkedEncodingError("cut short")},
            "DingTalkConnectionDropped",
            texts.OUTCOME_UNKNOWN_DROPPED,
            id="cut-short",
        ),
        pytest.param(
            {"body": requests.exceptions.ContentDecodingError("bad gzip")},
            "DingTalkConnectionDropped",
            texts.OUTCOME_UNKNOWN_DROPPED,
            id="bad-encoding",
        ),
        pytest.param(
            {"status": 502, "body": "<html>bad gateway</html>"},
            "DingTalkBadReply",
            texts.OUTCOME_UNKNOWN_UNREADABLE,
            id="html-5xx",
        ),
        pytest.param(
            {"status": 200, "body": "[" * 100_000 + "]" * 100_000},
            "DingTalkBadReply",
            texts.OUTCOME_UNKNOWN_UNREADABLE,
            id="nested-json",
        ),
        pytest.param(
            {"body": RuntimeError("a bug while reading the reply")},
            "RuntimeError",
            texts.OUTCOME_UNKNOWN_UNCLEAR,
            id="any-error",
        ),
        pytest.param(
            {"status": 200, "json": {"success": False}},
            "DingTalkNotConfirmed",
            texts.OUTCOME_UNKNOWN_NOT_CONFIRMED,
            id="not-confirmed",
        ),
    ],
)
@responses.activate
def test_every_reply_that_may_hide_a_change_is_unknown_and_never_a_500(alice_client, meeting, reply, code, sentence):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **reply)

    response = post_typed(alice_client, meeting)

    assert response.status_code == 200
    assert len(sent_updates()) == 1
    change = the_change(meeting)
    assert (change.outcome, change.dingtalk_code) == ("unknown", code)
    # Each cause in words of its own, each saying the change may have been saved and the portal checks.
    assert shown_unknown(response, change, sentence)
    assert change.message == str(sentence)
    assert "Nothing was sent" not in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).update_lease_until == change.check_after


@responses.activate
def test_a_refused_connection_is_retried_and_fails_with_nothing_sent(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, body=connection_refused())

    response = post_typed(alice_client, meeting)

    assert len(sent_updates()) == dingtalk.MAX_ATTEMPTS
    change = the_change(meeting)
    assert (change.outcome, change.check_after) == ("failed", None)
    assert shown_messages(response) == [texts.CONNECTION_REFUSED % {"host": API_BASE}]
    assert Meeting.objects.get(pk=meeting.pk).update_lease_until is None  # nothing to wait for


@responses.activate
def test_the_row_is_in_progress_before_the_update_is_sent(alice_client, meeting):
    dingtalk_has(meeting)
    seen = []

    def dingtalk_receives(request):
        change = the_change(meeting)
        seen.append((change.outcome, change.new_title, change.check_after))
        return 200, {}, json.dumps({"success": True})

    responses.add_callback(responses.PUT, UPDATE_URL, callback=dingtalk_receives)

    post_typed(alice_client, meeting)

    lease = seen[0][2]
    assert seen == [("in_progress", TYPED_TITLE, lease)]
    assert lease is not None  # a dead process's row is checked when its lease runs out
    assert (the_change(meeting).outcome, the_change(meeting).check_after) == ("success", None)
    assert not DBTaskResult.objects.exists()  # a save that ends queues no check: see the worker-start one


@responses.activate
def test_a_check_is_queued_for_when_the_wait_is_over(alice_client, meeting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # queued once the save's transaction commits
        change = lost_answer(alice_client, meeting)

    queued = DBTaskResult.objects.filter(task_path="meetings.tasks.meeting_save_check_job")
    assert change.check_after in {job.run_after for job in queued}
    assert all(job.args_kwargs == {"args": [], "kwargs": {"meeting_id": meeting.pk}} for job in queued)


# --- during the wait ----------------------------------------------------------------------------------


@responses.activate
def test_nobody_can_save_during_the_wait_and_is_told_why(alice_client, meeting, helpdesk):
    change = lost_answer(alice_client, meeting)
    calls = len(responses.calls)
    hana = Client()
    hana.force_login(helpdesk)

    again = post_typed(alice_client, meeting, title="Alice again")
    other = post_typed(hana, meeting, title="Hana's fix", start_time="2026-12-01T10:00", end_time="2026-12-01T11:00")

    assert shown_unknown(again, change, texts.WAITING_FOR_CHECK)
    assert shown_unknown(other, change, texts.WAITING_FOR_CHECK)
    assert len(responses.calls) == calls  # nothing asked of DingTalk: the wait is not over
    assert MeetingChange.objects.filter(outcome="conflict").count() == 2
    assert MeetingChange.objects.get(pk=change.pk).outcome == "unknown"


@responses.activate
def test_the_edit_page_shows_the_check_while_it_waits(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    calls = len(responses.calls)

    html = alice_client.get(edit_url(meeting)).content.decode()

    # The wait in words, not a clock time in some zone: about 15 seconds (14 s, rounded to 5).
    text = texts.CHECKING_WITH_DINGTALK % {"wait": texts.wait_in_words(14)}
    assert text in html
    assert f'href="?checked={change.pk}" data-poll-fallback' in html
    assert '<button type="submit" class="primary" disabled>' in html
    assert len(responses.calls) == calls


def test_an_unlocked_meeting_costs_no_query_for_the_check(alice_client, meeting, django_assert_num_queries):
    alice_client.get(edit_url(meeting))  # the session and permissions are loaded once
    with django_assert_num_queries(4):  # session, user, permissions, the meeting: nothing for the check
        response = alice_client.get(edit_url(meeting))
    assert "pending-check" not in response.content.decode()
