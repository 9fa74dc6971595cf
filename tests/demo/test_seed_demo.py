"""seed_demo: the demo in the portal and in a real sandbox on a loopback port, the same on both sides."""

import datetime
import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import Person
from demo.management.commands.seed_demo import (
    DEMO_LOGINS,
    DEMO_MEETINGS,
    DEMO_PASSWORD,
    SANDBOX_TOKEN,
)
from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_CORP_IDS, DEMO_LOGIN_CLIENT_ID, DEMO_PEOPLE, Sandbox
from meetings import dingtalk, services
from meetings.models import Meeting, Organization


@pytest.fixture
def sandbox(settings):
    settings.DINGTALK_SANDBOX_ENABLED = True
    with Sandbox() as sandbox:
        yield sandbox


def seed(sandbox, **options):
    out = io.StringIO()
    call_command("seed_demo", sandbox_url=sandbox.base_url, stdout=out, **options)
    return out.getvalue()


def in_sandbox(sandbox, meeting):
    found = sandbox.state.get_meeting(meeting.schedule_conference_id)
    return found.title, found.start_time, found.end_time, found.creator_union_id


def in_portal(meeting):
    return (
        meeting.title,
        dingtalk.epoch_ms(meeting.starts_at),
        dingtalk.epoch_ms(meeting.ends_at),
        meeting.creator_union_id,
    )


def test_it_seeds_the_same_meetings_in_the_portal_and_the_sandbox(sandbox, db, client):
    out = seed(sandbox, portal_url="http://127.0.0.1:8123")

    meetings = list(Meeting.objects.select_related("organization"))
    assert len(meetings) == len(DEMO_MEETINGS)
    for meeting in meetings:
        assert in_sandbox(sandbox, meeting) == in_portal(meeting)
        assert meeting.organization.api_base == sandbox.base_url
    assert {m.organization.time_zone for m in meetings} == {"Asia/Shanghai", "Europe/Berlin"}
    # Whole local hours in each organization's own zone, not the server's, as the list shows them.
    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get(reverse("meetings:list")).content.decode()
    start_cell = r'<td[^>]*><time datetime="[^"]+">([^<]+)</time> <span class="zone">[^<]+</span></td>\s*<td[^>]*><time'
    starts = re.findall(start_cell, page)
    assert len(starts) == len(meetings)
    assert {start[-3:] for start in starts} == {":00"}
    assert "http://127.0.0.1:8123/" in out
    for login in DEMO_LOGINS:
        assert authenticate(username=login.username, password=DEMO_PASSWORD) is not None
        assert f"Username: {login.username}" in out
    assert DEMO_PASSWORD in out


def test_one_organization_uses_the_sandbox_app_and_one_a_pasted_token(sandbox, db):
    seed(sandbox)

    app = Organization.objects.get(auth_mode=Organization.AuthMode.INTERNAL_APP)
    assert (app.app_key, app.app_secret) == (DEMO_APP_KEY, DEMO_APP_SECRET)
    pasted = Organization.objects.get(auth_mode=Organization.AuthMode.ACCESS_TOKEN)
    assert pasted.access_token == SANDBOX_TOKEN
    assert pasted.time_zone != app.time_zone
    assert sandbox.state.valid_token(SANDBOX_TOKEN) is not None


@pytest.mark.parametrize("auth_mode", Organization.AuthMode.values[:2])
def test_a_seeded_meeting_saves_through_the_sandbox(sandbox, db, auth_mode, django_user_model):
    seed(sandbox)
    meeting = Meeting.objects.filter(organization__auth_mode=auth_mode).first()
    admin = django_user_model.objects.get(username="admin")

    services.meeting_update(
        meeting=meeting,
        title="Fixed in the demo",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        by=admin,
        based_on_version=meeting.version,
    )

    assert sandbox.state.get_meeting(meeting.schedule_conference_id).title == "Fixed in the demo"
    if auth_mode == Organization.AuthMode.INTERNAL_APP:
        assert [call["body"]["appKey"] for call in sandbox.state.requests("token")] == [DEMO_APP_KEY]


