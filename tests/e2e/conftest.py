"""The portal over real HTTP (pytest-django's live_server, in a thread of this process) against a real
DingTalk sandbox on a loopback port. One sandbox serves the whole session; each test starts it clean.

live_server needs `transactional_db`: its thread must see what the test wrote, so nothing may sit in an
open transaction, and every table is emptied after each test. Rows from data migrations (the role
groups) are emptied too, so these tests grant permissions directly.
"""

import datetime
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET, Sandbox
from meetings import dingtalk
from meetings.models import Meeting, Organization
from tests.helpers import grant

from .portal import Portal

PASTED_TOKEN = "e2e-pasted-token"
CREATOR = "e2e-creator-union-id"
PASSWORD = "a long e2e password"
BASE_DIR = Path(__file__).resolve().parents[2]
# Olga fixes the typo and moves the meeting by an hour, in Berlin time (UTC+1 in March).
TYPED = {"title": "Design review", "start_time": "2027-03-15T11:00", "end_time": "2027-03-15T12:30"}


def edit_path(meeting):
    return reverse("meetings:edit", args=[meeting.pk])


def save(portal, meeting, **typed):
    return portal.submit(portal.get(edit_path(meeting)), {**TYPED, **typed})


def wait_for_replies(sandbox, seconds=5.0):
    """Until the sandbox has answered every call it received (a slow reply goes on after the client left)."""
    deadline = time.monotonic() + seconds
    while any(call["status"] is None and call["fault"] != "drop" for call in sandbox.state.requests()):
        assert time.monotonic() < deadline, sandbox.state.requests()
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def session_sandbox():
    with Sandbox(tokens=[PASTED_TOKEN]) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(session_sandbox, settings):
    """The sandbox, with no meetings, faults, issued tokens or logged calls; the portal may reach it."""
    settings.DINGTALK_SANDBOX_ENABLED = True
    session_sandbox.state.reset()
    yield session_sandbox
    # A fault a failing test left armed must not fire in the next one.
    session_sandbox.state.clear_faults()


@pytest.fixture
def organization(sandbox, transactional_db):
    """Berlin, with a pasted token."""
    return Organization.objects.create(
        name="Berlin Office", time_zone="Europe/Berlin", api_base=sandbox.base_url, access_token=PASTED_TOKEN
    )


@pytest.fixture
def app_organization(sandbox, transactional_db):
    """Shanghai, whose tokens the portal obtains with the sandbox's demo app."""
    return Organization.objects.create(
        name="Shanghai Office",
        time_zone="Asia/Shanghai",
        api_base=sandbox.base_url,
        auth_mode=Organization.AuthMode.INTERNAL_APP,
        app_key=DEMO_APP_KEY,
        app_secret=DEMO_APP_SECRET,
    )


def book(sandbox, organization, *, title: str, starts_at: datetime.datetime, minutes: int = 60) -> Meeting:
    """A meeting DingTalk (the sandbox) has, registered in the portal with the same values."""
    ends_at = starts_at + datetime.timedelta(minutes=minutes)
    conference_id = str(uuid.uuid4())  # a late reply of one test can never touch another's meeting
    sandbox.state.upsert_meeting(
        schedule_conference_id=conference_id,
        creator_union_id=CREATOR,
        title=title,
        start_time=dingtalk.epoch_ms(starts_at),
        end_time=dingtalk.epoch_ms(ends_at),
    )
    return Meeting.objects.create(
        organization=organization,
        schedule_conference_id=conference_id,
        creator_union_id=CREATOR,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
    )


@pytest.fixture
def meeting(sandbox, organization):
    """10:00-11:00 in Berlin on 15 March 2027."""
    starts_at = datetime.datetime(2027, 3, 15, 10, 0, tzinfo=organization.zone)
    return book(sandbox, organization, title="Design reveiw", starts_at=starts_at)


@pytest.fixture
def app_meeting(sandbox, app_organization):
    """14:00-15:30 in Shanghai on 15 March 2027."""
    starts_at = datetime.datetime(2027, 3, 15, 14, 0, tzinfo=app_organization.zone)
    return book(sandbox, app_organization, title="季度复盘会议", starts_at=starts_at, minutes=90)


@pytest.fixture
def office_admin(django_user_model, transactional_db, organization, app_organization):
    user = django_user_model.objects.create_user("olga", password=PASSWORD)
    grant(user, "view_meeting", "add_meeting", "change_meeting", "reschedule_meeting", "view_meetingchange")
    user.dingtalk_organizations.add(organization, app_organization)
    return user


@pytest.fixture
def portal(live_server, office_admin):
    """Olga, an office admin of both organizations, logged in."""
    person = Portal(live_server.url)
    person.log_in(office_admin.username, PASSWORD)
    return person


def database_url(settings_dict) -> str:
    """The test database (SQLite file or PostgreSQL) as a DATABASE_URL another process can open."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict["USER"] or "postgres"
    host = settings_dict["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"


@pytest.fixture
def task_worker(transactional_db, tmp_path):
    """A real `manage.py db_worker` process on the test database, as `make run` and production run it.

    It reads the job queue (a table) that the portal under test writes; what it logs is in `worker.log`.
    """
    from django.db import connection

    log_path = tmp_path / "worker.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "admin_portal.settings_test",
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"],
            cwd=BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
