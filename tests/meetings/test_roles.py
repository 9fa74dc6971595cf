"""Roles and organizations: who may see and change what, in the portal and the admin."""

import datetime
import json

import pytest
import responses
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting, MeetingChange, Organization
from tests.helpers import UPDATE_URL, dingtalk_has, edit_url

LATER = datetime.timedelta(hours=2)


def permissions_of(name):
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_roles_exist_after_migrating(db):
    assert {"add_meeting", "change_meeting", "reschedule_meeting", "view_activity"} <= permissions_of("Office admins")
    # Issue 12: office admins book (add_meeting), cancel, change settings and rename in bulk.
    assert {"cancel_meeting", "change_meeting_settings", "bulk_rename_meetings"} <= permissions_of("Office admins")
    # Helpdesk fixes titles, one at a time or in bulk.
    assert permissions_of("Helpdesk") == {"view_meeting", "change_meeting", "bulk_rename_meetings"}


# --- Helpdesk fixes titles only ---------------------------------------------------------------------


def test_helpdesk_sees_the_times_read_only(helpdesk, meeting):
    response = logged_in(helpdesk).get(edit_url(meeting))
    form = response.context["form"]
    assert 'value="2026-12-01 10:00"' in str(form["start_time"])
    assert "disabled" in str(form["start_time"]) and "disabled" in str(form["end_time"])
    assert "disabled" not in str(form["title"])


@pytest.mark.parametrize(
    "times",
    [
        pytest.param({"start_time": "2026-12-01T12:00", "end_time": "2026-12-01T13:00"}, id="both"),
        pytest.param({"end_time": "2026-12-01T18:00"}, id="end-only"),
        pytest.param({"start_time": "garbage"}, id="unparseable"),
    ],
)
@responses.activate
def test_helpdesk_cannot_change_times_even_by_crafting_a_post(helpdesk, meeting, times):
    response = logged_in(helpdesk).post(edit_url(meeting), {"title": "Weekly sync", "version": 1, **times}, follow=True)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [texts.RESCHEDULE_NOT_ALLOWED]
    assert len(responses.calls) == 0
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.starts_at, stored.ends_at, stored.version) == (meeting.starts_at, meeting.ends_at, 1)
    assert not MeetingChange.objects.exists()


@responses.activate
def test_helpdesk_fixes_a_title_with_dingtalks_current_times(helpdesk, meeting):
    moved = {"starts_at": meeting.starts_at + LATER, "ends_at": meeting.ends_at + LATER}
    dingtalk_has(meeting, **moved)  # an office admin moved it in DingTalk itself
    responses.put(UPDATE_URL, json={"success": True})

    # What a browser sends: disabled inputs are not posted.
    logged_in(helpdesk).post(edit_url(meeting), {"title": "Weekly sync (typo fixed)", "version": 1})

    body = json.loads(responses.calls[-1].request.body)
    assert body["title"] == "Weekly sync (typo fixed)"
    assert (body["startTime"], body["endTime"]) == (
        int(moved["starts_at"].timestamp() * 1000),
        int(moved["ends_at"].timestamp() * 1000),
    )
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.title, stored.starts_at, stored.ends_at) == ("Weekly sync (typo fixed)", *moved.values())


def test_helpdesk_has_no_history_or_activity(helpdesk, meeting):
    client = logged_in(helpdesk)
    assert client.get(reverse("meetings:history", args=[meeting.pk])).status_code == 403
    assert client.get(reverse("meetings:activity")).status_code == 403
    assert client.get(reverse("meetings:add")).status_code == 403


# --- one organization cannot see another's meetings -------------------------------------------------


@pytest.fixture
def elsewhere_meeting(db):
    other = Organization.objects.create(name="Shenzhen Office", time_zone="Asia/Shanghai")
    meeting = Meeting.objects.create(
        organization=other,
        schedule_conference_id="conf-elsewhere",
        creator_union_id="creator-2",
        title="Board meeting",
        starts_at=datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 12, 2, 3, 0, tzinfo=datetime.UTC),
    )
    MeetingChange.objects.create(
        meeting=meeting, organization=other, action="register", outcome="success", new_title="Board meeting"
    )
    return meeting


@pytest.mark.parametrize("name", ["edit", "history"])
def test_another_organizations_meeting_is_not_found(office_admin_with_history, elsewhere_meeting, name):
    response = logged_in(office_admin_with_history).get(reverse(f"meetings:{name}", args=[elsewhere_meeting.pk]))
    assert response.status_code == 404


@responses.activate
def test_another_organizations_meeting_cannot_be_saved_or_refreshed(office_admin, elsewhere_meeting):
    client = logged_in(office_admin)
    data = {"title": "Mine now", "start_time": "2026-12-02T10:00", "end_time": "2026-12-02T11:00", "version": 1}
    assert client.post(edit_url(elsewhere_meeting), data).status_code == 404
    assert client.post(reverse("meetings:refresh", args=[elsewhere_meeting.pk])).status_code == 404
    assert len(responses.calls) == 0
    assert Meeting.objects.get(pk=elsewhere_meeting.pk).title == "Board meeting"


def test_lists_search_and_activity_show_only_the_persons_organizations(
    office_admin_with_history, meeting, elsewhere_meeting
):
    client = logged_in(office_admin_with_history)
    assert "Board meeting" not in client.get(reverse("meetings:list")).content.decode()
    assert list(client.get(reverse("meetings:list"), {"q": "conf-elsewhere"}).context["meetings"]) == []
    activity = client.get(reverse("meetings:activity"))
    assert "Board meeting" not in activity.content.decode()
    assert "Shenzhen Office" not in activity.content.decode()  # not even as a filter choice
    refused = client.get(reverse("meetings:activity"), {"organization": elsewhere_meeting.organization_id})
    assert refused.context["filter_form"].errors["organization"] == [texts.ORGANIZATION_NOT_ALLOWED]


def test_a_superuser_sees_every_organization(django_user_model, meeting, elsewhere_meeting):
    root = django_user_model.objects.create_superuser("root", password="pw-root-123456")
    html = logged_in(root).get(reverse("meetings:list")).content.decode()
    assert "Board meeting" in html and "Weekly sync" in html


@pytest.fixture
def office_admin_with_history(office_admin):
    office_admin.groups.add(Group.objects.get(name="Office admins"))
    return office_admin


def test_the_admin_shows_staff_only_their_organizations(office_admin_with_history, meeting, elsewhere_meeting):
    office_admin_with_history.is_staff = True
    office_admin_with_history.save()
    client = logged_in(office_admin_with_history)

    meetings = client.get(reverse("admin:meetings_meeting_changelist"))
    changes = client.get(reverse("admin:meetings_meetingchange_changelist"))
    other = client.get(reverse("admin:meetings_meeting_change", args=[elsewhere_meeting.pk]))

    assert list(meetings.context["cl"].queryset) == [meeting]
    assert "Shenzhen Office" not in meetings.content.decode()
    assert all(change.organization_id == meeting.organization_id for change in changes.context["cl"].queryset)
    assert other.status_code == 302  # the admin's "does not exist" redirect, not the meeting
    assert client.get(reverse("admin:meetings_organization_changelist")).status_code == 403


def test_meetings_are_read_only_in_the_admin(django_user_model, meeting):
    """Saving in the admin would change the portal's copy without asking DingTalk."""
    client = logged_in(django_user_model.objects.create_superuser("root", password="pw-root-123456"))
    response = client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        {"title": "Changed behind DingTalk's back"},
    )
    assert response.status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).title == "Weekly sync"
    assert client.get(reverse("admin:meetings_meeting_add")).status_code == 403
