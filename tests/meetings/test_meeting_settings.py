"""A meeting's settings: read from DingTalk, only the changed ones sent, stopped when DingTalk moved."""

import datetime
import json
import re

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from meetings import dingtalk, texts
from meetings.forms import MeetingSettingsForm
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    API_BASE,
    REQUEST_ID,
    connection_refused,
    dingtalk_error,
    grant,
    shown_messages,
    the_outcome,
)

SETTINGS_URL = API_BASE + dingtalk.SETTINGS_PATH
MODEL = {
    "hostUnionId": "creator-union-1",
    "cohostUnionIds": ["co-1"],
    "lockRoom": 0,
    "screenShareForbidden": 0,
    "muteOnJoin": 0,
    "moziConfVirtualExtraSetting": {"waitingRoom": 0, "joinBeforeHost": 1, "enableChat": 1, "lockNick": 0},
}
SHOWN = dingtalk.ConferenceSettings(
    host_union_id="creator-union-1", cohost_union_ids=("co-1",), join_before_host=True, enable_chat=True
)


@pytest.fixture
def admin_client(alice_client, office_admin):
    grant(office_admin, "change_meeting_settings", "view_meetingchange")
    return alice_client


def settings_page(meeting):
    return reverse("meetings:settings", args=[meeting.pk])


def dingtalk_settings(**changes):
    model = json.loads(json.dumps(MODEL))
    extra = model["moziConfVirtualExtraSetting"]
    for key, value in changes.items():
        (extra if key in extra else model)[key] = value
    return responses.get(SETTINGS_URL, json={"scheduleConfSettingModel": model})


def posted(**overrides):
    """The form as the page shows it for SHOWN, with the person's changes."""
    data = {key: value for key, value in MeetingSettingsForm.initial_for(SHOWN).items() if value not in (False, None)}
    data = {key: ("on" if value is True else value) for key, value in data.items()}
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@responses.activate
def test_the_page_shows_what_dingtalk_has(admin_client, meeting):
    dingtalk_settings(lockRoom=1, muteOnJoin=5)

    response = admin_client.get(settings_page(meeting))

    form = response.context["form"]
    assert form["host_union_id"].value() == "creator-union-1"
    assert form["lock_room"].value() is True
    assert form["mute_on_join"].value() == "after"
    assert form["mute_on_join_after"].value() == 5
    assert responses.calls[0].request.url == SETTINGS_URL + f"?scheduleConferenceId={meeting.schedule_conference_id}"


@responses.activate
def test_saving_sends_only_the_changed_settings(admin_client, meeting):
    dingtalk_settings()
    update = responses.put(SETTINGS_URL, json={"success": True}, headers={"x-acs-request-id": "req-s"})

    response = admin_client.post(
        settings_page(meeting), posted(lock_room="on", mute_on_join="on", enable_chat=None), follow=True
    )

    assert json.loads(update.calls[0].request.body) == {
        "creatorUnionId": "creator-union-1",
        "scheduleConferenceId": meeting.schedule_conference_id,
        "scheduleConfSettingModel": {"lockRoom": 1, "muteOnJoin": -1, "moziConfVirtualExtraSetting": {"enableChat": 0}},
    }
    change = MeetingChange.objects.get()
    assert (change.action, change.outcome, change.request_id) == (
        MeetingChange.Action.SETTINGS,
        MeetingChange.Outcome.SUCCESS,
        "req-s",
    )
    assert change.settings_changes == {
        "lock_room": [False, True],
        "mute_on_join": [0, -1],
        "enable_chat": [True, False],
    }
    assert shown_messages(response) == [texts.SETTINGS_SAVED % {"fields": change.settings_summary()}]
    assert change.settings_summary() == "Lock the room: off → on; Mute on join: off → on; Chat: on → off"


@responses.activate
def test_history_shows_old_and_new_per_setting(admin_client, meeting):
    dingtalk_settings()
    responses.put(SETTINGS_URL, json={"success": True})
    admin_client.post(settings_page(meeting), posted(cohost_union_ids="co-1, co-2"))

    html = admin_client.get(reverse("meetings:history", args=[meeting.pk])).content.decode()

    assert "Co-hosts: <del>co-1</del> → <ins>co-1, co-2</ins>" in html


