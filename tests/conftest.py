import datetime
import http.client

import pytest
import requests
import responses
import urllib3
from django.contrib.auth.models import Group, Permission

from meetings import dingtalk
from meetings.models import Meeting, Organization

API_BASE = "https://api.dingtalk.com"
ACCESS_TOKEN = "tok-Secret-1234567890"


@pytest.fixture(autouse=True)
def dingtalk_waits(monkeypatch):
    """The client's waits between retries, recorded instead of slept: the suite stays fast."""
    waits = []
    monkeypatch.setattr(dingtalk.DingTalkClient, "sleep", staticmethod(waits.append))
    return waits


# The seed page's example meeting: 2023-06-28 12:00-13:00 in Shanghai, 1687924800000-1687928400000 ms.
SYNC_STARTS_AT = datetime.datetime(2023, 6, 28, 4, 0, tzinfo=datetime.UTC)
SYNC_ENDS_AT = datetime.datetime(2023, 6, 28, 5, 0, tzinfo=datetime.UTC)


def update_meeting(client, **overrides):
    """One valid update_schedule_conference call with `client`; `overrides` replace its arguments."""
    arguments = {
        "access_token": "tok-1",
        "creator_union_id": "creator-1",
        "schedule_conference_id": "conf-1",
        "title": "Weekly sync",
        "starts_at": SYNC_STARTS_AT,
        "ends_at": SYNC_ENDS_AT,
    }
    return client.update_schedule_conference(**{**arguments, **overrides})


def connection_refused() -> requests.ConnectionError:
    """What requests raises when nothing listens at DingTalk's address (as seen on 127.0.0.1:9)."""
    reason = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason))


def connection_dropped() -> requests.ConnectionError:
    """What requests raises when DingTalk closes the connection after the request, before replying."""
    closed = http.client.RemoteDisconnected("Remote end closed connection without response")
    return requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", closed))


@pytest.fixture
def organization(db):
    return Organization.objects.create(
        name="Hangzhou Office", time_zone="Asia/Shanghai", api_base=API_BASE, access_token=ACCESS_TOKEN
    )


APP_KEY = "ding-app-key-1"
APP_SECRET = "app-Secret-abcdefghij"


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


def dingtalk_query_url(meeting) -> str:
    return meeting.organization.api_base + dingtalk.QUERY_PATH.format(id=meeting.schedule_conference_id)


def dingtalk_has(meeting, **overrides):
    """DingTalk's query API answers with the meeting as stored, or with `overrides` (title, starts_at,
    ends_at): the read every save makes before it sends the update. Call it inside @responses.activate."""
    values = {"title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at, **overrides}
    return responses.get(
        dingtalk_query_url(meeting),
        json={
            "scheduleConferenceId": meeting.schedule_conference_id,
            "title": values["title"],
            "startTime": dingtalk.epoch_ms(values["starts_at"]),
            "endTime": dingtalk.epoch_ms(values["ends_at"]),
        },
    )


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="meetings", codename__in=codenames))


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
