"""The API base an organization's token is sent to: DingTalk's own hosts over https, gateways an operator
lists, and the local sandbox only in development (issue 15, point 7)."""

import pytest
from django.core.exceptions import ValidationError

from meetings.validators import validate_api_base


def refused(value) -> bool:
    try:
        validate_api_base(value)
    except ValidationError:
        return True
    return False


@pytest.mark.parametrize(
    "value",
    [
        "https://api.dingtalk.com",
        "https://api.dingtalk.io",
        "https://api.dingtalk.com/",
        "https://API.dingtalk.com",
        "https://api.dingtalk.com:443",
    ],
)
def test_dingtalks_hosts_over_https_are_accepted(settings, value):
    settings.DINGTALK_SANDBOX_ENABLED = False
    assert not refused(value)


@pytest.mark.parametrize(
    "value",
    [
        "https://api.dingtalk.com@evil.example",  # user info: the host is evil.example
        "https://user:pass@api.dingtalk.com",
        "https://evil.example",
        "https://api.dingtalk.com.evil.example",
        "https://api.dingtalk.com.",
        "https://api.dingtalk.com?x=1",
        "https://api.dingtalk.com/?",
        "https://api.dingtalk.com#fragment",
        "https://api.dingtalk.com/v1.0",
        "http://api.dingtalk.com",
        "ftp://api.dingtalk.com",
        "https://api.dingtalk.com:99999",
        " https://api.dingtalk.com",
        "https://api.dingtalk.com\\@evil.example",
        "http://127.0.0.1:8001",  # the sandbox, with the sandbox off
        "",
    ],
)
def test_anything_else_is_refused(settings, value):
    settings.DINGTALK_SANDBOX_ENABLED = False
    assert refused(value)


def test_hosts_listed_by_the_operator_are_accepted_over_https(settings):
    settings.DINGTALK_EXTRA_API_HOSTS = ["dingtalk-gateway.corp.example"]
    assert not refused("https://dingtalk-gateway.corp.example")
    assert refused("http://dingtalk-gateway.corp.example")
    assert refused("https://other.corp.example")


@pytest.mark.parametrize("value", ["http://127.0.0.1:8001", "http://localhost:8011"])
def test_the_sandbox_is_accepted_in_development(settings, value):
    settings.DINGTALK_SANDBOX_ENABLED = True
    assert not refused(value)


@pytest.mark.parametrize(
    "value",
    [
        "http://127.0.0.1",
        "http://10.0.0.1:8001",
        "http://127.0.0.1:8001/path",
        "http://u@127.0.0.1:8001",
        "http://127.0.0.1:8001?q=1",
        "http://[::1]:8001",
    ],
)
def test_only_the_sandbox_itself_is_accepted_in_development(settings, value):
    settings.DINGTALK_SANDBOX_ENABLED = True
    assert refused(value)
