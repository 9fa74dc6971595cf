import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from meetings import dingtalk
from meetings.models import MeetingChange, Organization
from tests.helpers import API_BASE, READ_TIMEOUT, SUITE_SECRET, SUITE_TICKET, grant


@pytest.fixture
def dingtalk_client(settings):
    """A client of the fake DingTalk at API_BASE (faked with `responses`)."""
    return dingtalk.client_for(API_BASE)


@pytest.fixture
def no_stale_changes(db):
    """Empties the audit table after a test whose examples share one database (hypothesis)."""
    yield
    MeetingChange.objects.all().delete()


@pytest.fixture
def read_timeout(settings):
    settings.DINGTALK_READ_TIMEOUT = READ_TIMEOUT


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run at once, in this thread, with one rename thread."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.BULK_RENAME_THREADS = 1


@pytest.fixture
def renamer(office_admin):
    grant(office_admin, "bulk_rename_meetings", "view_meetingchange")
    return office_admin


@pytest.fixture
def third_party_organization(db):
    """An organization whose tokens the portal obtains as a third-party (ISV) app, from the corp endpoint."""
    return Organization.objects.create(
        name="Partner corp",
        time_zone="UTC",
        api_base=API_BASE,
        auth_mode=Organization.AuthMode.THIRD_PARTY_APP,
        app_key="suite-key",
        app_secret=SUITE_SECRET,
        auth_corp_id="ding-corp-9",
        suite_ticket=SUITE_TICKET,
    )


@pytest.fixture
def office_admin_client(client, office_admin):
    """The office admin in the Office admins group (who may see the activity log and histories), logged in."""
    office_admin.groups.add(Group.objects.get(name="Office admins"))
    client.force_login(office_admin)
    return client


@pytest.fixture
def old_schema(request, transactional_db):
    """The models as they were at the test module's BEFORE migrations (the database migrated back to them);
    the database is migrated forward to the latest migrations afterwards."""
    before = request.module.BEFORE
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    yield executor.loader.project_state(before).apps
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
