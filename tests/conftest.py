import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from meetings import dingtalk
from meetings.forms import MeetingSearchForm, TitleAndTimesMixin
from meetings.models import Meeting, Organization
from tests.helpers import ACCESS_TOKEN, API_BASE, APP_KEY, APP_SECRET, grant


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts and ends in the portal's default language (English).

    Django's test client runs a request in the test's own thread, and LocaleMiddleware activates the
    request's language there without deactivating it: after a request in Chinese, every `texts.X` a later
    test renders was Chinese while the pages it read (another thread, a live server's) were English.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def dingtalk_waits(monkeypatch):
    """The client's waits between retries, recorded instead of slept: the suite stays fast."""
    waits = []
    monkeypatch.setattr(dingtalk.DingTalkClient, "sleep", staticmethod(waits.append))
    return waits


# "Now" for the edit and booking forms, which ask before a start in the past: the tests' meetings (June
# 2023 to 2084) must stay in its future whatever the date the suite runs on.
FORM_NOW = datetime.datetime(2023, 1, 1, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def form_clock(monkeypatch):
    monkeypatch.setattr(TitleAndTimesMixin, "now", staticmethod(lambda: FORM_NOW))
    monkeypatch.setattr(MeetingSearchForm, "now", staticmethod(lambda: FORM_NOW))
    return FORM_NOW


@pytest.fixture
def organization(db):
    return Organization.objects.create(
        name="Hangzhou Office", time_zone="Asia/Shanghai", api_base=API_BASE, access_token=ACCESS_TOKEN
    )


@pytest.fixture
def app_organization(db):
    """An organization whose tokens the portal obtains from DingTalk with an internal app's credentials."""
    return Organization.objects.create(
        name="Shenzhen Office",
        time_zone="Asia/Shanghai",
        api_base=API_BASE,
        auth_mode=Organization.AuthMode.INTERNAL_APP,
        app_key=APP_KEY,
        app_secret=APP_SECRET,
    )


@pytest.fixture
def meeting(organization):
    return Meeting.objects.create(
        organization=organization,
        schedule_conference_id="2a489abc-0000-4000-8000-000000000001",
        creator_union_id="creator-union-1",
        title="Weekly sync",
        starts_at=datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC),  # 10:00 in Shanghai
        ends_at=datetime.datetime(2026, 12, 1, 3, 0, tzinfo=datetime.UTC),
    )


@pytest.fixture
def office_admin(django_user_model, organization):
    user = django_user_model.objects.create_user("alice", password="correct horse battery")
    grant(user, "view_meeting", "add_meeting", "change_meeting", "reschedule_meeting")
    organization.members.add(user)
    return user


@pytest.fixture
def helpdesk(django_user_model, organization):
    """A Helpdesk member of the organization: fixes titles, may not move meetings."""
    user = django_user_model.objects.create_user("hana", password="correct horse battery")
    user.groups.add(Group.objects.get(name="Helpdesk"))
    organization.members.add(user)
    return user


@pytest.fixture
def alice_client(client, office_admin):
    client.force_login(office_admin)
    return client
