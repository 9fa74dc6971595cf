import pytest
from django.contrib.auth.models import Group

from meetings.models import Organization
from tests.accounts.helpers import CLIENT_ID, CLIENT_SECRET, CORP_ID


@pytest.fixture
def dingtalk_login(settings):
    """Sign in with DingTalk set up, against DingTalk's real hosts (faked with responses)."""
    settings.DINGTALK_LOGIN_CLIENT_ID = CLIENT_ID
    settings.DINGTALK_LOGIN_CLIENT_SECRET = CLIENT_SECRET
    settings.DINGTALK_LOGIN_URL = "https://login.dingtalk.com/oauth2/auth"
    settings.DINGTALK_LOGIN_API_BASE = "https://api.dingtalk.com"
    return settings


@pytest.fixture
def corp_organization(organization):
    """The tests' organization, on DingTalk as corp CORP_ID."""
    organization.corp_id = CORP_ID
    organization.save(update_fields=["corp_id"])
    return organization


@pytest.fixture
def approver(django_user_model, corp_organization):
    """An office admin of the corp's organization (the role's group: it carries approve_person)."""
    user = django_user_model.objects.create_user("olivia", password="correct horse battery")
    user.groups.add(Group.objects.get(name="Office admins"))
    corp_organization.members.add(user)
    return user


@pytest.fixture
def other_organization(db):
    return Organization.objects.create(name="Berlin Office", time_zone="Europe/Berlin", corp_id="ding-corp-berlin")
