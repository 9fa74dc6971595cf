"""System checks that keep the local DingTalk sandbox out of production."""

from demo import checks as demo_checks
from meetings import checks
from meetings.models import Organization

SANDBOX_URL = "http://127.0.0.1:8001"


def ids(found):
    return [message.id for message in found]


def test_deploy_check_warns_when_the_sandbox_is_on_without_debug(settings):
    settings.DEBUG, settings.DINGTALK_SANDBOX_ENABLED = False, True
    assert ids(demo_checks.check_sandbox_is_for_development()) == ["meetings.W001"]
    settings.DINGTALK_SANDBOX_ENABLED = False
    assert demo_checks.check_sandbox_is_for_development() == []


def test_it_refuses_an_organization_left_pointing_at_the_sandbox(settings, db):
    Organization.objects.create(name="Copied from a laptop", api_base=SANDBOX_URL)  # the ORM skips validators
    Organization.objects.create(name="Real", api_base="https://api.dingtalk.io")
    settings.DINGTALK_SANDBOX_ENABLED = False

    found = checks.check_no_organization_uses_the_sandbox(databases=["default"])

    assert ids(found) == ["meetings.E003"]
    assert "'Copied from a laptop'" in found[0].msg and SANDBOX_URL in found[0].msg


def test_in_development_an_organization_may_use_the_sandbox(settings, db):
    Organization.objects.create(name="Demo", api_base=SANDBOX_URL)
    settings.DINGTALK_SANDBOX_ENABLED = True
    assert checks.check_no_organization_uses_the_sandbox(databases=["default"]) == []


def test_it_refuses_a_stored_api_base_the_validator_now_refuses(settings, db):
    Organization.objects.create(name="Before issue 15", api_base="https://api.dingtalk.com@evil.example")
    settings.DINGTALK_SANDBOX_ENABLED = True  # in development too

    found = checks.check_no_organization_uses_the_sandbox(databases=["default"])

    assert ids(found) == ["meetings.E003"]
    assert "'Before issue 15'" in found[0].msg and "DINGTALK_EXTRA_API_HOSTS" in found[0].hint
