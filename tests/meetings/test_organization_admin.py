"""The organization admin: write-only secrets, validation per way of authenticating, status, Check connection."""

import datetime

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from meetings import services, texts
from meetings.admin import token_status
from meetings.models import Meeting, Organization
from tests.helpers import ACCESS_TOKEN, API_BASE, APP_KEY, APP_SECRET, TOKEN_URL, cache_token

ADD_URL = reverse("admin:meetings_organization_add")
CHANGELIST_URL = reverse("admin:meetings_organization_changelist")
INTERNAL_APP = Organization.AuthMode.INTERNAL_APP


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="root-password-123"))
    return client


def change_url(organization):
    return reverse("admin:meetings_organization_change", args=[organization.pk])


def form_data(organization=None, **overrides):
    data = {
        "name": "Chengdu Office",
        "time_zone": "Asia/Shanghai",
        "api_base": API_BASE,
        "auth_mode": INTERNAL_APP,
        "access_token_expires_at": "",
        "app_key": APP_KEY,
        "auth_corp_id": "",
        "new_access_token": "",
        "new_app_secret": "",
        "new_suite_ticket": "",
    }
    if organization is not None:
        data.update(name=organization.name, auth_mode=organization.auth_mode, app_key=organization.app_key)
    return {**data, **overrides}


def errors(response, field):
    return response.context["adminform"].form.errors.get(field, [])


# --- write-only secrets ------------------------------------------------------------------------------


def test_the_secret_inputs_are_empty_password_fields(admin_client, app_organization):
    html = admin_client.get(change_url(app_organization)).content.decode()
    for name in ("new_access_token", "new_app_secret", "new_suite_ticket"):
        assert f'type="password" name="{name}"' in html
    assert APP_SECRET not in html
    assert "Set. Leave empty to keep it" in html


def test_it_creates_an_internal_app_organization(admin_client):
    response = admin_client.post(ADD_URL, form_data(new_app_secret=APP_SECRET))
    assert response.status_code == 302
    organization = Organization.objects.get(name="Chengdu Office")
    stored = (organization.auth_mode, organization.app_key, organization.app_secret)
    assert stored == (INTERNAL_APP, APP_KEY, APP_SECRET)


def test_an_app_without_its_secret_is_refused_and_the_input_kept(admin_client):
    response = admin_client.post(ADD_URL, form_data())
    assert response.status_code == 200
    assert errors(response, "new_app_secret") == [
        texts.CREDENTIAL_REQUIRED % {"mode": Organization.AuthMode.INTERNAL_APP.label}
    ]
    assert 'value="Chengdu Office"' in response.content.decode()
    assert not Organization.objects.exists()


def test_a_third_party_app_needs_its_corp_id_and_suite_ticket(admin_client):
    response = admin_client.post(
        ADD_URL, form_data(auth_mode=Organization.AuthMode.THIRD_PARTY_APP, new_app_secret="suite-Secret-123")
    )
    assert errors(response, "auth_corp_id") and errors(response, "new_suite_ticket")


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("time_zone", "CST", "invalid_time_zone"),
        ("time_zone", "Mars/Olympus", "invalid_time_zone"),
        ("api_base", "http://api.dingtalk.com", "invalid_api_base"),
    ],
)
def test_it_validates_the_zone_and_the_api_base(admin_client, settings, field, value, code):
    settings.DINGTALK_SANDBOX_ENABLED = False
    response = admin_client.post(ADD_URL, form_data(new_app_secret=APP_SECRET, **{field: value}))
    assert response.status_code == 200
    assert [error.code for error in response.context["adminform"].form.errors.as_data()[field]] == [code]


