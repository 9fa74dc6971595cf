import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from meetings.management.commands.add_org import ENVIRONMENT
from meetings.models import Organization

APP_ENVIRONMENT = {"DINGTALK_APP_KEY": "ding-app-key", "DINGTALK_APP_SECRET": "env-App-Secret-1"}
SUITE_ENVIRONMENT = {
    "DINGTALK_SUITE_KEY": "suite-key",
    "DINGTALK_SUITE_SECRET": "env-Suite-Secret-1",
    "DINGTALK_AUTH_CORP_ID": "ding-corp-1",
    "DINGTALK_SUITE_TICKET": "env-Suite-Ticket-1",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for variables in ENVIRONMENT.values():
        for variable in variables:
            monkeypatch.delenv(variable, raising=False)


def set_environment(monkeypatch, variables):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def test_it_creates_an_organization_with_the_token_from_the_environment(db, monkeypatch, capsys):
    monkeypatch.setenv("DINGTALK_ACCESS_TOKEN", "env-token-abc")
    call_command("add_org", "Shanghai HQ", "--time-zone", "Asia/Shanghai")
    organization = Organization.objects.get(name="Shanghai HQ")
    assert (organization.time_zone, organization.api_base) == ("Asia/Shanghai", "https://api.dingtalk.com")
    assert organization.access_token == "env-token-abc"
    assert "env-token-abc" not in capsys.readouterr().out


def test_it_updates_an_existing_organization_and_keeps_its_token(db, monkeypatch):
    monkeypatch.setenv("DINGTALK_ACCESS_TOKEN", "first-token")
    call_command("add_org", "Office", "--time-zone", "Asia/Shanghai")
    monkeypatch.delenv("DINGTALK_ACCESS_TOKEN")
    call_command("add_org", "Office", "--time-zone", "Europe/Berlin", "--api-base", "https://api.dingtalk.io")
    organization = Organization.objects.get(name="Office")
    assert (organization.time_zone, organization.api_base) == ("Europe/Berlin", "https://api.dingtalk.io")
    assert organization.access_token == "first-token"


def test_the_same_host_spelled_otherwise_is_no_change_and_is_stored_canonical(db, monkeypatch, capsys):
    monkeypatch.setenv("DINGTALK_APP_KEY", "ding-app-key")
    monkeypatch.setenv("DINGTALK_APP_SECRET", "env-App-Secret-1")
    call_command("add_org", "Office", "--time-zone", "Asia/Shanghai", "--api-base", "https://API.dingtalk.com:443/")
    organization = Organization.objects.get(name="Office")
    assert organization.api_base == "https://api.dingtalk.com"
    assert "https://api.dingtalk.com;" in capsys.readouterr().out


def test_it_takes_no_token_argument(db):
    with pytest.raises((CommandError, SystemExit)):
        call_command("add_org", "Office", "--time-zone", "UTC", "--token", "on-the-command-line")


@pytest.mark.parametrize("zone", ["CST", "UTC+8", "Mars/Olympus"])
def test_it_refuses_a_zone_that_is_not_iana(db, zone):
    with pytest.raises(CommandError, match="IANA"):
        call_command("add_org", "Office", "--time-zone", zone)
    assert not Organization.objects.exists()


def test_it_refuses_a_plain_http_api_base(db, settings):
    settings.DINGTALK_SANDBOX_ENABLED = False
    with pytest.raises(Exception, match="HTTPS"):
        call_command("add_org", "Office", "--time-zone", "UTC", "--api-base", "http://api.dingtalk.com")


def test_it_takes_an_internal_apps_credentials_from_the_environment(db, monkeypatch, capsys):
    set_environment(monkeypatch, APP_ENVIRONMENT)
    call_command("add_org", "Shenzhen", "--time-zone", "Asia/Shanghai")
    organization = Organization.objects.get(name="Shenzhen")
    assert (organization.auth_mode, organization.app_key, organization.app_secret) == (
        Organization.AuthMode.INTERNAL_APP,
        "ding-app-key",
        "env-App-Secret-1",
    )
    assert "env-App-Secret-1" not in capsys.readouterr().out


def test_it_takes_a_third_party_apps_credentials_from_the_environment(db, monkeypatch, capsys):
    set_environment(monkeypatch, SUITE_ENVIRONMENT)
    call_command("add_org", "Partner", "--time-zone", "UTC", "--api-base", "https://api.dingtalk.io")
    organization = Organization.objects.get(name="Partner")
    assert (organization.auth_mode, organization.app_key, organization.auth_corp_id) == (
        Organization.AuthMode.THIRD_PARTY_APP,
        "suite-key",
        "ding-corp-1",
    )
    assert (organization.app_secret, organization.suite_ticket) == ("env-Suite-Secret-1", "env-Suite-Ticket-1")
    output = capsys.readouterr().out
    assert "env-Suite-Secret-1" not in output and "env-Suite-Ticket-1" not in output


def test_it_names_the_variables_a_partial_set_lacks(db, monkeypatch):
    monkeypatch.setenv("DINGTALK_SUITE_KEY", "suite-key")
    monkeypatch.setenv("DINGTALK_SUITE_SECRET", "env-Suite-Secret-1")
    with pytest.raises(CommandError, match="DINGTALK_AUTH_CORP_ID, DINGTALK_SUITE_TICKET"):
        call_command("add_org", "Partner", "--time-zone", "UTC")
    assert not Organization.objects.exists()


def test_it_refuses_two_ways_at_once(db, monkeypatch):
    set_environment(monkeypatch, {**APP_ENVIRONMENT, "DINGTALK_ACCESS_TOKEN": "env-token-abc"})
    with pytest.raises(CommandError, match="one way of authenticating only"):
        call_command("add_org", "Office", "--time-zone", "UTC")
    assert not Organization.objects.exists()


def test_new_app_credentials_drop_the_cached_token(db, monkeypatch):
    set_environment(monkeypatch, APP_ENVIRONMENT)
    call_command("add_org", "Office", "--time-zone", "UTC")
    Organization.objects.update(access_token="cached-token-1", access_token_expires_at=timezone.now())
    monkeypatch.setenv("DINGTALK_APP_SECRET", "env-App-Secret-2")
    call_command("add_org", "Office", "--time-zone", "UTC")
    organization = Organization.objects.get()
    assert (organization.app_secret, organization.access_token, organization.access_token_expires_at) == (
        "env-App-Secret-2",
        "",
        None,
    )


def test_it_keeps_the_cached_token_when_the_credentials_are_unchanged(db, monkeypatch):
    set_environment(monkeypatch, APP_ENVIRONMENT)
    call_command("add_org", "Office", "--time-zone", "UTC")
    Organization.objects.update(access_token="cached-token-1", access_token_expires_at=timezone.now())
    monkeypatch.delenv("DINGTALK_APP_KEY")
    monkeypatch.delenv("DINGTALK_APP_SECRET")
    call_command("add_org", "Office", "--time-zone", "Europe/Berlin")
    assert Organization.objects.get().access_token == "cached-token-1"


def test_it_takes_a_pasted_tokens_expiry_in_the_organizations_zone(db, monkeypatch):
    monkeypatch.setenv("DINGTALK_ACCESS_TOKEN", "env-token-abc")
    call_command("add_org", "Office", "--time-zone", "Asia/Shanghai", "--token-expires-at", "2030-01-01T14:05")
    expected = datetime.datetime(2030, 1, 1, 6, 5, tzinfo=datetime.UTC)
    assert Organization.objects.get().access_token_expires_at == expected


def test_an_expiry_needs_a_pasted_token(db, monkeypatch):
    set_environment(monkeypatch, APP_ENVIRONMENT)
    with pytest.raises(CommandError, match="DINGTALK_ACCESS_TOKEN"):
        call_command("add_org", "Office", "--time-zone", "UTC", "--token-expires-at", "2030-01-01T14:05")


@pytest.mark.parametrize("option", ["--token", "--app-secret", "--suite-secret", "--suite-ticket"])
def test_it_takes_no_secret_argument(db, monkeypatch, option):
    monkeypatch.setenv("DINGTALK_ACCESS_TOKEN", "env-token-abc")
    with pytest.raises((CommandError, SystemExit)) as refused:
        call_command("add_org", "Office", "--time-zone", "UTC", option, "on-the-command-line")
    assert "unrecognized arguments" in str(refused.value)  # not taken for --token-expires-at


def test_it_stores_the_corp_id_and_keeps_it_when_not_given(db):
    call_command("add_org", "Office", "--time-zone", "Asia/Shanghai", "--corp-id", " ding-corp-7 ")
    assert Organization.objects.get(name="Office").corp_id == "ding-corp-7"
    call_command("add_org", "Office", "--time-zone", "Europe/Berlin")
    assert Organization.objects.get(name="Office").corp_id == "ding-corp-7"
