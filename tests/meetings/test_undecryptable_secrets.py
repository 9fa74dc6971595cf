"""A stored secret no configured key decrypts (a retired key, a database restored elsewhere) is decrypted only
where it is used: the pages that merely list organizations keep working, the admin says to paste a new one,
and a save says why nothing was sent (issue 15, point 5)."""

import pytest
import responses
from cryptography.fernet import Fernet
from django.contrib.auth.models import Group
from django.urls import reverse

from meetings import texts
from meetings.models import MeetingChange, Organization
from tests.helpers import API_BASE, APP_SECRET, post_edit, shown_messages

OTHER_KEY = Fernet.generate_key().decode()


@pytest.fixture
def key_lost(settings, organization, app_organization):
    """Both organizations' secrets were encrypted under a key that is no longer configured."""
    settings.DINGTALK_ENCRYPTION_KEYS = [OTHER_KEY]


@pytest.fixture
def admin_client(client, django_user_model, organization, app_organization):
    client.force_login(django_user_model.objects.create_superuser("root", password="root-password-123"))
    return client


def save_in_admin(admin_client, organization, **typed):
    """The organization's admin change form posted as shown (no secret pasted), with `typed` typed in."""
    return admin_client.post(
        reverse("admin:meetings_organization_change", args=[organization.pk]),
        {
            "name": organization.name,
            "time_zone": organization.time_zone,
            "api_base": API_BASE,
            "auth_mode": organization.auth_mode,
            "access_token_expires_at_0": "",
            "access_token_expires_at_1": "",
            "app_key": organization.app_key,
            "auth_corp_id": "",
            "new_access_token": "",
            "new_app_secret": "",
            "new_suite_ticket": "",
            **typed,
        },
    )


def test_the_organization_admin_says_to_paste_a_new_secret(admin_client, key_lost, organization, app_organization):
    changelist = admin_client.get(reverse("admin:meetings_organization_changelist"))
    assert changelist.status_code == 200
    assert changelist.content.decode().count(str(texts.SECRET_UNDECRYPTABLE)) == 2

    change = admin_client.get(reverse("admin:meetings_organization_change", args=[app_organization.pk]))
    assert change.status_code == 200
    assert change.context["adminform"].form.fields["new_app_secret"].help_text == texts.SECRET_UNDECRYPTABLE


def test_pasting_a_new_token_mends_the_organization(admin_client, key_lost, organization):
    response = save_in_admin(admin_client, organization, new_access_token="tok-New-0987654321")

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Organization.objects.get(pk=organization.pk).access_token == "tok-New-0987654321"


def test_an_app_secret_that_cannot_be_decrypted_must_be_pasted_again(admin_client, key_lost, app_organization):
    response = save_in_admin(admin_client, app_organization)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["new_app_secret"]
    response = save_in_admin(admin_client, app_organization, new_app_secret=APP_SECRET)
    assert response.status_code == 302
    assert Organization.objects.get(pk=app_organization.pk).app_secret == APP_SECRET


def test_the_pages_that_list_organizations_keep_working(client, office_admin, key_lost, meeting):
    office_admin.groups.add(Group.objects.get(name="Office admins"))
    client.force_login(office_admin)

    for page in (
        reverse("meetings:add"),
        reverse("meetings:activity"),
        reverse("meetings:list"),
        reverse("meetings:edit", args=[meeting.pk]),
    ):
        assert client.get(page).status_code == 200, page


@responses.activate
def test_a_save_says_the_secret_cannot_be_decrypted_and_sends_nothing(alice_client, key_lost, meeting):
    response = post_edit(alice_client, meeting)

    assert response.status_code == 200
    expected = texts.CREDENTIALS_UNDECRYPTABLE % {"organization": meeting.organization.name}
    assert shown_messages(response) == [expected]
    assert len(responses.calls) == 0
    assert MeetingChange.objects.get().outcome == MeetingChange.Outcome.FAILED