def test_it_keeps_everything_when_run_again(sandbox, db, django_user_model):
    seed(sandbox)
    meeting = Meeting.objects.first()
    meeting.title = "Edited during the demo"
    meeting.save()
    found = sandbox.state.get_meeting(meeting.schedule_conference_id)
    sandbox.state.upsert_meeting(
        schedule_conference_id=found.schedule_conference_id,
        creator_union_id=found.creator_union_id,
        title="Edited during the demo",
        start_time=found.start_time,
        end_time=found.end_time,
    )
    admin = django_user_model.objects.get(username="admin")
    admin.set_password("changed by the demo user")
    admin.save()

    seed(sandbox)

    assert Meeting.objects.count() == len(DEMO_MEETINGS)
    assert Organization.objects.count() == 2
    assert django_user_model.objects.count() == len(DEMO_LOGINS) + 1  # and the DingTalk office admin
    meeting.refresh_from_db()
    assert meeting.title == "Edited during the demo"
    assert sandbox.state.get_meeting(meeting.schedule_conference_id).title == "Edited during the demo"
    assert len(sandbox.state.meetings()) == len(DEMO_MEETINGS)
    assert authenticate(username="admin", password="changed by the demo user") is not None


def test_a_meeting_missing_on_one_side_is_copied_from_the_other(sandbox, db):
    seed(sandbox)
    kept = Meeting.objects.order_by("pk").first()
    kept.title, kept.starts_at = "Only the portal knows", kept.starts_at - datetime.timedelta(hours=1)
    kept.save()
    sandbox.state.reset()  # a new sandbox state file: it forgot every meeting
    dropped = Meeting.objects.order_by("pk").last()
    dropped_id = dropped.schedule_conference_id
    sandbox.state.upsert_meeting(
        schedule_conference_id=dropped_id,
        creator_union_id=dropped.creator_union_id,
        title="Only the sandbox knows",
        start_time=dingtalk.epoch_ms(dropped.starts_at),
        end_time=dingtalk.epoch_ms(dropped.ends_at),
    )
    dropped.delete()

    seed(sandbox)

    assert in_sandbox(sandbox, kept) == in_portal(kept)
    restored = Meeting.objects.get(schedule_conference_id=dropped_id)
    assert restored.title == "Only the sandbox knows"
    assert in_sandbox(sandbox, restored) == in_portal(restored)


def test_the_organizations_follow_the_sandbox_to_another_port(sandbox, db):
    seed(sandbox)
    with Sandbox(state=sandbox.state) as moved:
        seed(moved)
        assert set(Organization.objects.values_list("api_base", flat=True)) == {moved.base_url}


def test_it_says_so_when_the_sandbox_is_not_running(settings, db):
    settings.DINGTALK_SANDBOX_ENABLED = True
    with pytest.raises(CommandError, match="does not answer at http://127.0.0.1:9"):
        call_command("seed_demo", sandbox_url="http://127.0.0.1:9", stdout=io.StringIO())
    assert not Organization.objects.exists()


def test_it_refuses_outside_development(settings, db):
    settings.DINGTALK_SANDBOX_ENABLED = False
    with pytest.raises(CommandError, match="DINGTALK_SANDBOX_ENABLED"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Organization.objects.exists()


def test_it_labels_each_sandbox_meeting_with_its_organization_and_zone(sandbox, db):
    seed(sandbox)

    for meeting in Meeting.objects.select_related("organization"):
        in_sandbox = sandbox.state.get_meeting(meeting.schedule_conference_id)
        assert (in_sandbox.organization, in_sandbox.time_zone) == (
            meeting.organization.name,
            meeting.organization.time_zone,
        )


def test_dingtalk_sign_in_is_seeded_on_both_sides(sandbox, db):
    seed(sandbox, portal_url="http://127.0.0.1:8123")

    assert {o.name: o.corp_id for o in Organization.objects.all()} == DEMO_CORP_IDS
    app = sandbox.state.signin.app(DEMO_LOGIN_CLIENT_ID)
    assert app.redirect_uri == "http://127.0.0.1:8123/accounts/dingtalk/login/callback/"
    lei = Person.objects.get(union_id=DEMO_PEOPLE[0].union_id)
    assert lei.status == Person.Status.APPROVED and lei.user.has_perm("accounts.approve_person")
    assert list(lei.user.dingtalk_organizations.values_list("name", flat=True)) == ["Demo Shanghai"]
    # He booked the demo meetings: "Meetings I booked" is not empty for him.
    assert Meeting.objects.filter(creator_union_id=lei.union_id).exists()
