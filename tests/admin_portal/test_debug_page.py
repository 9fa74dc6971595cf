"""With DJANGO_DEBUG=1 Django's technical 500 page shows local variables, headers, POST data and the
environment: never a token, a secret or a database password there either (issue 15, point 5)."""

import pytest
import responses
from django.urls import reverse

from meetings import dingtalk, services
from tests.helpers import ACCESS_TOKEN, dingtalk_has

DATABASE_URL = "postgres://portal:hunter2-database-password@db.internal:5432/portal"


@pytest.fixture
def debug_client(client, settings):
    settings.DEBUG = True
    client.raise_request_exception = False  # the page a developer would see
    return client


@responses.activate
def test_the_access_token_is_masked_in_local_variables(debug_client, office_admin, meeting, monkeypatch):
    debug_client.force_login(office_admin)
    dingtalk_has(meeting)

    def broken(self, **kwargs):
        raise RuntimeError("a bug after the token was read")

    # In the read before the update: a bug after the update was sent is an unknown outcome, not a 500.
    monkeypatch.setattr(dingtalk.DingTalkClient, "get_schedule_conference", broken)

    response = debug_client.post(
        reverse("meetings:edit", args=[meeting.pk]),
        {
            "title": "New title",
            "start_time": "2026-12-01T10:00",
            "end_time": "2026-12-01T11:00",
            "version": 1,
        },
        DATABASE_URL=DATABASE_URL,
    )

    assert response.status_code == 500
    page = response.content.decode()
    assert "a bug after the token was read" in page  # the technical page, with its frames
    assert ACCESS_TOKEN not in page
    assert "hunter2-database-password" not in page


def test_a_pasted_token_is_masked_in_post_data(debug_client, django_user_model, organization, monkeypatch):
    debug_client.force_login(django_user_model.objects.create_superuser("root", password="root-password-123"))

    def broken(**kwargs):
        raise RuntimeError("a bug while saving")

    monkeypatch.setattr(services, "organization_save", broken)

    response = debug_client.post(
        reverse("admin:meetings_organization_change", args=[organization.pk]),
        {
            "name": organization.name,
            "time_zone": organization.time_zone,
            "api_base": organization.api_base,
            "auth_mode": organization.auth_mode,
            "access_token_expires_at_0": "",
            "access_token_expires_at_1": "",
            "app_key": "",
            "auth_corp_id": "",
            "new_access_token": "tok-Pasted-5550001234",
            "new_app_secret": "",
            "new_suite_ticket": "",
        },
        HTTP_X_ACS_DINGTALK_ACCESS_TOKEN="tok-Header-5550001234",
    )

    assert response.status_code == 500
    page = response.content.decode()
    assert "a bug while saving" in page
    assert "tok-Pasted-5550001234" not in page
    assert "tok-Header-5550001234" not in page
    assert ACCESS_TOKEN not in page
