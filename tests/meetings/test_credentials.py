"""The token provider: which token is sent, when it is renewed, and what happens when DingTalk refuses it."""

import datetime
import json
import threading
import time

import pytest
import requests
import responses
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from meetings import credentials, dingtalk, services, texts
from meetings.models import Meeting, MeetingChange, Organization
from tests.helpers import (
    ACCESS_TOKEN,
    API_BASE,
    APP_KEY,
    APP_SECRET,
    UPDATE_URL,
    dingtalk_has,
    send_update,
    shown_messages,
)

TOKEN_URL = API_BASE + dingtalk.ACCESS_TOKEN_PATH
CORP_TOKEN_URL = API_BASE + dingtalk.CORP_ACCESS_TOKEN_PATH
INVALID_AUTHENTICATION = {
    "status": 400,
    "json": {"code": "InvalidAuthentication", "message": "token expired", "requestid": "req-auth"},
}


def issue(token="app-token-1", expire_in=7200, url=TOKEN_URL):
    return responses.post(url, json={"accessToken": token, "expireIn": expire_in})


def update(organization):
    """One meeting update through the seam services use; returns DingTalk's request ID."""
    client = dingtalk.client_for(organization.api_base)
    return credentials.call_with_token(
        organization=organization, call=lambda access_token: send_update(client, access_token=access_token)
    )


def sent_tokens():
    return [call.request.headers.get(dingtalk.TOKEN_HEADER) for call in responses.calls if call.request.method == "PUT"]


def token_requests():
    return [call for call in responses.calls if call.request.url in (TOKEN_URL, CORP_TOKEN_URL)]


def cache(organization, token, *, expires_in):
    Organization.objects.filter(pk=organization.pk).update(
        access_token=token, access_token_expires_at=timezone.now() + expires_in
    )
    organization.refresh_from_db()


# --- pasted token ------------------------------------------------------------------------------------


@responses.activate
def test_it_sends_a_pasted_token_as_is(organization):
    responses.put(UPDATE_URL, json={"success": True})
    update(organization)
    assert sent_tokens() == [ACCESS_TOKEN]
    assert token_requests() == []


@responses.activate
def test_it_does_not_send_a_pasted_token_past_its_expiry(organization):
    organization.access_token_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    with pytest.raises(credentials.PastedTokenExpired) as caught:
        update(organization)
    assert len(responses.calls) == 0
    text = services.error_message(caught.value, organization=organization)
    assert text == texts.PASTED_TOKEN_EXPIRED % {
        "organization": organization.name,
        "time": texts.local_time(organization.access_token_expires_at, organization),
        "time_zone": "Asia/Shanghai",
    }


@responses.activate
def test_it_sends_a_pasted_token_before_its_expiry(organization):
    responses.put(UPDATE_URL, json={"success": True})
    organization.access_token_expires_at = timezone.now() + datetime.timedelta(minutes=1)
    update(organization)
    assert sent_tokens() == [ACCESS_TOKEN]


@responses.activate
def test_a_refused_pasted_token_is_not_retried_and_an_admin_must_paste_one(organization):
    responses.put(UPDATE_URL, **INVALID_AUTHENTICATION)
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        update(organization)
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
        update(organization)
    assert len(responses.calls) == 0
    assert services.error_message(caught.value, organization=organization) == texts.CREDENTIALS_MISSING % {
        "organization": organization.name,
        "missing": label,
    }


# --- app credentials: obtain and cache ---------------------------------------------------------------


@responses.activate
def test_it_obtains_a_token_with_the_app_credentials_and_keeps_it(app_organization):
    issue("app-token-1")
    responses.put(UPDATE_URL, json={"success": True})

    before = timezone.now()
    update(app_organization)
    update(app_organization)
    update(Organization.objects.get(pk=app_organization.pk))  # another request, same cached token

    assert len(token_requests()) == 1
    assert json.loads(token_requests()[0].request.body) == {"appKey": APP_KEY, "appSecret": APP_SECRET}
    assert sent_tokens() == ["app-token-1"] * 3
    stored = Organization.objects.get(pk=app_organization.pk)
    assert stored.access_token == "app-token-1"
    assert before + datetime.timedelta(seconds=7200) <= stored.access_token_expires_at
    assert stored.access_token_expires_at <= timezone.now() + datetime.timedelta(seconds=7200)
    assert stored.token_refresh_lease_until is None


