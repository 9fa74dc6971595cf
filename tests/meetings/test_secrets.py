"""A token is write-only: stored encrypted, never shown back in any page."""

import pytest
import responses
from django.db import connection
from django.urls import reverse

from meetings import dingtalk
from meetings.models import Organization
from tests.helpers import ACCESS_TOKEN, API_BASE, APP_SECRET, SUITE_SECRET, SUITE_TICKET


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


@responses.activate
def test_no_secret_in_any_page_or_any_database_column(
    superuser_client, organization, app_organization, third_party_organization, meeting
):
    tokens = {dingtalk.ACCESS_TOKEN_PATH: "app-Token-Never-Shown", dingtalk.CORP_ACCESS_TOKEN_PATH: "corp-Tok-Unseen"}
    for path, token in tokens.items():
        responses.post(API_BASE + path, json={"accessToken": token, "expireIn": 7200})
    secrets = [ACCESS_TOKEN, APP_SECRET, *tokens.values(), SUITE_SECRET, SUITE_TICKET]
    checked = superuser_client.post(
        reverse("admin:meetings_organization_changelist"),
        {
            "action": "check_connection",
            "_selected_action": [organization.pk, app_organization.pk, third_party_organization.pk],
        },
        follow=True,
    )
    assert Organization.objects.get(pk=third_party_organization.pk).access_token == "corp-Tok-Unseen"

    pages = [checked] + [
        superuser_client.get(url)
        for url in (
            reverse("admin:meetings_organization_changelist"),
            reverse("admin:meetings_organization_add"),
            *(
                reverse("admin:meetings_organization_change", args=[o.pk])
                for o in (organization, app_organization, third_party_organization)
            ),
            reverse("meetings:list"),
            reverse("meetings:edit", args=[meeting.pk]),
        )
    ]
    for page in pages:
        html = page.content.decode()
        for secret in secrets:
            assert secret not in html

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    for secret in secrets:
                        assert secret not in str(value), table
