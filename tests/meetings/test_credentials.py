"""The token provider with a pasted token, and credentials the portal lacks: which token is sent, and what
happens when there is none or DingTalk refuses it."""

import datetime

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from meetings import dingtalk, services, texts
from meetings.dingtalk import credentials, tokens
from meetings.models import MeetingChange, Organization
from tests.helpers import (
    ACCESS_TOKEN,
    INVALID_AUTHENTICATION,
    UPDATE_URL,
    sent_tokens,
    shown_messages,
    token_requests,
    update_with_token,
)

# --- pasted token ------------------------------------------------------------------------------------


@responses.activate
def test_it_sends_a_pasted_token_as_is(organization):
    responses.put(UPDATE_URL, json={"success": True})
    update_with_token(organization)
    assert sent_tokens() == [ACCESS_TOKEN]
    assert token_requests() == []


@responses.activate
def test_it_does_not_send_a_pasted_token_past_its_expiry(organization):
    organization.access_token_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    with pytest.raises(credentials.PastedTokenExpired) as caught:
        update_with_token(organization)
    assert len(responses.calls) == 0
    text = services.error_message(caught.value, organization=organization)
    assert text == texts.PASTED_TOKEN_EXPIRED % {
        "organization": organization.name,
        "time": texts.local_time(organization.access_token_expires_at, organization),
        "time_zone": "Beijing time (UTC+8)",
    }


@responses.activate
def test_it_sends_a_pasted_token_before_its_expiry(organization):
    responses.put(UPDATE_URL, json={"success": True})
    organization.access_token_expires_at = timezone.now() + datetime.timedelta(minutes=1)
    update_with_token(organization)
    assert sent_tokens() == [ACCESS_TOKEN]


@responses.activate
def test_a_refused_pasted_token_is_not_retried_and_an_admin_must_paste_one(organization):
    responses.put(UPDATE_URL, **INVALID_AUTHENTICATION)
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        update_with_token(organization)
    assert len(responses.calls) == 1
    text = services.error_message(caught.value, organization=organization)
    assert text.startswith(texts.INVALID_AUTHENTICATION % {"organization": organization.name})


@pytest.mark.parametrize(
    "fixture, field, label",
    [("organization", "access_token", "access token"), ("app_organization", "app_secret", "app secret / suite secret")],
)
@responses.activate
def test_missing_credentials_are_a_clear_error_without_a_call(request, fixture, field, label):
    organization = request.getfixturevalue(fixture)
    setattr(organization, field, "")
    with pytest.raises(credentials.CredentialsMissing) as caught:
        update_with_token(organization)
    assert len(responses.calls) == 0
    assert services.error_message(caught.value, organization=organization) == texts.CREDENTIALS_MISSING % {
        "organization": organization.name,
        "missing": label,
    }


# --- credentials the portal lacks: no DingTalk call, and every caller still says so ---------------------


def missing_token_message(organization):
    return texts.CREDENTIALS_MISSING % {"organization": organization.name, "missing": "access token"}


def test_credentials_the_portal_lacks_are_no_failed_dingtalk_call(organization):
    organization.access_token = ""
    with pytest.raises(credentials.CredentialsMissing) as caught:
        tokens.access_token_for(organization=organization)
    assert not isinstance(caught.value, dingtalk.DingTalkError)
    organization.access_token, organization.access_token_expires_at = ACCESS_TOKEN, timezone.now()
    with pytest.raises(credentials.PastedTokenExpired) as caught:
        tokens.access_token_for(organization=organization)
    assert not isinstance(caught.value, dingtalk.DingTalkError)


@responses.activate
def test_a_save_without_credentials_says_so_and_keeps_a_failed_row(alice_client, meeting):
    Organization.objects.filter(pk=meeting.organization_id).update(access_token="")
    url = reverse("meetings:edit", args=[meeting.pk])
    form = alice_client.get(url).context["form"]

    response = alice_client.post(
        url, {**{name: form[name].value() for name in form.fields}, "title": "Moved"}, follow=True
    )

    assert shown_messages(response) == [missing_token_message(meeting.organization)]
    assert len(responses.calls) == 0
    change = MeetingChange.objects.get()
    assert (change.outcome, change.dingtalk_code, change.request_id, change.http_status) == (
        MeetingChange.Outcome.FAILED,
        "CredentialsMissing",
        "",
        None,
    )


@responses.activate
def test_registering_without_credentials_says_so(alice_client, organization):
    Organization.objects.filter(pk=organization.pk).update(access_token="")
    response = alice_client.post(
        reverse("meetings:add"),
        {"organization": organization.pk, "schedule_conference_id": "conf-new", "creator_union_id": "creator-9"},
    )
    assert shown_messages(response) == [missing_token_message(organization)]
    assert len(responses.calls) == 0


@responses.activate
def test_check_connection_of_an_expired_pasted_token_says_so(admin_client, organization):
    expired_at = timezone.now() - datetime.timedelta(hours=1)
    Organization.objects.filter(pk=organization.pk).update(access_token_expires_at=expired_at)
    response = admin_client.post(
        reverse("admin:meetings_organization_changelist"),
        {"action": "check_connection", "_selected_action": [organization.pk]},
        follow=True,
    )
    assert shown_messages(response) == [
        texts.PASTED_TOKEN_EXPIRED
        % {
            "organization": organization.name,
            "time": texts.local_time(expired_at, organization),
            "time_zone": "Beijing time (UTC+8)",
        }
    ]
    assert len(responses.calls) == 0
