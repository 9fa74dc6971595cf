import pytest
from django.core.management import CommandError, call_command

from meetings.models import Organization


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