def test_switching_to_a_pasted_token_needs_one_pasted(admin_client, app_organization):
    cache_token(app_organization, "cached-app-token-1", expires_in=datetime.timedelta(hours=1))
    data = form_data(app_organization, auth_mode=Organization.AuthMode.ACCESS_TOKEN)
    response = admin_client.post(change_url(app_organization), data)
    assert errors(response, "new_access_token")

    response = admin_client.post(change_url(app_organization), {**data, "new_access_token": "pasted-token-1"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=app_organization.pk).access_token == "pasted-token-1"


def test_a_pasted_tokens_expiry_must_not_have_passed(admin_client, organization):
    data = form_data(organization, new_access_token="pasted-token-2", access_token_expires_at="2020-01-01T10:00")
    response = admin_client.post(change_url(organization), data)
    assert errors(response, "access_token_expires_at") == [texts.TOKEN_EXPIRY_PASSED]
    assert Organization.objects.get(pk=organization.pk).access_token == ACCESS_TOKEN


def test_a_new_app_secret_drops_the_cached_token(admin_client, app_organization):
    cache_token(app_organization, "cached-app-token-1", expires_in=datetime.timedelta(hours=1))
    data = form_data(app_organization, new_app_secret="new-Secret-2")
    response = admin_client.post(change_url(app_organization), data)
    assert response.status_code == 302
    stored = Organization.objects.get(pk=app_organization.pk)
    assert (stored.app_secret, stored.access_token, stored.access_token_expires_at) == ("new-Secret-2", "", None)


def test_saving_other_fields_keeps_a_token_and_lease_written_meanwhile(admin_client, app_organization):
    admin_client.get(change_url(app_organization))  # the admin opens the form ...
    lease = timezone.now() + datetime.timedelta(seconds=10)
    cache_token(app_organization, "renewed-meanwhile", expires_in=datetime.timedelta(hours=2))
    Organization.objects.filter(pk=app_organization.pk).update(token_refresh_lease_until=lease)

    response = admin_client.post(change_url(app_organization), form_data(app_organization, time_zone="Asia/Tokyo"))

    assert response.status_code == 302
    stored = Organization.objects.get(pk=app_organization.pk)
    assert (stored.time_zone, stored.access_token, stored.token_refresh_lease_until) == (
        "Asia/Tokyo",
        "renewed-meanwhile",
        lease,
    )


# --- one DingTalk host, one spelling ------------------------------------------------------------------


def test_the_api_base_is_stored_in_its_canonical_spelling(admin_client):
    data = form_data(new_app_secret=APP_SECRET, api_base="https://API.DingTalk.com:443/")
    assert admin_client.post(ADD_URL, data).status_code == 302
    assert Organization.objects.get(name="Chengdu Office").api_base == "https://api.dingtalk.com"


def a_meeting(organization, conference_id="conf-1"):
    now = timezone.now()
    return Meeting.objects.create(
        organization=organization,
        schedule_conference_id=conference_id,
        creator_union_id="u",
        title="t",
        starts_at=now,
        ends_at=now,
    )


def test_a_new_host_takes_the_organizations_meetings_along(admin_client, app_organization):
    meeting = a_meeting(app_organization)
    data = form_data(app_organization, api_base="https://api.dingtalk.io")
    assert admin_client.post(change_url(app_organization), data).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).api_base == "https://api.dingtalk.io"


def test_a_new_host_where_another_organization_has_one_of_its_meetings_is_refused(admin_client, app_organization):
    a_meeting(app_organization)
    intl = Organization.objects.create(name="Intl", api_base="https://api.dingtalk.io")
    a_meeting(intl)

    response = admin_client.post(
        change_url(app_organization), form_data(app_organization, api_base="https://api.dingtalk.io")
    )

    assert errors(response, "api_base") == [texts.ORGANIZATION_HOST_TAKEN % {"host": "https://api.dingtalk.io"}]
    assert Organization.objects.get(pk=app_organization.pk).api_base == API_BASE


# --- status ------------------------------------------------------------------------------------------


