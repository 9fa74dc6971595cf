"""The client's transport: proxies and CA bundle read once per host, one connection pool, safe headers."""

import pytest
import responses

from meetings import dingtalk
from tests.helpers import API_BASE, UPDATE_URL, send_update

OFFICE_PROXY = "http://proxy.office.example:3128"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    """No proxy settings but the test's own, and none kept from (or for) other tests."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    dingtalk._environment.cache_clear()
    yield monkeypatch
    dingtalk._environment.cache_clear()


def update(base=API_BASE, access_token="tok-1"):
    return send_update(dingtalk.DingTalkClient(base, timeout=(1, 1), deadline=5), access_token=access_token)


def sent_kwargs(number=0):
    return responses.calls[number].request.req_kwargs


@responses.activate
def test_it_goes_through_the_proxy_the_environment_names(environment):
    environment.setenv("HTTPS_PROXY", OFFICE_PROXY)
    responses.put(UPDATE_URL, json={"success": True})
    update()
    assert sent_kwargs()["proxies"]["https"] == OFFICE_PROXY


@responses.activate
def test_it_bypasses_the_proxy_for_hosts_in_no_proxy(environment):
    environment.setenv("HTTPS_PROXY", OFFICE_PROXY)
    environment.setenv("NO_PROXY", "localhost,.dingtalk.com")
    responses.put(UPDATE_URL, json={"success": True})
    update()
    assert sent_kwargs()["proxies"] == {}


@responses.activate
def test_it_reads_the_environment_once_per_host(environment):
    environment.setenv("HTTPS_PROXY", OFFICE_PROXY)
    responses.put(UPDATE_URL, json={"success": True})
    responses.put("https://api.dingtalk.io" + dingtalk.UPDATE_PATH, json={"success": True})
    update()
    environment.setenv("HTTPS_PROXY", "http://another-proxy.example:8080")

    update()
    update("https://api.dingtalk.io")

    assert sent_kwargs(1)["proxies"]["https"] == OFFICE_PROXY  # the first read stays for that host
    assert sent_kwargs(2)["proxies"]["https"] == "http://another-proxy.example:8080"  # a new host reads now


@responses.activate
def test_it_verifies_tls_with_the_ca_bundle_from_the_environment(environment):
    environment.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/office-ca.pem")
    responses.put(UPDATE_URL, json={"success": True})
    update()
    assert sent_kwargs()["verify"] == "/etc/ssl/office-ca.pem"


@responses.activate
def test_it_verifies_tls_by_default():
    responses.put(UPDATE_URL, json={"success": True})
    update()
    assert sent_kwargs()["verify"] is True


def test_all_clients_share_one_connection_pool_per_process():
    first = dingtalk._environment(API_BASE).adapter
    assert dingtalk._environment("https://api.dingtalk.io").adapter is first
    assert first is dingtalk._session().get_adapter(API_BASE)


@responses.activate
def test_it_says_who_is_calling():
    responses.put(UPDATE_URL, json={"success": True})
    update()
    sent = responses.calls[0].request
    assert sent.headers["User-Agent"] == dingtalk.USER_AGENT
    assert sent.headers["Content-Length"] == str(len(sent.body))


@pytest.mark.parametrize("token", ["tok\r\nX-Injected: 1", "tok\n continued", " tok", "令牌"])
@responses.activate
def test_it_never_sends_a_token_no_header_can_carry(token):
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        update(access_token=token)
    assert caught.value.code == dingtalk.Code.INVALID_AUTHENTICATION
    assert len(responses.calls) == 0
