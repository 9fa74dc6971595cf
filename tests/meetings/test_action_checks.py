"""A booking, a cancel or a settings change whose answer never arrived (it timed out, or the process died between
sending it and recording the answer) is "may have been done" until DingTalk is read again -- never "failed",
never left "in progress". Once no try of it can still arrive, the periodic check (services.meetings_save_check,
`manage.py check_saves`) reads DingTalk and settles the row; a booking, which DingTalk offers no way to find
again without its answer, ends as "may have been booked: look in DingTalk", and its booker is told.
"""

import datetime
import io
import json

import pytest
import requests
import responses
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from meetings import dingtalk, services, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    API_BASE,
    DINGTALK_CANCELED,
    dingtalk_has,
    dingtalk_query_url,
    edit_url,
    grant,
    the_outcome,
)

from .test_meeting_create import CREATE_PAGE, CREATE_URL, form_data
from .test_meeting_settings import SETTINGS_URL, dingtalk_settings, posted, settings_page

CANCEL_URL = API_BASE + dingtalk.CANCEL_PATH


def the_process_dies(request):
    raise KeyboardInterrupt  # not an Exception: nothing of the portal's handles it, as when a worker is killed


def wait_is_over():
    """Time passes: every lock and every pending row's wait end now (a second ago)."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    Meeting.objects.exclude(update_lease_until=None).update(update_lease_until=past)
    MeetingChange.objects.filter(outcome__in=MeetingChange.PENDING).exclude(check_after=None).update(check_after=past)


@pytest.fixture
def power_client(alice_client, office_admin):
    grant(office_admin, "cancel_meeting", "change_meeting_settings", "view_meetingchange")
    return alice_client


# --- a booking -----------------------------------------------------------------------------------------


@responses.activate
def test_a_booking_cut_off_mid_call_ends_as_may_have_been_booked_after_its_wait(power_client, organization):
    responses.add_callback(responses.POST, CREATE_URL, callback=the_process_dies)
    with pytest.raises(KeyboardInterrupt):
        power_client.post(CREATE_PAGE, form_data(organization))
    change = MeetingChange.objects.get()
    assert change.outcome == MeetingChange.Outcome.IN_PROGRESS
    assert change.check_after is not None  # when no answer to it can still arrive

    assert services.meetings_save_check() == 0  # the wait is not over: the process may still be alive
    assert MeetingChange.objects.get().outcome == MeetingChange.Outcome.IN_PROGRESS

    wait_is_over()
    output = io.StringIO()
    call_command("check_saves", stdout=output)

    change = MeetingChange.objects.get()
    assert (change.outcome, change.meeting, change.check_after) == (MeetingChange.Outcome.UNKNOWN, None, None)
    assert change.outcome_label == "Unknown: may have been saved"
    assert change.message == texts.CREATE_OUTCOME_UNKNOWN % {
        "title": "季度规划",
        "start": "2026-12-03 14:00",
        "time_zone": "Beijing time (UTC+8)",
        "creator": "creator-7",
        "error": texts.CREATE_INTERRUPTED,
    }
    assert output.getvalue() == f"Booking {change.pk}: {change.outcome_label}. {change.message}\n"
    assert len(responses.calls) == 1  # nothing sent again: a second booking could be a second meeting


@responses.activate
def test_a_booking_whose_process_finishes_after_all_keeps_its_answer(power_client, organization):
    """The check settles only a row whose process is gone: a process that finishes after it wrote its answer."""
    from .test_meeting_create import CREATED

    responses.post(CREATE_URL, json=CREATED)
    power_client.post(CREATE_PAGE, form_data(organization))
    wait_is_over()

    services.meetings_save_check()

    change = MeetingChange.objects.get()
    assert (change.outcome, change.meeting) == (MeetingChange.Outcome.SUCCESS, Meeting.objects.get())


@responses.activate
def test_the_booker_is_told_on_the_booking_page(power_client, organization, office_admin, django_user_model):
    responses.add_callback(responses.POST, CREATE_URL, callback=the_process_dies)
    with pytest.raises(KeyboardInterrupt):  # a meeting still to come: one in the past is no longer looked for
        power_client.post(
            CREATE_PAGE, form_data(organization, start_time="2084-12-03T14:00", end_time="2084-12-03T15:00")
        )
    wait_is_over()
    services.meetings_save_check()
    change = MeetingChange.objects.get()

    html = power_client.get(CREATE_PAGE).content.decode()

    assert str(texts.CREATES_UNKNOWN) in html
    assert escape(change.message) in html
    # Found in DingTalk and added (or booked again): no longer listed.
    found = Meeting.objects.create(
        organization=organization,
        schedule_conference_id="conf-found",
        creator_union_id="creator-7",
        title=change.new_title,
        starts_at=change.new_starts_at,
        ends_at=change.new_ends_at,
    )
    assert str(texts.CREATES_UNKNOWN) not in power_client.get(CREATE_PAGE).content.decode()
    found.delete()
    # Nobody else's booking is shown to them.
    other = django_user_model.objects.create_user("bruno")
    grant(other, "view_meeting", "add_meeting")
    organization.members.add(other)
    power_client.force_login(other)
    assert str(texts.CREATES_UNKNOWN) not in power_client.get(CREATE_PAGE).content.decode()


# --- a cancel ------------------------------------------------------------------------------------------


@responses.activate
def test_a_cancel_that_timed_out_is_unknown_not_failed(power_client, meeting, dingtalk_waits):
    responses.post(CANCEL_URL, body=requests.ReadTimeout("slow"))

    response = power_client.post(reverse("meetings:cancel", args=[meeting.pk]), follow=True)

    change = MeetingChange.objects.get()
    assert (change.action, change.outcome) == (MeetingChange.Action.CANCEL, MeetingChange.Outcome.UNKNOWN)
    assert change.check_after is not None
    assert response.redirect_chain[-1][0] == edit_url(meeting)  # where the check's answer will show
    assert [(m.level_tag, m.message) for m in response.context["messages"]] == [("warning", change.message)]
    assert change.message.startswith("DingTalk did not confirm the cancel, so it is not known yet whether")
    meeting.refresh_from_db()
    assert not meeting.is_canceled and meeting.update_lease_until == change.check_after  # locked until the check


@responses.activate
@pytest.mark.parametrize("canceled", [True, False])
def test_after_its_wait_a_lost_cancel_is_checked_with_dingtalk(power_client, meeting, dingtalk_waits, canceled):
    responses.post(CANCEL_URL, body=requests.ReadTimeout("slow"))
    power_client.post(reverse("meetings:cancel", args=[meeting.pk]))
    if canceled:
        responses.get(dingtalk_query_url(meeting), **DINGTALK_CANCELED)
    else:
        dingtalk_has(meeting)
    wait_is_over()

    services.meetings_save_check()

    change = MeetingChange.objects.get()
    meeting.refresh_from_db()
    assert change.checked_at is not None and meeting.update_lease_until is None
    if canceled:
        assert change.outcome_label == "Unknown → succeeded (checked with DingTalk)"
        assert meeting.is_canceled
        assert change.message == texts.CHECKED_CANCELED % {"person": "alice", "title": "Weekly sync"}
    else:
        assert change.outcome_label == "Unknown → did not change (checked with DingTalk)"
        assert not meeting.is_canceled
        assert change.message == texts.CHECKED_NOT_CANCELED % {"person": "alice", "title": "Weekly sync"}
    assert [call.request.method for call in responses.calls].count("POST") == 3  # the cancel's tries, not more


@responses.activate
def test_a_cancel_cut_off_mid_call_is_checked_with_dingtalk(power_client, meeting):
    responses.add_callback(responses.POST, CANCEL_URL, callback=the_process_dies)
    with pytest.raises(KeyboardInterrupt):
        power_client.post(reverse("meetings:cancel", args=[meeting.pk]))
    change = MeetingChange.objects.get()  # written before the cancel went out
    assert (change.action, change.outcome) == (MeetingChange.Action.CANCEL, MeetingChange.Outcome.IN_PROGRESS)
    responses.get(dingtalk_query_url(meeting), **DINGTALK_CANCELED)
    wait_is_over()

    services.meetings_save_check()  # the periodic check (the test's interrupt let the lease go; a kill would not)

    change.refresh_from_db()
    assert (change.outcome, change.checked_at is not None) == (MeetingChange.Outcome.SUCCESS, True)
    assert Meeting.objects.get(pk=meeting.pk).is_canceled


# --- a settings change ---------------------------------------------------------------------------------


@responses.activate
def test_a_settings_change_that_timed_out_is_unknown_not_failed(power_client, meeting, dingtalk_waits):
    dingtalk_settings()
    responses.put(SETTINGS_URL, body=requests.ReadTimeout("slow"))

    response = power_client.post(settings_page(meeting), posted(lock_room="on"), follow=True)

    change = MeetingChange.objects.get()
    assert (change.action, change.outcome) == (MeetingChange.Action.SETTINGS, MeetingChange.Outcome.UNKNOWN)
    assert change.message.startswith("DingTalk did not confirm the change, so it is not known yet whether")
    assert response.redirect_chain[-1][0] == edit_url(meeting)
    assert [(m.level_tag, m.message) for m in response.context["messages"]] == [("warning", change.message)]
    assert Meeting.objects.get(pk=meeting.pk).update_lease_until == change.check_after


@responses.activate
@pytest.mark.parametrize("applied", [True, False])
def test_after_its_wait_a_lost_settings_change_is_checked_with_dingtalk(power_client, meeting, dingtalk_waits, applied):
    dingtalk_settings()
    responses.put(SETTINGS_URL, body=requests.ReadTimeout("slow"))
    power_client.post(settings_page(meeting), posted(lock_room="on", enable_chat=None))
    responses.remove(responses.GET, SETTINGS_URL)
    dingtalk_has(meeting)
    # DingTalk has both changes (applied), or only one of them (not: the check never calls a half "saved").
    dingtalk_settings(lockRoom=1, enableChat=0) if applied else dingtalk_settings(lockRoom=1)
    wait_is_over()

    services.meetings_save_check()

    change = MeetingChange.objects.get()
    assert change.checked_at is not None
    assert Meeting.objects.get(pk=meeting.pk).update_lease_until is None
    params = {"person": "alice", "fields": change.settings_summary()}
    if applied:
        assert change.outcome == MeetingChange.Outcome.SUCCESS
        assert change.message == texts.CHECKED_SETTINGS_SAVED % params
    else:
        assert change.outcome == MeetingChange.Outcome.NOT_APPLIED
        assert change.message == texts.CHECKED_SETTINGS_NOT_SAVED % params
    assert [call.request.method for call in responses.calls].count("PUT") == 3  # the change's tries, not more


@responses.activate
def test_a_settings_change_cut_off_mid_call_is_checked_with_dingtalk(power_client, meeting):
    dingtalk_settings()
    responses.add_callback(responses.PUT, SETTINGS_URL, callback=the_process_dies)
    with pytest.raises(KeyboardInterrupt):
        power_client.post(settings_page(meeting), posted(lock_room="on"))
    change = MeetingChange.objects.get()
    assert (change.action, change.outcome) == (MeetingChange.Action.SETTINGS, MeetingChange.Outcome.IN_PROGRESS)
    responses.remove(responses.GET, SETTINGS_URL)
    dingtalk_settings(lockRoom=1)
    dingtalk_has(meeting)
    wait_is_over()

    services.meetings_save_check()

    change.refresh_from_db()
    assert change.outcome_label == "Unknown → succeeded (checked with DingTalk)"
    assert json.loads(json.dumps(change.settings_changes)) == {"lock_room": [False, True]}


@responses.activate
def test_a_lost_settings_change_checked_as_not_applied_comes_back_in_the_form(
    power_client, meeting, dingtalk_waits, django_user_model, organization
):
    """Nothing chosen is lost: DingTalk's answer is lost, the check finds the change not applied, and the
    settings page brings back what the person chose, says DingTalk did not apply it, and Try again sends it."""
    dingtalk_settings()
    responses.put(SETTINGS_URL, body=requests.ReadTimeout("slow"))
    power_client.post(settings_page(meeting), posted(lock_room="on", enable_chat=None, mute_on_join="on"), follow=True)
    responses.remove(responses.GET, SETTINGS_URL)
    responses.remove(responses.PUT, SETTINGS_URL)
    dingtalk_has(meeting)
    dingtalk_settings()  # DingTalk kept what it had
    wait_is_over()

    response = power_client.get(settings_page(meeting))  # its check runs here (the wait is over)

    change = MeetingChange.objects.get()
    assert change.outcome == MeetingChange.Outcome.NOT_APPLIED
    form = response.context["form"]
    assert (form["lock_room"].value(), form["enable_chat"].value(), form["mute_on_join"].value()) == (True, False, "on")
    assert form["host_union_id"].value() == "creator-union-1"  # what the person left alone: DingTalk's
    outcome = the_outcome(response)
    assert outcome["level"] == "warning"
    said = texts.CHECKED_YOURS_SETTINGS_NOT_SAVED % {"fields": change.settings_summary()}
    assert outcome["text"].startswith(escape(said))
    assert 'form="settings-form"' in outcome["html"] and str(texts.NEXT_TRY_AGAIN) in outcome["text"]
    assert outcome["count"] == 1

    # Someone else sees DingTalk's settings, not another person's choice.
    other = django_user_model.objects.create_user("bert", password="correct horse battery")
    grant(other, "view_meeting", "change_meeting_settings")
    organization.members.add(other)
    power_client.force_login(other)
    theirs = power_client.get(settings_page(meeting)).context["form"]
    assert (theirs["lock_room"].value(), theirs["enable_chat"].value(), theirs["mute_on_join"].value()) == (
        False,
        True,
        "off",
    )
    power_client.force_login(change.user)

    # Try again posts the form as the page shows it: DingTalk receives the person's choice.
    responses.put(SETTINGS_URL, json={"success": True})
    data = {name: value for name, value in form.initial.items() if value not in (False, None)}
    data = {name: ("on" if value is True else value) for name, value in data.items()}
    power_client.post(settings_page(meeting), data)
    sent = json.loads([call for call in responses.calls if call.request.method == "PUT"][-1].request.body)
    assert sent["scheduleConfSettingModel"] == {
        "lockRoom": 1,
        "muteOnJoin": -1,
        "moziConfVirtualExtraSetting": {"enableChat": 0},
    }
    assert MeetingChange.objects.latest("pk").outcome == MeetingChange.Outcome.SUCCESS


@responses.activate
def test_the_meeting_page_that_checks_it_offers_try_again_on_the_settings_page(power_client, meeting, dingtalk_waits):
    dingtalk_settings()
    responses.put(SETTINGS_URL, body=requests.ReadTimeout("slow"))
    power_client.post(settings_page(meeting), posted(lock_room="on"), follow=True)
    dingtalk_has(meeting)
    wait_is_over()

    response = power_client.get(edit_url(meeting))  # its check runs here: DingTalk kept what it had

    change = MeetingChange.objects.get()
    assert change.outcome == MeetingChange.Outcome.NOT_APPLIED
    outcome = the_outcome(response)
    said = texts.CHECKED_YOURS_SETTINGS_NOT_SAVED % {"fields": change.settings_summary()}
    assert outcome["level"] == "warning" and outcome["text"].startswith(escape(said))
    assert f'href="{settings_page(meeting)}"' in outcome["html"] and str(texts.NEXT_TRY_AGAIN) in outcome["text"]
    assert outcome["count"] == 1

    form = power_client.get(settings_page(meeting)).context["form"]  # Try again: what they chose, back
    assert form["lock_room"].value() is True