@responses.activate
def test_nothing_changed_sends_nothing(admin_client, meeting):
    dingtalk_settings()  # the page read after the redirect

    response = admin_client.post(settings_page(meeting), posted(), follow=True)

    assert [call.request.method for call in responses.calls] == ["GET"]
    assert str(texts.SETTINGS_UNCHANGED) in shown_messages(response)
    assert not MeetingChange.objects.exists()


@responses.activate
def test_a_setting_changed_in_dingtalk_stops_the_save_and_shows_both(admin_client, meeting):
    dingtalk_settings(waitingRoom=1)

    response = admin_client.post(settings_page(meeting), posted(lock_room="on"))

    assert [call.request.method for call in responses.calls] == ["GET"]
    assert shown_messages(response) == [str(texts.SETTINGS_CHANGED_IN_DINGTALK)]
    rows = {label: (before, now) for label, before, now, differs in response.context["in_dingtalk"] if differs}
    assert rows == {"Waiting room": ("off", "on")}
    assert response.context["form"]["lock_room"].value() is True  # the input is kept
    change = MeetingChange.objects.get()
    assert change.outcome == MeetingChange.Outcome.CONFLICT


@responses.activate
def test_a_refused_save_says_why(admin_client, meeting):
    dingtalk_settings()
    responses.put(SETTINGS_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))

    response = admin_client.post(settings_page(meeting), posted(lock_room="on"))

    assert shown_messages(response)[0].startswith(texts.PERMISSION_ERROR % {"detail": "not creator"})
    assert MeetingChange.objects.get().outcome == MeetingChange.Outcome.FAILED
    meeting.refresh_from_db()
    assert meeting.update_lease_until is None


@responses.activate
def test_dingtalk_saying_canceled_marks_the_meeting(admin_client, meeting):
    responses.get(SETTINGS_URL, **dingtalk_error(400, "resourceCancel", "Schedule conference has canceled"))

    response = admin_client.get(settings_page(meeting), follow=True)

    meeting.refresh_from_db()
    assert meeting.is_canceled
    assert str(texts.MEETING_CANCELED_NOTICE) in response.content.decode()


def test_a_canceled_meeting_has_no_settings_form(admin_client, meeting):
    meeting.status = Meeting.Status.CANCELED
    meeting.save()

    with responses.RequestsMock():
        response = admin_client.get(settings_page(meeting))

    assert response.context["form"] is None
    assert str(texts.MEETING_CANCELED_NOTICE) in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"mute_on_join": "after", "mute_on_join_after": None}, "mute_on_join_after", str(texts.MUTE_AFTER_REQUIRED)),
        ({"cohost_union_ids": "ok-1\nbad id"}, "cohost_union_ids", texts.UNION_ID_INVALID % {"value": "bad id"}),
        ({"based_on": "{broken"}, "based_on", str(texts.SETTINGS_FORM_OUT_OF_DATE)),
    ],
)
def test_it_validates_before_calling_dingtalk(admin_client, meeting, overrides, field, message):
    with responses.RequestsMock():
        response = admin_client.post(settings_page(meeting), posted(**overrides))

    assert response.context["form"].errors[field] == [message]


def test_cohosts_may_be_separated_by_commas_or_lines():
    form = MeetingSettingsForm(posted(cohost_union_ids="a-1, b-2\nc-3，a-1"))

    assert form.is_valid(), form.errors
    assert form.settings.cohost_union_ids == ("a-1", "b-2", "c-3")


def test_settings_need_their_permission(alice_client, meeting):
    assert alice_client.get(settings_page(meeting)).status_code == 403


# --- one message, one next step (issue 22: the failure pattern on every page) --------------------------------


def assert_typed_kept(response):
    html = response.content.decode()
    assert 'name="lock_room" id="id_lock_room" checked' in html
    assert "co-1, co-9</textarea>" in html


