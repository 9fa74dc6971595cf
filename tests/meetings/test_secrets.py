"""A token is write-only: stored encrypted, never shown back in any page."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.conftest import ACCESS_TOKEN


def test_the_token_is_encrypted_in_the_database(organization):
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM meetings_organization WHERE id = %s", [organization.pk])
        [stored] = cursor.fetchone()
    assert ACCESS_TOKEN not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


@pytest.fixture
def superuser_client(client, django_user_model, organization):
    user = django_user_model.objects.create_superuser("root", password="root-password-123")
    client.force_login(user)
    return client


def test_the_token_is_absent_from_every_page(superuser_client, organization, meeting):
    pages = [
        reverse("meetings:list"),
        reverse("meetings:add"),
        reverse("meetings:edit", args=[meeting.pk]),
        reverse("admin:meetings_organization_changelist"),
        reverse("admin:meetings_organization_change", args=[organization.pk]),
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
    ]
    for page in pages:
        response = superuser_client.get(page)
        assert response.status_code == 200, page
        assert ACCESS_TOKEN not in response.content.decode(), page


def test_the_admin_keeps_the_token_when_the_field_is_left_empty(superuser_client, organization):
    url = reverse("admin:meetings_organization_change", args=[organization.pk])
    data = {
        "name": organization.name,
        "time_zone": "Asia/Shanghai",
        "api_base": organization.api_base,
        "auth_mode": organization.auth_mode,
        "app_key": "",
        "auth_corp_id": "",
        "new_access_token": "",
        "new_app_secret": "",
        "new_suite_ticket": "",
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    organization.refresh_from_db()
    assert organization.access_token == ACCESS_TOKEN

    superuser_client.post(url, {**data, "new_access_token": "replacement-token"})
    organization.refresh_from_db()
    assert organization.access_token == "replacement-token"
