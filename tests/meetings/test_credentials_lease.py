"""The token provider's lease: one worker at a time asks DingTalk for a token, the others wait for it."""

import datetime
import json
import threading
import time

import pytest
import responses
from django.db import connection
from django.utils import timezone

from meetings import dingtalk, services, texts
from meetings.dingtalk import credentials, token_lease, tokens
from meetings.models import Organization
from tests.helpers import (
    TOKEN_URL,
    UPDATE_URL,
    cache_token,
    issue_token,
    token_requests,
    update_with_token,
)

# --- the lease, one worker at a time ------------------------------------------------------------------


@responses.activate
def test_a_worker_waits_for_the_lease_holders_token(app_organization, monkeypatch):
    Organization.objects.filter(pk=app_organization.pk).update(
        token_refresh_lease_until=timezone.now() + datetime.timedelta(seconds=10)
    )

    def other_worker_finishes(seconds):
        cache_token(
            Organization.objects.get(pk=app_organization.pk), "holders-token", expires_in=datetime.timedelta(hours=2)
        )
        Organization.objects.filter(pk=app_organization.pk).update(token_refresh_lease_until=None)

    monkeypatch.setattr(token_lease, "sleep", other_worker_finishes)

    assert tokens.access_token_for(organization=app_organization) == "holders-token"
    assert token_requests() == []


@responses.activate
def test_an_abandoned_lease_is_taken_over_when_it_runs_out(app_organization):
    Organization.objects.filter(pk=app_organization.pk).update(
        token_refresh_lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    issue_token("taken-over")
    assert tokens.access_token_for(organization=app_organization) == "taken-over"
    assert len(token_requests()) == 1


@responses.activate
def test_a_worker_gives_up_waiting_with_a_clear_error(app_organization, monkeypatch, settings):
    settings.DINGTALK_CONNECT_TIMEOUT, settings.DINGTALK_READ_TIMEOUT = 0.01, 0.01
    Organization.objects.filter(pk=app_organization.pk).update(
        token_refresh_lease_until=timezone.now() + datetime.timedelta(hours=1)  # a holder that never finishes
    )
    clock = iter(range(0, 1000, 1))
    monkeypatch.setattr(token_lease, "clock", lambda: next(clock))
    monkeypatch.setattr(token_lease, "sleep", lambda seconds: None)

    with pytest.raises(credentials.TokenRequestFailed) as caught:
        tokens.access_token_for(organization=app_organization)

    assert token_requests() == []
    assert services.error_message(caught.value, organization=app_organization).startswith(
        str(texts.TOKEN_REQUEST_FAILED % {"organization": app_organization.name, "status": "-", "code": "-"})
    )


def test_changing_what_the_token_was_obtained_with_drops_it(app_organization):
    cache_token(app_organization, "cached", expires_in=datetime.timedelta(hours=1))
    services.organization_save(organization=app_organization, changed={"name", "time_zone"})
    assert Organization.objects.get(pk=app_organization.pk).access_token == "cached"

    services.organization_save(organization=app_organization, changed=set(), secrets={"app_secret": "new-secret"})

    stored = Organization.objects.get(pk=app_organization.pk)
    assert (stored.access_token, stored.access_token_expires_at) == ("", None)


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
            results.append(update_with_token(organization))
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