@responses.activate
def test_nothing_sent_offers_try_again_with_the_typed_settings_kept(admin_client, meeting):
    responses.get(SETTINGS_URL, body=connection_refused())  # the read before the save

    response = admin_client.post(settings_page(meeting), posted(lock_room="on", cohost_union_ids="co-1, co-9"))

    html = response.content.decode()
    assert shown_messages(response) == [texts.CONNECTION_REFUSED % {"host": API_BASE}]
    shown = the_outcome(response)
    assert (shown["level"], shown["role"], shown["focused"], shown["count"]) == ("error", "alert", True, 1)
    assert '<form method="post" class="form" id="settings-form" novalidate>' in html
    assert '<button type="submit" form="settings-form" class="primary">Try again</button>' in shown["html"]
    assert_typed_kept(response)
    assert [call.request.method for call in responses.calls if call.request.method == "PUT"] == []


@responses.activate
def test_a_refusal_for_the_creator_links_change_creator_with_the_request_id_in_small_print(admin_client, meeting):
    dingtalk_settings()
    responses.put(SETTINGS_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))

    response = admin_client.post(settings_page(meeting), posted(lock_room="on", cohost_union_ids="co-1, co-9"))

    html = response.content.decode()
    creator = reverse("meetings:creator", args=[meeting.pk])
    assert f'<a class="button primary" href="{creator}">Change creator</a>' in html
    assert "Try again" not in html
    # One message, DingTalk's request ID last in it, in small print.
    suffix = texts.REQUEST_ID_SUFFIX % {"request_id": REQUEST_ID}
    shown = the_outcome(response)
    assert shown["count"] == 1 and shown["focused"]
    assert shown["html"].rstrip().endswith(f'<small class="request-id">{suffix}</small>')
    assert_typed_kept(response)


@responses.activate
def test_without_add_meeting_a_refusal_for_the_creator_says_ask_an_office_admin(admin_client, meeting, office_admin):
    office_admin.user_permissions.remove(*office_admin.user_permissions.filter(codename="add_meeting"))
    dingtalk_settings()
    responses.put(SETTINGS_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))

    html = admin_client.post(settings_page(meeting), posted(lock_room="on")).content.decode()

    # A button copying a request for an office admin, with the meeting's Change creator link.
    assert ">Ask an office admin</button>" in html
    assert f'<a class="button primary" href="{reverse("meetings:creator", args=[meeting.pk])}">' not in html


@responses.activate
def test_a_page_dingtalk_could_not_read_offers_try_again(admin_client, meeting):
    responses.get(SETTINGS_URL, **dingtalk_error(500, "systemError", "systemError:busy"))

    response = admin_client.get(settings_page(meeting))

    shown = the_outcome(response)
    assert (shown["level"], shown["focused"], shown["count"]) == ("error", True, 1)
    assert f'<a class="button primary" href="{settings_page(meeting)}">Try again</a>' in shown["html"]


@responses.activate
def test_a_save_being_checked_blocks_it_and_the_wait_is_said_in_words_not_a_clock_time(admin_client, meeting):
    dingtalk_settings()
    html_before = admin_client.get(settings_page(meeting)).content.decode()
    assert "outcome" not in html_before
    # An earlier save's answer was lost: the meeting is locked until it is checked, in 40 seconds.
    later = timezone.now() + datetime.timedelta(seconds=40)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=later)
    MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        action=MeetingChange.Action.UPDATE,
        outcome=MeetingChange.Outcome.UNKNOWN,
        check_after=later,
        based_on_version=meeting.version,
    )

    response = admin_client.post(settings_page(meeting), posted(lock_room="on", cohost_union_ids="co-1, co-9"))

    shown = the_outcome(response)
    assert (shown["level"], shown["focused"], shown["count"]) == ("warning", True, 1)
    assert shown["text"].startswith(str(texts.WAITING_FOR_CHECK))
    assert texts.WAIT_FOR_CHECK % {"wait": texts.wait_in_words(40)} in shown["text"]
    assert not re.search(r"\d\d:\d\d", shown["text"])  # no clock time
    assert '<button type="submit" form="settings-form" class="primary">Try again</button>' in shown["html"]
    assert_typed_kept(response)
    assert [call.request.method for call in responses.calls] == ["GET"]  # the page; nothing sent since
