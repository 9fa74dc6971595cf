"""Change creator (checked with DingTalk, audited) and Remove from the portal (history stays; adding again
brings it back)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse

from meetings import dingtalk, services, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    dingtalk_error,
    dingtalk_has,
    dingtalk_query_url,
    edit_url,
    grant,
    post_edit,
    shown_messages,
    the_outcome,
)


def creator_url(meeting):
    return reverse("meetings:creator", args=[meeting.pk])


def remove_url(meeting):
    return reverse("meetings:remove", args=[meeting.pk])


@responses.activate
def test_a_creator_dingtalk_accepts_is_stored_and_audited(alice_client, meeting, office_admin):
    dingtalk_has(meeting)

    response = alice_client.post(creator_url(meeting), {"creator_union_id": " union-right "}, follow=True)

    meeting.refresh_from_db()
    assert meeting.creator_union_id == "union-right"
    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["requestUnionId"] == ["union-right"]
    assert shown_messages(response) == [texts.CREATOR_CHANGED % {"title": meeting.title, "creator": "union-right"}]
    change = MeetingChange.objects.get()
    assert (change.action, change.outcome, change.user) == (
        MeetingChange.Action.CREATOR,
        MeetingChange.Outcome.SUCCESS,
        office_admin,
    )
    assert change.message == texts.CREATOR_CHANGE_AUDIT % {"old": "creator-union-1", "new": "union-right"}


@responses.activate
def test_a_creator_dingtalk_refuses_is_not_stored_but_audited(alice_client, meeting):
    responses.get(dingtalk_query_url(meeting), **dingtalk_error(400, "permissionError", "permissionError:no"))

    response = alice_client.post(creator_url(meeting), {"creator_union_id": "union-wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors["creator_union_id"] == [texts.CREATOR_REFUSED % {"creator": "union-wrong"}]
    meeting.refresh_from_db()
    assert meeting.creator_union_id == "creator-union-1"
    change = MeetingChange.objects.get()
    assert (change.action, change.outcome, change.dingtalk_code) == (
        MeetingChange.Action.CREATOR,
        MeetingChange.Outcome.FAILED,
        "permissionError",
    )


def test_the_same_creator_changes_nothing(alice_client, meeting):
    response = alice_client.post(creator_url(meeting), {"creator_union_id": meeting.creator_union_id}, follow=True)
    assert shown_messages(response) == [texts.CREATOR_UNCHANGED]
    assert not MeetingChange.objects.exists()


def test_an_empty_creator_asks_for_one(alice_client, meeting):
    response = alice_client.post(creator_url(meeting), {"creator_union_id": ""})

    assert response.context["form"].errors["creator_union_id"] == [texts.CREATOR_UNION_ID_REQUIRED]
    assert "%(" not in response.content.decode()


def test_the_creator_page_shows_the_stored_creator(alice_client, meeting):
    html = alice_client.get(creator_url(meeting)).content.decode()
    assert 'value="creator-union-1"' in html


def test_helpdesk_may_neither_change_the_creator_nor_remove(client, helpdesk, meeting):
    client.force_login(helpdesk)
    assert client.get(creator_url(meeting)).status_code == 403
    assert client.post(remove_url(meeting)).status_code == 403
    html = client.get(edit_url(meeting)).content.decode()
    assert creator_url(meeting) not in html and remove_url(meeting) not in html


def test_the_edit_page_offers_both_to_office_admins(alice_client, meeting):
    html = alice_client.get(edit_url(meeting)).content.decode()
    assert creator_url(meeting) in html and remove_url(meeting) in html


@responses.activate
def test_a_save_refused_with_permission_error_points_to_change_creator(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(
        dingtalk.client.UPDATE_PATH.join([meeting.organization.api_base, ""]),
        **dingtalk_error(400, "permissionError", "permissionError:not creator"),
    )

    response = post_edit(alice_client, meeting)

    assert str(texts.SAVE_REFUSED_CHANGE_CREATOR) in " ".join(shown_messages(response))


# --- remove from the portal -----------------------------------------------------------------------------


@pytest.fixture
def removed(alice_client, meeting):
    alice_client.post(remove_url(meeting))
    meeting.refresh_from_db()
    return meeting


def test_removing_takes_it_off_the_list_without_calling_dingtalk(alice_client, meeting):
    with responses.RequestsMock() as no_calls:
        response = alice_client.post(remove_url(meeting), follow=True)
        assert len(no_calls.calls) == 0

    assert shown_messages(response) == [texts.MEETING_REMOVED % {"title": meeting.title}]
    assert list(response.context["meetings"]) == []
    assert alice_client.get(edit_url(meeting)).status_code == 404
    assert Meeting.objects.filter(pk=meeting.pk, removed_at__isnull=False).exists()


def test_its_history_stays(alice_client, removed, office_admin):
    grant(office_admin, "view_meetingchange", "view_activity")
    history = alice_client.get(reverse("meetings:history", args=[removed.pk]))
    assert history.status_code == 200
    assert [c.action for c in history.context["changes"]] == [MeetingChange.Action.REMOVE]
    activity = alice_client.get(reverse("meetings:activity"))
    assert [c.action for c in activity.context["changes"]] == [MeetingChange.Action.REMOVE]
    csv = b"".join(alice_client.get(reverse("meetings:activity_csv"))).decode()
    assert removed.title in csv


@responses.activate
def test_adding_it_again_brings_its_history_back(alice_client, removed, organization):
    dingtalk_has(removed, title="Weekly sync (new)")

    response = alice_client.post(
        reverse("meetings:add"),
        {
            "organization": organization.pk,
            "schedule_conference_id": removed.schedule_conference_id,
            "creator_union_id": removed.creator_union_id,
        },
    )

    assert response.status_code == 302 and response.url == edit_url(removed)
    meeting = Meeting.objects.get()
    assert meeting.removed_at is None and meeting.title == "Weekly sync (new)"
    assert [c.action for c in meeting.changes.order_by("id")] == [
        MeetingChange.Action.REMOVE,
        MeetingChange.Action.REGISTER,
    ]
    assert shown_messages(alice_client.get(response.url))[-1] == texts.MEETING_RESTORED % {"title": "Weekly sync (new)"}


# --- two people at once: the write is conditional on what each started from ---------------------------


def test_a_creator_changed_meanwhile_is_not_overwritten(alice_client, meeting):
    def changed_meanwhile(request):
        # Another office admin's change is stored while DingTalk answers this one.
        Meeting.objects.filter(pk=meeting.pk).update(creator_union_id="union-other")
        return (
            200,
            {},
            json.dumps(
                {
                    "scheduleConferenceId": meeting.schedule_conference_id,
                    "title": meeting.title,
                    "startTime": dingtalk.epoch_ms(meeting.starts_at),
                    "endTime": dingtalk.epoch_ms(meeting.ends_at),
                }
            ),
        )

    with responses.RequestsMock() as dingtalk_fake:
        dingtalk_fake.add_callback(responses.GET, dingtalk_query_url(meeting), callback=changed_meanwhile)
        response = alice_client.post(creator_url(meeting), {"creator_union_id": "union-mine"})

    assert shown_messages(response) == [texts.CREATOR_CHANGED_MEANWHILE % {"creator": "union-other"}]
    meeting.refresh_from_db()
    assert meeting.creator_union_id == "union-other"
    change = MeetingChange.objects.get()
    assert change.outcome == MeetingChange.Outcome.CONFLICT


def test_two_removals_at_once_are_one_removal(meeting, office_admin):
    # Both requests loaded the meeting before either removed it.
    first = services.meeting_remove(meeting=meeting, by=office_admin)
    second = services.meeting_remove(meeting=meeting, by=office_admin)

    assert first is not None and second is None
    assert list(MeetingChange.objects.values_list("action", flat=True)) == [MeetingChange.Action.REMOVE]


@responses.activate
def test_dingtalk_unreachable_while_checking_a_creator_offers_try_again_with_it_kept(alice_client, meeting):
    responses.get(dingtalk_query_url(meeting), **dingtalk_error(500, "systemError", "systemError:busy"))

    response = alice_client.post(creator_url(meeting), {"creator_union_id": "union-right"})

    html = response.content.decode()
    assert shown_messages(response)[0].startswith(texts.SYSTEM_ERROR % {"detail": "busy"})
    shown = the_outcome(response)
    assert (shown["level"], shown["focused"], shown["count"]) == ("error", True, 1)
    assert '<button type="submit" form="creator-form" class="primary">Try again</button>' in shown["html"]
    assert 'value="union-right"' in html
    meeting.refresh_from_db()
    assert meeting.creator_union_id == "creator-union-1"
