"""Checking a save whose answer was lost (issue 15): once no try can still arrive, the portal reads DingTalk
and records what it has -- from the edit or history page, the next save, the queued job or
`manage.py check_saves` -- and every page says the outcome was unknown first.
"""

import datetime
import io
from html import unescape

import pytest
import requests
import responses
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from meetings import dingtalk, services, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    TYPED,
    TYPED_END,
    TYPED_START,
    TYPED_TITLE,
    UPDATE_URL,
    connection_refused,
    dingtalk_has,
    dingtalk_query_url,
    edit_url,
    grant,
    lost_answer,
    post_typed,
    sent_updates,
    shown_messages,
    shown_unknown,
    the_change,
    unknown_sentence,
)

# DingTalk's read timeout is READ_TIMEOUT: a lost answer is a read timeout.
pytestmark = pytest.mark.usefixtures("read_timeout")


def wait_is_over(meeting):
    """Time passes: the meeting's lock and its pending row's wait end now (a second ago)."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=past)
    MeetingChange.objects.filter(meeting=meeting, outcome__in=MeetingChange.PENDING).update(check_after=past)


def dingtalk_now_has(meeting, **values):
    responses.replace(
        responses.GET,
        dingtalk_query_url(meeting),
        json={
            "scheduleConferenceId": meeting.schedule_conference_id,
            "title": values.get("title", meeting.title),
            "startTime": dingtalk.epoch_ms(values.get("starts_at", meeting.starts_at)),
            "endTime": dingtalk.epoch_ms(values.get("ends_at", meeting.ends_at)),
        },
    )


# --- checking -----------------------------------------------------------------------------------------


@responses.activate
def test_after_the_wait_the_edit_page_finds_the_change_saved_after_all(alice_client, meeting, office_admin):
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    dingtalk_now_has(meeting, title=TYPED_TITLE, starts_at=TYPED_START, ends_at=TYPED_END)

    response = alice_client.get(edit_url(meeting))

    change.refresh_from_db()
    assert change.outcome == "success" and change.checked_at is not None
    assert change.outcome_label == "Unknown → succeeded (checked with DingTalk)"
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.title, stored.starts_at, stored.ends_at, stored.version) == (
        TYPED_TITLE,
        TYPED_START,
        TYPED_END,
        meeting.version + 1,
    )
    assert (stored.updated_by, stored.update_lease_until) == (office_admin, None)
    assert shown_messages(response) == [
        texts.CHECKED_SAVED
        % {
            "person": "alice",
            "when": texts.local_time(change.created_at, meeting.organization),
            "title": TYPED_TITLE,
            "start": "2026-12-01 14:00",
            "end": "2026-12-01 15:30",
            "time_zone": "Beijing time (UTC+8)",
        }
    ]
    html = response.content.decode()
    assert "pending-check" not in html
    assert f'<input type="hidden" name="version" value="{meeting.version + 1}"' in html


@responses.activate
def test_a_check_made_for_an_english_reader_reads_in_chinese_in_history(alice_client, meeting, office_admin):
    grant(office_admin, "view_meetingchange")
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    dingtalk_now_has(meeting, title=TYPED_TITLE, starts_at=TYPED_START, ends_at=TYPED_END)
    alice_client.get(edit_url(meeting), HTTP_ACCEPT_LANGUAGE="en")  # checked while Alice reads English

    html = alice_client.get(reverse("meetings:history", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")

    change.refresh_from_db()
    with translation.override("zh-hans"):
        checked = texts.CHECKED_SAVED % {
            "person": "alice",
            "when": texts.local_time(change.created_at, meeting.organization),
            "title": TYPED_TITLE,
            "start": "2026-12-01 14:00",
            "end": "2026-12-01 15:30",
            "time_zone": texts.zone_name(meeting.organization.time_zone, TYPED_START),
        }
    assert str(checked) in unescape(html.content.decode())
    assert "北京时间" in str(checked)


@responses.activate
def test_after_the_wait_a_change_dingtalk_does_not_have_did_not_change(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)

    response = alice_client.get(edit_url(meeting), follow=True)  # DingTalk still has the stored values

    change.refresh_from_db()
    assert change.outcome_label == "Unknown → did not change (checked with DingTalk)"
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.title, stored.version, stored.update_lease_until) == (meeting.title, meeting.version, None)
    # History keeps who and when; Alice herself is told in her words, on the page of her submission.
    assert change.message.startswith("Checked with DingTalk: the change saved by alice at ")
    assert shown_messages(response)[0].startswith("Checked with DingTalk: your change was not saved")
    assert "was not saved" in change.message


@responses.activate
def test_after_the_wait_the_portal_takes_what_dingtalk_has_whoever_changed_it(alice_client, meeting, office_admin):
    grant(office_admin, "view_meetingchange")
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    dingtalk_now_has(meeting, title="Changed in DingTalk")

    alice_client.get(reverse("meetings:history", args=[meeting.pk]))  # the history page checks it too

    change.refresh_from_db()
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (change.outcome, stored.title, stored.version, stored.updated_by) == (
        "not_applied",
        "Changed in DingTalk",
        meeting.version + 1,
        None,
    )
    assert "“Changed in DingTalk”" in change.message and "The portal now shows those." in change.message


@responses.activate
def test_a_save_after_the_wait_is_based_on_the_checked_truth(alice_client, meeting, helpdesk):
    opened_at_version = meeting.version  # Hana opened the form before Alice's save
    lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    dingtalk_now_has(meeting, title=TYPED_TITLE, starts_at=TYPED_START, ends_at=TYPED_END)
    hana = Client()
    hana.force_login(helpdesk)
    puts = len(sent_updates())

    response = post_typed(
        hana,
        meeting,
        version=opened_at_version,
        title="Hana's fix",
        start_time="2026-12-01T10:00",
        end_time="2026-12-01T11:00",
    )

    assert shown_messages(response) == [str(texts.SAVED_BY_SOMEONE_ELSE)]
    assert [change.new_title for change in response.context["changes_since"]] == [TYPED_TITLE]
    assert len(sent_updates()) == puts  # Alice's change, saved after all, is not overwritten
    assert Meeting.objects.get(pk=meeting.pk).title == TYPED_TITLE


@responses.activate
def test_a_failed_check_keeps_the_lock_and_is_tried_again(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    responses.replace(responses.GET, dingtalk_query_url(meeting), body=connection_refused())

    response = alice_client.get(edit_url(meeting))

    change.refresh_from_db()
    assert change.outcome == "unknown" and change.checked_at is None
    assert timezone.now() + datetime.timedelta(seconds=55) < change.check_after
    assert Meeting.objects.get(pk=meeting.pk).update_lease_until == change.check_after
    (message,) = shown_messages(response)
    assert message.startswith("The portal could not check with DingTalk whether an earlier save")
    # One message says it (no "Checking with DingTalk" box beside it); the page still asks again by itself.
    html = response.content.decode()
    assert 'class="pending-check"' not in html and "data-poll=" in html


@pytest.fixture
def dead_save(meeting, office_admin):
    """A worker killed mid-save left its IN_PROGRESS row and its lease, now run out; DingTalk got the update."""
    lease = timezone.now() - datetime.timedelta(seconds=1)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=lease)
    return MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=office_admin,
        outcome="in_progress",
        based_on_version=meeting.version,
        old_title=meeting.title,
        new_title="Weekly sync v2",
        new_starts_at=meeting.starts_at,
        new_ends_at=meeting.ends_at,
        check_after=lease,
    )


@responses.activate
def test_the_command_checks_a_save_whose_process_died(meeting, dead_save):
    change = dead_save
    dingtalk_has(meeting, title="Weekly sync v2")
    out = io.StringIO()

    call_command("check_saves", stdout=out)

    change.refresh_from_db()
    assert change.outcome_label == "Unknown → succeeded (checked with DingTalk)"
    assert Meeting.objects.get(pk=meeting.pk).title == "Weekly sync v2"
    assert out.getvalue().startswith(f"Meeting {meeting.pk}: change {change.pk} Unknown → succeeded")
    # Nothing left to do: a second run reads nothing.
    calls = len(responses.calls)
    call_command("check_saves", stdout=io.StringIO())
    assert len(responses.calls) == calls


@responses.activate
def test_the_periodic_check_checks_a_save_whose_process_died(meeting, dead_save, django_capture_on_commit_callbacks):
    from meetings import tasks

    dingtalk_has(meeting, title="Weekly sync v2")
    with django_capture_on_commit_callbacks(execute=True):
        services.periodic_jobs_queue_due()  # as each worker does every second
    assert "meetings.tasks.meetings_save_check_job" in DBTaskResult.objects.values_list("task_path", flat=True)

    tasks.meetings_save_check_job.call()  # as the worker runs it

    assert MeetingChange.objects.get(pk=dead_save.pk).outcome_label == "Unknown → succeeded (checked with DingTalk)"
    assert Meeting.objects.get(pk=meeting.pk).title == "Weekly sync v2"


@responses.activate
def test_the_command_leaves_a_save_whose_wait_is_not_over(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    calls = len(responses.calls)

    call_command("check_saves", stdout=io.StringIO())

    assert len(responses.calls) == calls
    assert MeetingChange.objects.get(pk=change.pk).outcome == "unknown"


@responses.activate
def test_the_queued_job_checks_it(alice_client, meeting, settings):
    from meetings import tasks

    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    dingtalk_now_has(meeting, title=TYPED_TITLE, starts_at=TYPED_START, ends_at=TYPED_END)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    tasks.meeting_save_check_job.enqueue(meeting_id=meeting.pk)

    assert MeetingChange.objects.get(pk=change.pk).outcome == "success"


@responses.activate
def test_two_viewers_never_both_read_dingtalk(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    wait_is_over(meeting)
    stale = Meeting.objects.select_related("organization").get(pk=meeting.pk)
    calls = len(responses.calls)

    assert services.meeting_save_check(meeting=Meeting.objects.select_related("organization").get(pk=meeting.pk))
    assert services.meeting_save_check(meeting=stale) is None  # its copy still shows the expired lock

    assert len(responses.calls) == calls + 1
    assert MeetingChange.objects.get(pk=change.pk).outcome == "not_applied"


# --- how it reads -------------------------------------------------------------------------------------


@responses.activate
def test_history_activity_and_csv_say_it_was_unknown_first(alice_client, meeting, office_admin):
    grant(office_admin, "view_meetingchange", "view_activity")
    lost_answer(alice_client, meeting)
    history = alice_client.get(reverse("meetings:history", args=[meeting.pk])).content.decode()
    assert "Unknown: may have been saved" in history
    wait_is_over(meeting)
    dingtalk_now_has(meeting, title=TYPED_TITLE, starts_at=TYPED_START, ends_at=TYPED_END)

    history = alice_client.get(reverse("meetings:history", args=[meeting.pk])).content.decode()
    activity = alice_client.get(reverse("meetings:activity")).content.decode()
    csv = alice_client.get(reverse("meetings:activity_csv")).content.decode()

    for shown in (history, activity, csv):
        assert "Unknown → succeeded (checked with DingTalk)" in shown


@responses.activate
def test_the_unknown_outcome_reads_in_chinese(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, body=requests.ReadTimeout("slow"))

    with translation.override("zh-hans"):
        response = alice_client.post(
            edit_url(meeting), {**TYPED, "version": meeting.version}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert shown_unknown(response, the_change(meeting))
        chinese = unknown_sentence(the_change(meeting))

    assert chinese != unknown_sentence(the_change(meeting))  # it was translated
    assert "约 15 秒后" in shown_messages(response)[0]  # the wait in words, in Chinese


@responses.activate
def test_the_page_of_a_save_made_in_english_reads_in_chinese_later(alice_client, meeting):
    """The attempt keeps its sentence as a code: its page reads in the language of whoever opens it."""
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, body=requests.ReadTimeout("slow"))
    saved = alice_client.post(edit_url(meeting), {**TYPED, "version": meeting.version}, HTTP_ACCEPT_LANGUAGE="en")

    page = alice_client.get(saved.url, HTTP_ACCEPT_LANGUAGE="zh-hans")

    with translation.override("zh-hans"):
        assert shown_messages(page)[0].startswith(str(texts.OUTCOME_UNKNOWN))


def test_the_error_page_never_says_nothing_was_sent(client):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Nothing you typed was sent" not in html
    assert "open it again: the portal shows whether your change was saved in DingTalk" in html
