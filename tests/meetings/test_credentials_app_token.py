"""The token provider with an app's credentials: obtaining and keeping a token, renewing it, and what happens
when DingTalk refuses it or the token request fails."""

import datetime
import json

import pytest
import requests
import responses
from django.utils import timezone

from meetings import dingtalk, services, texts
from meetings.dingtalk import credentials, token_lease
from meetings.models import Meeting, MeetingChange, Organization
from tests.helpers import (
    APP_KEY,
    APP_SECRET,
    CORP_TOKEN_URL,
    INVALID_AUTHENTICATION,
    SUITE_SECRET,
    SUITE_TICKET,
    TOKEN_URL,
    UPDATE_URL,
    cache_token,
    dingtalk_has,
    issue_token,
    now_at_database_precision,
    sent_tokens,
    token_requests,
    update_with_token,
)

# --- app credentials: obtain and cache ---------------------------------------------------------------


@responses.activate
def test_it_obtains_a_token_with_the_app_credentials_and_keeps_it(app_organization):
    issue_token("app-token-1")
    responses.put(UPDATE_URL, json={"success": True})

    before = now_at_database_precision()
    update_with_token(app_organization)
    update_with_token(app_organization)
    update_with_token(Organization.objects.get(pk=app_organization.pk))  # another request, same cached token

    assert len(token_requests()) == 1
    assert json.loads(token_requests()[0].request.body) == {"appKey": APP_KEY, "appSecret": APP_SECRET}
    assert sent_tokens() == ["app-token-1"] * 3
    stored = Organization.objects.get(pk=app_organization.pk)
    assert stored.access_token == "app-token-1"
    assert before + datetime.timedelta(seconds=7200) <= stored.access_token_expires_at
    assert stored.access_token_expires_at <= timezone.now() + datetime.timedelta(seconds=7200)
    assert stored.token_refresh_lease_until is None


@responses.activate
def test_a_third_party_app_gets_its_token_from_the_corp_endpoint(third_party_organization):
    organization = third_party_organization
    issue_token("corp-token-1", url=CORP_TOKEN_URL)
    responses.put(UPDATE_URL, json={"success": True})

    update_with_token(organization)

    assert json.loads(token_requests()[0].request.body) == {
        "suiteKey": "suite-key",
        "suiteSecret": SUITE_SECRET,
        "authCorpId": "ding-corp-9",
        "suiteTicket": SUITE_TICKET,
    }
    assert sent_tokens() == ["corp-token-1"]


@pytest.mark.parametrize(
    "remaining, renewed",
    [
        (token_lease.REFRESH_MARGIN + datetime.timedelta(seconds=30), False),
        (token_lease.REFRESH_MARGIN - datetime.timedelta(seconds=30), True),
        (datetime.timedelta(seconds=-1), True),
    ],
    ids=["outside-margin", "inside-margin", "expired"],
)
@responses.activate
def test_it_renews_the_token_within_the_margin_before_expiry(app_organization, remaining, renewed):
    cache_token(app_organization, "old-token-1", expires_in=remaining)
    issue_token("new-token-1")
    responses.put(UPDATE_URL, json={"success": True})

    update_with_token(app_organization)

    assert len(token_requests()) == (1 if renewed else 0)
    assert sent_tokens() == ["new-token-1" if renewed else "old-token-1"]


def test_the_margin_is_a_few_minutes():
    assert datetime.timedelta(minutes=2) <= token_lease.REFRESH_MARGIN <= datetime.timedelta(minutes=10)


@responses.activate
def test_it_uses_a_token_another_worker_stored_instead_of_asking(app_organization):
    stale = Organization.objects.get(pk=app_organization.pk)  # read before the other worker's refresh
    cache_token(app_organization, "fresh-from-elsewhere", expires_in=datetime.timedelta(hours=2))
    responses.put(UPDATE_URL, json={"success": True})

    update_with_token(stale)

    assert token_requests() == []
    assert sent_tokens() == ["fresh-from-elsewhere"]