def test_the_status_of_an_app_token_says_until_when_and_that_it_renews(app_organization):
    assert token_status(app_organization) == texts.TOKEN_STATUS_APP_PENDING
    cache_token(app_organization, "cached-app-token-1", expires_in=datetime.timedelta(hours=1))
    assert token_status(app_organization) == texts.TOKEN_STATUS_APP_VALID % {
        "time": texts.local_time(app_organization.access_token_expires_at, app_organization),
        "time_zone": "Beijing time (UTC+8)",
    }


def test_the_status_of_a_pasted_token(organization):
    assert token_status(organization) == texts.TOKEN_STATUS_PASTED_NO_EXPIRY
    organization.access_token_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    assert token_status(organization).startswith("Pasted token expired at")
    organization.access_token = ""
    assert token_status(organization) == texts.TOKEN_STATUS_INCOMPLETE % {"missing": "access token"}


def test_the_status_is_on_the_list_and_the_form(admin_client, app_organization):
    for url in (CHANGELIST_URL, change_url(app_organization)):
        assert str(texts.TOKEN_STATUS_APP_PENDING) in admin_client.get(url).content.decode()


# --- Check connection --------------------------------------------------------------------------------


def check_connection(admin_client, *organizations):
    return admin_client.post(
        CHANGELIST_URL,
        {"action": "check_connection", "_selected_action": [o.pk for o in organizations]},
        follow=True,
    )


def shown(response):
    return [str(message) for message in response.context["messages"]]


@responses.activate
def test_check_connection_gets_a_token_for_app_credentials(admin_client, app_organization):
    responses.post(TOKEN_URL, json={"accessToken": "checked-token-1", "expireIn": 7200})
    response = check_connection(admin_client, app_organization)

    stored = Organization.objects.get(pk=app_organization.pk)
    assert shown(response) == [
        texts.CONNECTION_OK
        % {
            "organization": app_organization.name,
            "time": texts.local_time(stored.access_token_expires_at, stored),
            "time_zone": "Beijing time (UTC+8)",
        }
    ]
    assert stored.access_token == "checked-token-1"
    html = response.content.decode()
    assert "checked-token-1" not in html and APP_SECRET not in html


@responses.activate
def test_check_connection_reports_dingtalks_refusal(admin_client, app_organization):
    responses.post(
        TOKEN_URL,
        status=400,
        json={"code": "invalidClientIdOrSecret", "message": "bad <b>secret</b>", "requestid": "req-chk"},
    )
    response = check_connection(admin_client, app_organization)
    assert shown(response) == [
        texts.INVALID_APP_CREDENTIALS % {"organization": app_organization.name}
        + " "
        + texts.REQUEST_ID_SUFFIX % {"request_id": "req-chk"}
    ]
    assert APP_SECRET not in response.content.decode()


@responses.activate
def test_check_connection_of_a_pasted_token_checks_what_it_can(admin_client, organization):
    response = check_connection(admin_client, organization)
    assert shown(response) == [
        texts.CONNECTION_PASTED % {"organization": organization.name, "status": texts.TOKEN_STATUS_PASTED_NO_EXPIRY}
    ]
    assert len(responses.calls) == 0
    assert ACCESS_TOKEN not in response.content.decode()


def test_check_connection_needs_a_post_with_csrf(client, django_user_model, app_organization):
    client = client.__class__(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_superuser("root2", password="root-password-123"))
    response = client.post(CHANGELIST_URL, {"action": "check_connection", "_selected_action": [app_organization.pk]})
    assert response.status_code == 403


def test_the_database_refuses_a_move_the_form_did_not_see(app_organization):
    a_meeting(app_organization)
    a_meeting(Organization.objects.create(name="Intl", api_base="https://api.dingtalk.io"))
    app_organization.api_base = "https://api.dingtalk.io"

    with pytest.raises(services.OrganizationHostTaken) as refused:
        services.organization_save(organization=app_organization, changed={"api_base"})

    assert refused.value.message == texts.ORGANIZATION_HOST_TAKEN % {"host": "https://api.dingtalk.io"}
    assert Organization.objects.get(pk=app_organization.pk).api_base == API_BASE
