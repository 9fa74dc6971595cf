"""HTTP details: request ids, keep-alive, the Host header, threads, latency, and replies in one socket write."""

from __future__ import annotations

import http.client
import socket
import statistics
import threading
import time
from typing import Any

import pytest
import requests

from dingtalk_sandbox import Sandbox

from .helpers import CONFERENCES_PATH, CREATOR, MEETING_ID, TOKEN, Api, assert_error, query_path

# --- wire details ---------------------------------------------------------------------------------


def test_every_reply_carries_a_unique_request_id(api):
    responses = [api.query(), api.query("no-such-meeting"), api.control("GET", "/faults"), api.update()]

    ids = [r.headers["x-acs-request-id"] for r in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)


def test_it_answers_an_unknown_api_with_404(api):
    assert_error(api.call("GET", "/v1.0/no/such/api"), 404, "InvalidAction.NotFound")
    assert_error(api.call("DELETE", CONFERENCES_PATH), 404, "InvalidAction.NotFound")


def test_it_keeps_the_connection_alive_between_calls(sandbox):
    connection = http.client.HTTPConnection("127.0.0.1", int(sandbox.base_url.rsplit(":", 1)[1]), timeout=5)
    headers = {"x-acs-dingtalk-access-token": TOKEN}
    try:
        connection.request("GET", query_path() + f"?requestUnionId={CREATOR}", headers=headers)
        first = connection.getresponse()
        first.read()
        sock = connection.sock
        connection.request("GET", query_path() + f"?requestUnionId={CREATOR}", headers=headers)
        second = connection.getresponse()
        second.read()

        assert (first.status, second.status) == (200, 200)
        assert first.getheader("Connection") is None
        assert connection.sock is sock
    finally:
        connection.close()


# --- the Host header: no DNS rebinding ------------------------------------------------------------


def port_of(sandbox: Sandbox) -> int:
    return int(sandbox.base_url.rsplit(":", 1)[1])


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_it_answers_a_host_header_naming_a_loopback_address_and_its_port(api, sandbox, name):
    response = api.call(
        "GET", query_path(), params={"requestUnionId": CREATOR}, headers={"Host": f"{name}:{port_of(sandbox)}"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "host",
    ["rebound.example:{port}", "127.0.0.1.nip.io:{port}", "127.0.0.1:1", "localhost", "evil@127.0.0.1:{port}", ""],
)
def test_it_refuses_a_host_header_naming_anything_else(api, sandbox, host):
    response = api.control("POST", "/reset", json={}, headers={"Host": host.format(port=port_of(sandbox))})

    assert_error(response, 421, "InvalidRequest")
    assert sandbox.state.get_meeting(MEETING_ID) is not None


def test_it_refuses_a_request_without_a_host_header(sandbox):
    with socket.create_connection(("127.0.0.1", port_of(sandbox)), timeout=5) as connection:
        connection.sendall(b"GET /_sandbox/requests HTTP/1.1\r\n\r\n")
        reply = connection.makefile("rb").read()

    assert reply.startswith(b"HTTP/1.1 421 ")
    assert b'"requests"' not in reply


def test_bound_to_every_address_it_answers_an_ip_but_no_other_name():
    with Sandbox(host="0.0.0.0", tokens=[TOKEN]) as sandbox, requests.Session() as session:
        url = f"http://127.0.0.1:{port_of(sandbox)}/_sandbox/faults"

        by_address = session.get(url, headers={"Host": f"10.1.2.3:{port_of(sandbox)}"}, timeout=5)
        by_name = session.get(url, headers={"Host": f"rebound.example:{port_of(sandbox)}"}, timeout=5)

    assert by_address.status_code == 200
    assert by_name.status_code == 421


# --- latency, threads, and the no-stall property --------------------------------------------------


def test_latency_ms_delays_api_replies_but_not_control_endpoints():
    with Sandbox(tokens=[TOKEN], latency_ms=150) as sandbox, requests.Session() as session:
        api = Api(sandbox, session)
        api.control("GET", "/meetings")  # warm the connection

        started = time.perf_counter()
        api.query("no-such-meeting")
        api_seconds = time.perf_counter() - started
        started = time.perf_counter()
        api.control("GET", "/meetings")
        control_seconds = time.perf_counter() - started

    assert api_seconds >= 0.15
    assert control_seconds < 0.1


def test_a_slow_call_does_not_hold_up_other_connections(sandbox):
    sandbox.state.arm_fault("slow", api="query", seconds=3)
    slow = threading.Thread(
        target=requests.get,
        args=(sandbox.base_url + query_path(),),
        kwargs={"headers": {"x-acs-dingtalk-access-token": TOKEN}, "timeout": 10},
    )
    slow.start()
    deadline = time.monotonic() + 10
    while not sandbox.state.requests("query") and time.monotonic() < deadline:  # the slow call has arrived
        time.sleep(0.01)

    with requests.Session() as session:
        assert Api(sandbox, session).update().status_code == 200
    answered_while_slow_ran = slow.is_alive()
    slow.join()

    assert sandbox.state.requests("query")
    assert answered_while_slow_ran  # held up behind the slow call, the update would have come after it


def test_each_reply_goes_out_in_one_socket_write(sandbox, monkeypatch):
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    server_writes: list[int] = []
    real_sendall = socket.socket.sendall

    def spy(self: socket.socket, data: Any, *args: Any) -> None:
        if self.getsockname()[1] == port:  # the server's side of a connection
            server_writes.append(len(data))
        real_sendall(self, data, *args)

    monkeypatch.setattr(socket.socket, "sendall", spy)
    sandbox.state.arm_fault("html", api="query")
    with requests.Session() as session:
        api = Api(sandbox, session)
        responses = [api.update(), api.update(title=""), api.query(), api.control("GET", "/")]

    assert len(server_writes) == len(responses)
    for written, response in zip(server_writes, responses, strict=True):
        assert written > len(response.content)  # status line, headers and body together


def test_keep_alive_round_trips_do_not_stall_on_delayed_ack(api):
    # A server writing headers and body separately stalls ~40 ms per call here (Nagle + delayed ACK).
    api.update()  # open the connection
    durations = []
    for _ in range(20):
        started = time.perf_counter()
        assert api.update().status_code == 200
        durations.append(time.perf_counter() - started)

    assert statistics.median(durations) < 0.015