@responses.activate
def test_an_app_organization_keeps_saving_for_days_with_no_one_touching_it(app_organization, office_admin):
    starts_at = datetime.datetime(2030, 1, 7, 2, 0, tzinfo=datetime.UTC)
    meeting = Meeting.objects.create(
        organization=app_organization,
        schedule_conference_id="conf-days",
        creator_union_id="creator-1",
        title="Daily",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
    )
    for day in (1, 2, 3):
        issue_token(f"token-day-{day}")
        if day > 1:  # a day later: yesterday's token has expired
            Organization.objects.filter(pk=app_organization.pk).update(
                access_token_expires_at=timezone.now() - datetime.timedelta(hours=20)
            )
        meeting = Meeting.objects.get(pk=meeting.pk)
        dingtalk_has(meeting)
        responses.put(UPDATE_URL, json={"success": True})

        change = services.meeting_update(
            meeting=meeting,
            title=f"Daily, day {day}",
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            by=office_admin,
            based_on_version=meeting.version,
        )

        assert change.outcome == MeetingChange.Outcome.SUCCESS
        assert sent_tokens()[-1] == f"token-day-{day}"
    assert len(token_requests()) == 3


# --- app credentials: InvalidAuthentication -----------------------------------------------------------


@responses.activate
def test_a_refused_app_token_is_renewed_once_and_the_call_retried_once(app_organization):
    cache_token(app_organization, "revoked-token-1", expires_in=datetime.timedelta(hours=1))
    issue_token("new-token-1")
    responses.put(UPDATE_URL, **INVALID_AUTHENTICATION)
    responses.put(UPDATE_URL, json={"success": True}, headers={"x-acs-request-id": "req-ok"})

    assert update_with_token(app_organization) == "req-ok"

    assert sent_tokens() == ["revoked-token-1", "new-token-1"]
    assert len(token_requests()) == 1
    assert Organization.objects.get(pk=app_organization.pk).access_token == "new-token-1"


@responses.activate
def test_when_even_a_new_token_is_refused_it_stops_and_says_so(app_organization):
    cache_token(app_organization, "revoked-token-1", expires_in=datetime.timedelta(hours=1))
    issue_token("new-token-1")
    responses.put(UPDATE_URL, **INVALID_AUTHENTICATION)

    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        update_with_token(app_organization)

    assert sent_tokens() == ["revoked-token-1", "new-token-1"]  # one retry, no more
    assert len(token_requests()) == 1
    assert services.error_message(caught.value, organization=app_organization) == (
        texts.APP_TOKEN_REJECTED % {"organization": app_organization.name}
        + " "
        + texts.REQUEST_ID_SUFFIX % {"request_id": "req-auth"}
    )


@responses.activate
def test_other_refusals_are_not_retried(app_organization):
    cache_token(app_organization, "good-token-1", expires_in=datetime.timedelta(hours=1))
    responses.put(UPDATE_URL, status=400, json={"code": "paramsError", "message": "error:bad", "requestid": "r"})
    with pytest.raises(dingtalk.DingTalkAPIError):
        update_with_token(app_organization)
    assert len(responses.calls) == 1


# --- app credentials: the token request fails ---------------------------------------------------------


@responses.activate
def test_wrong_app_credentials_have_their_own_message(app_organization):
    responses.post(
        TOKEN_URL,
        status=400,
        json={"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret", "requestid": "req-cred"},
    )

    with pytest.raises(credentials.TokenRequestFailed) as caught:
        update_with_token(app_organization)

    assert sent_tokens() == []
    assert services.error_message(caught.value, organization=app_organization) == (
        texts.INVALID_APP_CREDENTIALS % {"organization": app_organization.name}
        + " "
        + texts.REQUEST_ID_SUFFIX % {"request_id": "req-cred"}
    )
    stored = Organization.objects.get(pk=app_organization.pk)
    assert (stored.access_token, stored.token_refresh_lease_until) == ("", None)  # the lease is given back


@responses.activate
def test_a_token_endpoint_that_does_not_answer_says_nothing_was_changed(app_organization):
    responses.post(TOKEN_URL, body=requests.ReadTimeout("slow"))

    with pytest.raises(credentials.TokenRequestFailed) as caught:
        update_with_token(app_organization)

    assert len(token_requests()) == 1  # the token endpoint is never retried
    assert services.error_message(caught.value, organization=app_organization) == texts.TOKEN_REQUEST_FAILED % {
        "organization": app_organization.name,
        "status": "-",
        "code": "-",
    }
