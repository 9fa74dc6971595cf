"""The client's transport: proxies and CA bundle from the environment, one connection pool, safe headers,
and what each way a connection can fail says about whether DingTalk may have acted.

The environment is read once per host and process, so each test that sets it calls a host of its own.
"""

import contextlib
import datetime
import gzip
import http.server
import ipaddress
import itertools
import json
import socket
import ssl
import threading
import time
import tracemalloc

import pytest
import requests
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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

    def __init__(self, reply, *, tls: ssl.SSLContext | None = None):
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
        if tls is not None:  # HTTPS, as DingTalk speaks it: the handshake happens as a connection is accepted
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.url = self.url.replace("http://", "https://")

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


# --- a slow, compressed or oversized reply -----------------------------------------------------------
# A hostile gateway's reply must end by the call's deadline, and never be held in memory beyond the cap.

HUGE_BYTES = 100 * 1024 * 1024
MEGABYTE = b" " * (1024 * 1024)


class Sender:
    """What a reply handler managed to write before the portal hung up."""

    def __init__(self):
        self.sent = 0
        self.hung_up = threading.Event()

    def write(self, handler, data: bytes):
        try:
            handler.wfile.write(data)
            self.sent += len(data)
        except OSError:
            self.hung_up.set()
            handler.close_connection = True
            raise


def trickle(sender, *, head: bytes, every: float):
    """The head as given, then a byte of body every `every` seconds, until the portal hangs up."""

    def reply(handler):
        with contextlib.suppress(OSError):
            for byte in head:
                sender.write(handler, bytes([byte]))
            while True:
                sender.write(handler, b" ")
                time.sleep(every)

    return reply


def huge(sender, *, head: bytes):
    def reply(handler):
        with contextlib.suppress(OSError):
            sender.write(handler, head + b"\r\n\r\n")
            for _ in range(HUGE_BYTES // len(MEGABYTE)):
                sender.write(handler, MEGABYTE)
        handler.close_connection = True

    return reply


def bounded_call(url, *, deadline):
    """An update through a client with `deadline` (the timeouts alone would never end a trickle); the
    error it ends with, the seconds it took and the peak of memory Python allocated meanwhile."""
    client = dingtalk.client_for(url, timeout=(0.5, 2.0), deadline=deadline)
    outcome = {}

    def call():
        tracemalloc.start()
        started = time.monotonic()
        try:
            send_update(client)
        except dingtalk.DingTalkError as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started
        outcome["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(30)  # generous: what is asserted is that it ends at all, not how fast
    assert not caller.is_alive(), "the call was still reading the reply after 30 s"
    return outcome["error"], outcome["seconds"], outcome["peak"]


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n", id="body"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"p" * 3, id="headers"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n",
            id="body-of-a-closing-connection",  # the connection lets go of its socket; the body still comes
        ),
    ],
)
def test_a_reply_that_trickles_ends_at_the_deadline_as_may_have_been_applied(head):
    # The gateway: 200, Content-Length 100000, a byte every 1.5 s -- each socket read well within
    # the 2 s read timeout. (For the headers case, the header line never ends.)
    sender = Sender()
    with LocalServer(trickle(sender, head=head, every=1.5)) as gateway:
        error, seconds, _ = bounded_call(gateway.url, deadline=3.0)
        assert sender.hung_up.wait(10)  # the portal closed the connection

    assert isinstance(error, dingtalk.DingTalkTimeout)
    assert error.may_have_been_applied
    assert seconds < 10  # ends about the 3 s deadline; before, it read for 100000 x 1.5 s


def test_a_compressed_reply_is_refused_without_inflating_it():
    # 100 MB of zeros in about 100 KB: inflated, it took the worker's memory (the issue: 1 GB for 400 MB).
    bomb = gzip.compress(b"\0" * HUGE_BYTES, compresslevel=9)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    with LocalServer(answer(head + b"Content-Length: %d" % len(bomb), bomb)) as gateway:
        error, _, peak = bounded_call(gateway.url, deadline=5.0)

    assert isinstance(error, dingtalk.DingTalkBadReply)
    assert "compressed" in str(error)
    assert error.may_have_been_applied
    assert peak < dingtalk.MAX_REPLY_BYTES  # not even the 100 KB was read


def test_a_mislabelled_compressed_reply_is_refused_too():
    # Says gzip, is not: refused for the header, never handed to a decoder.
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 17"
    with LocalServer(answer(head, b'{"success": true}')) as gateway, pytest.raises(dingtalk.DingTalkBadReply) as caught:
        update(gateway.url)
    assert caught.value.may_have_been_applied


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d" % HUGE_BYTES, id="said"
        ),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close", id="unsaid"),
    ],
)
def test_a_reply_over_the_cap_is_refused_and_never_read_whole(head):
    # 100 MB, with its length said (refused before reading) or not (refused once past the cap).
    sender = Sender()
    with LocalServer(huge(sender, head=head)) as gateway:
        error, _, peak = bounded_call(gateway.url, deadline=5.0)
        assert sender.hung_up.wait(10)  # the portal closed the connection: the rest was never sent

    assert isinstance(error, dingtalk.DingTalkBadReply)
    assert error.may_have_been_applied
    assert peak < 3 * dingtalk.MAX_REPLY_BYTES  # the cap and one read past it, not the 100 MB
    assert sender.sent < HUGE_BYTES / 4  # what the socket buffers took, not the whole reply


def test_a_reply_at_the_cap_is_read():
    body = json.dumps({"success": True, "padding": "x" * (dingtalk.MAX_REPLY_BYTES - 40)}).encode()
    assert len(body) <= dingtalk.MAX_REPLY_BYTES
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d" % len(body)
    with LocalServer(answer(head, body)) as gateway:
        update(gateway.url)  # no error: DingTalk's success


@pytest.fixture
def tls(tmp_path, environment):
    """A certificate for 127.0.0.1 that the client trusts (REQUESTS_CA_BUNDLE), and the server's context."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    environment.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def test_over_tls_replies_are_read_on_one_kept_connection(tls):
    with LocalServer(success, tls=tls) as gateway:
        for _ in range(3):
            update(gateway.url)
    assert len({port for _, port in gateway.seen}) == 1


def test_over_tls_a_reply_that_trickles_ends_at_the_deadline(tls):
    sender = Sender()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n"
    with LocalServer(trickle(sender, head=head, every=1.5), tls=tls) as gateway:
        error, seconds, _ = bounded_call(gateway.url, deadline=3.0)
        assert sender.hung_up.wait(10)

    assert isinstance(error, dingtalk.DingTalkTimeout)
    assert error.may_have_been_applied
    assert seconds < 10
