"""The client's transport: proxies and CA bundle from the environment, one connection pool, safe headers,
and what each way a connection can fail says about whether DingTalk may have acted.

The environment is read once per host and process, so each test that sets it calls a host of its own.
"""

import http.server
import itertools
import json
import socket
import threading

import pytest
import requests
import responses

from meetings import dingtalk
from tests.helpers import API_BASE, send_update

OFFICE_PROXY = "http://proxy.office.example:3128"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_hosts = itertools.count()


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    """No proxy settings but the test's own."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


@pytest.fixture
def base():
    """A DingTalk address no other test has called (so its environment is read afresh)."""
    return f"https://api-{next(_hosts)}.transport-test.dingtalk.com"


def update(base, access_token="tok-1"):
    return send_update(dingtalk.client_for(base, timeout=(1, 1), deadline=5), access_token=access_token)


def sent_kwargs(number=0):
    return responses.calls[number].request.req_kwargs


class LocalServer:
    """A real HTTP/1.1 server on 127.0.0.1 whose every connection is handled by `reply(handler)`;
    it records each request's path and the client's port."""

    def __init__(self, reply):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_PUT(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                seen.append((self.path, self.client_address[1]))
                reply(self)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def raw(data: bytes):
    """A reply written byte for byte (so it can lie about its length or encoding), then the connection closed."""

    def reply(handler):
        handler.wfile.write(data)
        handler.wfile.flush()
        handler.close_connection = True

    return reply


def answer(head: bytes, body: bytes = b""):
    return raw(head + b"\r\n\r\n" + body)


def success(handler):
    body = json.dumps({"success": True}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


# --- the environment ------------------------------------------------------------------------------


def test_it_goes_through_the_proxy_the_environment_names(environment):
    # The local server plays the office proxy: a proxied request names the whole URL.
    with LocalServer(success) as proxy:
        environment.setenv("HTTP_PROXY", proxy.url)
        update("http://dingtalk.proxied.example")
    [(path, _)] = proxy.seen
    assert path == "http://dingtalk.proxied.example" + dingtalk.UPDATE_PATH


@responses.activate
def test_it_bypasses_the_proxy_for_hosts_in_no_proxy(environment, base):
    environment.setenv("HTTPS_PROXY", OFFICE_PROXY)
    environment.setenv("NO_PROXY", "localhost,.dingtalk.com")
    responses.put(base + dingtalk.UPDATE_PATH, json={"success": True})
    update(base)
    assert sent_kwargs()["proxies"] == {}


@responses.activate
def test_it_reads_the_environment_once_per_host(environment, base):
    other = base.replace("api-", "other-api-")
    environment.setenv("HTTPS_PROXY", OFFICE_PROXY)
    responses.put(base + dingtalk.UPDATE_PATH, json={"success": True})
    responses.put(other + dingtalk.UPDATE_PATH, json={"success": True})
    update(base)
    environment.setenv("HTTPS_PROXY", "http://another-proxy.example:8080")

    update(base)
    update(other)

    assert sent_kwargs(1)["proxies"]["https"] == OFFICE_PROXY  # the first read stays for that host
    assert sent_kwargs(2)["proxies"]["https"] == "http://another-proxy.example:8080"  # a new host reads now


@responses.activate
def test_it_verifies_tls_with_the_ca_bundle_from_the_environment(environment, base):
    environment.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/office-ca.pem")
    responses.put(base + dingtalk.UPDATE_PATH, json={"success": True})
    update(base)
    assert sent_kwargs()["verify"] == "/etc/ssl/office-ca.pem"


@responses.activate
def test_it_verifies_tls_by_default(base):
    responses.put(base + dingtalk.UPDATE_PATH, json={"success": True})
    update(base)
    assert sent_kwargs()["verify"] is True


def test_all_clients_share_one_connection_pool_per_process():
    with LocalServer(success) as dingtalk_server:
        for _ in range(3):
            update(dingtalk_server.url)  # a new client each time, as each web request makes one
    ports = {port for _, port in dingtalk_server.seen}
    assert len(dingtalk_server.seen) == 3
    assert len(ports) == 1  # one connection, kept alive and reused


@responses.activate
def test_it_says_who_is_calling(base):
    responses.put(base + dingtalk.UPDATE_PATH, json={"success": True})
    update(base)
    sent = responses.calls[0].request
    assert sent.headers["User-Agent"] == dingtalk.USER_AGENT
    assert sent.headers["Content-Length"] == str(len(sent.body))


@pytest.mark.parametrize("token", ["tok\r\nX-Injected: 1", "tok\n continued", " tok", "令牌"])
@responses.activate
def test_it_never_sends_a_token_no_header_can_carry(token, base):
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        update(base, access_token=token)
    assert caught.value.code == dingtalk.Code.INVALID_AUTHENTICATION
    assert not caught.value.may_have_been_applied
    assert len(responses.calls) == 0


# --- was the request sent? ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(
            answer(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100", b'{"succ'),
            id="body-cut-short",
        ),
        pytest.param(
            answer(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked",
                b"40\r\n" + b'{"success": true',
            ),
            id="chunked-body-cut-short",
        ),
        pytest.param(
            answer(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 17",
                b'{"success": true}',
            ),
            id="bad-content-encoding",
        ),
        pytest.param(lambda handler: setattr(handler, "close_connection", True), id="closed-without-reply"),
    ],
)
def test_a_reply_that_breaks_off_may_have_been_applied(reply):
    with LocalServer(reply) as dingtalk_server, pytest.raises(dingtalk.DingTalkConnectionDropped) as caught:
        update(dingtalk_server.url)
    assert dingtalk_server.seen  # DingTalk got the request
    assert caught.value.may_have_been_applied


def test_a_reply_that_does_not_parse_may_have_been_applied():
    with LocalServer(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 6", b"<html>")) as dingtalk_server:
        with pytest.raises(dingtalk.DingTalkBadReply) as caught:
            update(dingtalk_server.url)
    assert caught.value.may_have_been_applied


def test_a_refused_connection_sent_nothing():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(dingtalk.DingTalkConnectionRefused) as caught:
            update(f"http://127.0.0.1:{port}")
    assert not caught.value.may_have_been_applied


def test_a_failed_tls_handshake_sent_nothing():
    # A plain-HTTP server where TLS is expected: the handshake fails before the request is written.
    with LocalServer(success) as plain, pytest.raises(dingtalk.DingTalkConnectionRefused) as caught:
        update(plain.url.replace("http://", "https://"))
    assert plain.seen == []
    assert not caught.value.may_have_been_applied


def test_an_unknown_host_sent_nothing():
    with pytest.raises(dingtalk.DingTalkConnectionRefused) as caught:
        update("http://dingtalk.invalid")
    assert not caught.value.may_have_been_applied


@pytest.mark.parametrize(
    "failure, may_have_been_applied",
    [
        (requests.ConnectTimeout("connect timed out"), False),
        (requests.ReadTimeout("read timed out"), True),
    ],
    ids=["connect-timeout", "read-timeout"],
)
@responses.activate
def test_a_timeout_says_whether_the_request_was_sent(base, failure, may_have_been_applied):
    responses.put(base + dingtalk.UPDATE_PATH, body=failure)
    with pytest.raises(dingtalk.DingTalkTimeout) as caught:
        update(base)
    assert caught.value.may_have_been_applied is may_have_been_applied


@pytest.mark.parametrize(
    "status, code, may_have_been_applied",
    [
        (400, "paramsError", False),
        (403, "Forbidden.AccessDenied.QpsLimitForApi", False),
        (500, "systemError", True),
        (503, "someNewCode", True),
    ],
)
@responses.activate
def test_dingtalks_refusals_changed_nothing_but_its_5xx_may_have(base, status, code, may_have_been_applied):
    # systemError is only "a DingTalk-side failure" (the seed page): like any 5xx, it may come after DingTalk acted.
    responses.put(base + dingtalk.UPDATE_PATH, status=status, json={"code": code, "message": "m"})
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        update(base)
    assert caught.value.may_have_been_applied is may_have_been_applied


@responses.activate
def test_a_reply_nested_too_deep_to_parse_is_a_bad_reply(dingtalk_client):
    # A hostile reply must not escape the client as a RecursionError (a 500 for whoever asked).
    responses.get(API_BASE + dingtalk.QUERY_PATH.format(id="conf-1"), body="[" * 100_000 + "]" * 100_000)
    with pytest.raises(dingtalk.DingTalkBadReply):
        dingtalk_client.get_schedule_conference(
            access_token="tok-1", schedule_conference_id="conf-1", creator_union_id="creator-1"
        )
