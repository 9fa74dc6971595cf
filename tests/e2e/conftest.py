"""The portal over real HTTP (pytest-django's live_server, in a thread of this process) against a real
DingTalk sandbox on a loopback port. One sandbox serves the whole session; each test starts it clean.

live_server needs `transactional_db`: its thread must see what the test wrote, so nothing may sit in an
open transaction, and every table is emptied after each test. Rows from data migrations (the role
groups) are emptied too, so these tests grant permissions directly.
"""

import datetime
import os
import subprocess
import sys

import pytest

from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET, Sandbox
from meetings.models import Organization
from tests.helpers import grant

from .helpers import BASE_DIR, PASSWORD, PASTED_TOKEN, book, database_url
from .portal import Portal


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


@pytest.fixture
def colleague(django_user_model, transactional_db, organization, live_server):
    """Bruno, another office admin of Berlin, logged in."""
    user = django_user_model.objects.create_user("bruno", password=PASSWORD)
    grant(user, "view_meeting", "change_meeting", "reschedule_meeting", "view_meetingchange")
    user.dingtalk_organizations.add(organization)
    person = Portal(live_server.url)
    person.log_in(user.username, PASSWORD)
    return person


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
