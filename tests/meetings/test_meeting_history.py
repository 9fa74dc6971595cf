"""/meetings/<id>/history/: every attempt, who and when, old -> new, outcome, DingTalk's code and request ID."""

import datetime
import re
from html import unescape

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from meetings import services, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import UPDATE_URL, dingtalk_error, dingtalk_has, update_meeting

START = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


def history_url(meeting):
    return reverse("meetings:history", args=[meeting.pk])


def attempt(meeting, user, **fields):
    return MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=user,
        old_title=meeting.title,
        old_starts_at=meeting.starts_at,
        old_ends_at=meeting.ends_at,
        **fields,
    )


def test_it_lists_every_attempt_with_its_details(office_admin_client, meeting, office_admin):
    attempt(
        meeting,
        office_admin,
        outcome="success",
        new_title="Weekly sync v2",
        new_starts_at=START + HOUR,
        new_ends_at=START + 2 * HOUR,
        request_id="req-ok-1",
        http_status=200,
        created_at=datetime.datetime(2026, 11, 20, 1, 2, 3, tzinfo=datetime.UTC),
    )
    attempt(
        meeting,
        office_admin,
        outcome="failed",
        new_title="<script>x</script>",
        new_starts_at=START,
        new_ends_at=START + HOUR,
        dingtalk_code="paramsError",
        request_id="req-bad-2",
        http_status=400,
        message="DingTalk rejected a value",
    )
    attempt(meeting, None, outcome="conflict", new_title="Late", new_starts_at=START, new_ends_at=START + HOUR)

    response = office_admin_client.get(history_url(meeting))

    html = response.content.decode()
    assert [c.outcome for c in response.context["changes"]] == ["conflict", "failed", "success"]
    assert "2026-11-20 09:02:03" in html  # in the organization's zone
    assert "alice" in html
    assert "<del>Weekly sync</del> → <ins>Weekly sync v2</ins>" in html
    assert "<del>2026-12-01 10:00</del> → <ins>2026-12-01 11:00</ins>" in html
    assert "paramsError" in html and "req-bad-2" in html and "req-ok-1" in html
    assert "Succeeded" in html and "Failed" in html and "Stopped: changed elsewhere" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html


def test_it_labels_a_canceled_meeting(office_admin_client, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELED)
    assert "Canceled in DingTalk" in office_admin_client.get(history_url(meeting)).content.decode()


def test_it_needs_the_permission(alice_client, meeting):
    assert alice_client.get(history_url(meeting)).status_code == 403  # alice without the Office admins group


def test_it_costs_the_same_queries_for_more_attempts(
    office_admin_client, meeting, office_admin, django_user_model, django_assert_num_queries
):
    attempt(meeting, office_admin, outcome="success", new_title="a")
    office_admin_client.get(history_url(meeting))  # warm the session
    with CaptureQueriesContext(connection) as few:
        office_admin_client.get(history_url(meeting))
    for index in range(20):
        attempt(meeting, django_user_model.objects.create_user(f"user{index}"), outcome="failed", new_title=f"t{index}")
    with django_assert_num_queries(len(few)):
        office_admin_client.get(history_url(meeting))


@responses.activate
def test_a_refusal_saved_in_english_reads_in_chinese_to_a_chinese_reader(office_admin_client, meeting, office_admin):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(400, "permissionError", "permissionError:no", requestid="rq-7"))
    with pytest.raises(services.MeetingError):
        update_meeting(meeting, office_admin, title="Weekly sync v2")  # the person reads English

    html = office_admin_client.get(history_url(meeting), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    [cell] = re.findall(r'<td data-label="显示的提示">(.*?)</td>', html, flags=re.S)
    with translation.override("zh-hans"):
        refused = texts.PERMISSION_ERROR % {"detail": "no"}
        assert unescape(cell).startswith(str(refused))
        assert str(texts.SAVE_REFUSED_CHANGE_CREATOR) in unescape(cell)
    assert not re.search(r"[A-Za-z]{4,} [a-z]{2,} [a-z]{2,}", unescape(cell))  # no English sentence


def test_a_message_kept_before_sentences_had_codes_shows_as_written(office_admin_client, meeting, office_admin):
    attempt(meeting, office_admin, outcome="failed", new_title="x", message="Ein alter Satz, wie er war.")

    html = office_admin_client.get(history_url(meeting), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Ein alter Satz, wie er war." in html


@responses.activate
def test_a_save_made_in_english_reads_in_chinese_in_history(office_admin_client, meeting, office_admin):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    update_meeting(meeting, office_admin, title="Weekly sync v2")  # the person reads English

    html = unescape(office_admin_client.get(history_url(meeting), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())

    [cell] = re.findall(r'<td data-label="显示的提示">(.*?)</td>', html, flags=re.S)
    meeting.refresh_from_db()
    with translation.override("zh-hans"):
        saved = texts.MEETING_UPDATED % {
            "title": "Weekly sync v2",
            "start": texts.local_time(meeting.starts_at, meeting.organization),
            "end": texts.local_time(meeting.ends_at, meeting.organization),
            "time_zone": texts.zone_name(meeting.organization.time_zone, meeting.starts_at),
        }
    assert cell.strip() == str(saved)
    assert "北京时间" in cell
    english = unescape(office_admin_client.get(history_url(meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Saved. DingTalk now has “Weekly sync v2”" in english