@responses.activate
def test_a_third_party_app_gets_its_token_from_the_corp_endpoint(db):
    organization = Organization.objects.create(
        name="Partner corp",
        time_zone="UTC",
        api_base=API_BASE,
        auth_mode=Organization.AuthMode.THIRD_PARTY_APP,
        app_key="suite-key",
        app_secret="suite-Secret-123",
        auth_corp_id="ding-corp-9",
        suite_ticket="ticket-abcdef1",
    )
    issue("corp-token-1", url=CORP_TOKEN_URL)
    responses.put(UPDATE_URL, json={"success": True})

    update(organization)

    assert json.loads(token_requests()[0].request.body) == {
        "suiteKey": "suite-key",
        "suiteSecret": "suite-Secret-123",
        "authCorpId": "ding-corp-9",
        "suiteTicket": "ticket-abcdef1",
    }
    assert sent_tokens() == ["corp-token-1"]


@pytest.mark.parametrize(
    "remaining, renewed",
    [
        (credentials.REFRESH_MARGIN + datetime.timedelta(seconds=30), False),
        (credentials.REFRESH_MARGIN - datetime.timedelta(seconds=30), True),
        (datetime.timedelta(seconds=-1), True),
    ],
    ids=["outside-margin", "inside-margin", "expired"],
)
@responses.activate
def test_it_renews_the_token_within_the_margin_before_expiry(app_organization, remaining, renewed):
    cache(app_organization, "old-token-1", expires_in=remaining)
    issue("new-token-1")
    responses.put(UPDATE_URL, json={"success": True})

    update(app_organization)

    assert len(token_requests()) == (1 if renewed else 0)
    assert sent_tokens() == ["new-token-1" if renewed else "old-token-1"]


def test_the_margin_is_a_few_minutes():
    assert datetime.timedelta(minutes=2) <= credentials.REFRESH_MARGIN <= datetime.timedelta(minutes=10)


@responses.activate
def test_it_uses_a_token_another_worker_stored_instead_of_asking(app_organization):
    stale = Organization.objects.get(pk=app_organization.pk)  # read before the other worker's refresh
    cache(app_organization, "fresh-from-elsewhere", expires_in=datetime.timedelta(hours=2))
    responses.put(UPDATE_URL, json={"success": True})

    update(stale)

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
        issue(f"token-day-{day}")
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
    cache(app_organization, "revoked-token-1", expires_in=datetime.timedelta(hours=1))
    issue("new-token-1")
    responses.put(UPDATE_URL, **INVALID_AUTHENTICATION)
    responses.put(UPDATE_URL, json={"success": True}, headers={"x-acs-request-id": "req-ok"})

    assert update(app_organization) == "req-ok"

    assert sent_tokens() == ["revoked-token-1", "new-token-1"]
    assert len(token_requests()) == 1
    assert Organization.objects.get(pk=app_organization.pk).access_token == "new-token-1"


@responses.activate
def test_when_even_a_new_token_is_refused_it_stops_and_says_so(app_organization):
    cache(app_organization, "revoked-token-1", expires_in=datetime.timedelta(hours=1))
    issue("new-token-1")
    responses.put(UPDATE_URL, **INVALID_AUTHENTICATION)

    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        update(app_organization)

    assert sent_tokens() == ["revoked-token-1", "new-token-1"]  # one retry, no more
    assert len(token_requests()) == 1
    assert services.error_message(caught.value, organization=app_organization) == (
        texts.APP_TOKEN_REJECTED % {"organization": app_organization.name}
        + " "
        + texts.REQUEST_ID_SUFFIX % {"request_id": "req-auth"}
    )


@responses.activate
def test_other_refusals_are_not_retried(app_organization):
    cache(app_organization, "good-token-1", expires_in=datetime.timedelta(hours=1))
    responses.put(UPDATE_URL, status=400, json={"code": "paramsError", "message": "error:bad", "requestid": "r"})
    with pytest.raises(dingtalk.DingTalkAPIError):
        update(app_organization)
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
        update(app_organization)

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
        update(app_organization)

    assert len(token_requests()) == 1  # the token endpoint is never retried
    assert services.error_message(caught.value, organization=app_organization) == texts.TOKEN_REQUEST_FAILED % {
        "organization": app_organization.name,
        "status": "-",
        "code": "-",
    }


# --- the lease, one worker at a time ------------------------------------------------------------------


@responses.activate
def test_a_worker_waits_for_the_lease_holders_token(app_organization, monkeypatch):
    Organization.objects.filter(pk=app_organization.pk).update(
        token_refresh_lease_until=timezone.now() + datetime.timedelta(seconds=10)
    )

    def other_worker_finishes(seconds):
        cache(Organization.objects.get(pk=app_organization.pk), "holders-token", expires_in=datetime.timedelta(hours=2))
        Organization.objects.filter(pk=app_organization.pk).update(token_refresh_lease_until=None)

    monkeypatch.setattr(credentials, "sleep", other_worker_finishes)

    assert credentials.access_token_for(organization=app_organization) == "holders-token"
    assert token_requests() == []


@responses.activate
def test_an_abandoned_lease_is_taken_over_when_it_runs_out(app_organization):
    Organization.objects.filter(pk=app_organization.pk).update(
        token_refresh_lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    issue("taken-over")
    assert credentials.access_token_for(organization=app_organization) == "taken-over"
    assert len(token_requests()) == 1


@responses.activate
def test_a_worker_gives_up_waiting_with_a_clear_error(app_organization, monkeypatch, settings):
    settings.DINGTALK_CONNECT_TIMEOUT, settings.DINGTALK_READ_TIMEOUT = 0.01, 0.01
    Organization.objects.filter(pk=app_organization.pk).update(
        token_refresh_lease_until=timezone.now() + datetime.timedelta(hours=1)  # a holder that never finishes
    )
    clock = iter(range(0, 1000, 1))
    monkeypatch.setattr(credentials, "clock", lambda: next(clock))
    monkeypatch.setattr(credentials, "sleep", lambda seconds: None)

    with pytest.raises(credentials.TokenRequestFailed) as caught:
        credentials.access_token_for(organization=app_organization)

    assert token_requests() == []
    assert services.error_message(caught.value, organization=app_organization).startswith(
        str(texts.TOKEN_REQUEST_FAILED % {"organization": app_organization.name, "status": "-", "code": "-"})
    )


def test_changing_what_the_token_was_obtained_with_drops_it(app_organization):
    app_organization.access_token = "cached"
    assert credentials.forget_token_if_source_changed(app_organization, changed={"app_secret"})
    assert (app_organization.access_token, app_organization.access_token_expires_at) == ("", None)
    assert not credentials.forget_token_if_source_changed(app_organization, changed={"name", "time_zone"})


# --- single flight across threads (each with its own database connection) -----------------------------


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_saves_cost_one_token_request(app_organization):
    """Ten workers find no token at once: one asks DingTalk, nine wait for its token."""
    workers = 10
    start = threading.Barrier(workers)
    results, errors = [], []

    def slow_token(request):
        time.sleep(0.3)  # DingTalk thinking: everyone else arrives meanwhile
        return 200, {}, json.dumps({"accessToken": "the-one-token", "expireIn": 7200})

    def save():
        try:
            organization = Organization.objects.get(pk=app_organization.pk)
            start.wait()
            results.append(update(organization))
        except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    with responses.RequestsMock() as dingtalk_fake:
        dingtalk_fake.add_callback(responses.POST, TOKEN_URL, callback=slow_token)
        dingtalk_fake.put(UPDATE_URL, json={"success": True})
        threads = [threading.Thread(target=save) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        token_calls = [call for call in dingtalk_fake.calls if call.request.url == TOKEN_URL]
        sent = {
            call.request.headers[dingtalk.TOKEN_HEADER] for call in dingtalk_fake.calls if call.request.method == "PUT"
        }

    assert errors == []
    assert len(results) == workers
    assert len(token_calls) == 1
    assert sent == {"the-one-token"}
    stored = Organization.objects.get(pk=app_organization.pk)
    assert (stored.access_token, stored.token_refresh_lease_until) == ("the-one-token", None)


# --- credentials the portal lacks: no DingTalk call, and every caller still says so ---------------------


def missing_token_message(organization):
    return texts.CREDENTIALS_MISSING % {"organization": organization.name, "missing": "access token"}


def test_credentials_the_portal_lacks_are_no_failed_dingtalk_call(organization):
    organization.access_token = ""
    with pytest.raises(credentials.CredentialsMissing) as caught:
        credentials.access_token_for(organization=organization)
    assert not isinstance(caught.value, dingtalk.DingTalkError)
    organization.access_token, organization.access_token_expires_at = ACCESS_TOKEN, timezone.now()
    with pytest.raises(credentials.PastedTokenExpired) as caught:
        credentials.access_token_for(organization=organization)
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
            "time_zone": "Asia/Shanghai",
        }
    ]
    assert len(responses.calls) == 0
