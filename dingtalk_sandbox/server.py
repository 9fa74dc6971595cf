"""The HTTP server: threads, keep-alive, and one socket write per reply.

Why one write: `BaseHTTPRequestHandler` sends the status line and headers in one write and the
body in another. With Nagle's algorithm on either side, the second small segment waits for the
ACK of the first, which the client delays by up to ~40 ms, so every call on a keep-alive
connection stalls. Here TCP_NODELAY is on (`disable_nagle_algorithm`) and the whole reply (status
line, headers, body) is built into one bytes object and written with a single `sendall`.

Every request must name the sandbox in its `Host` header (a loopback name or the bound address, with
the bound port); any other gets 421. Without it, a web page whose domain is made to resolve to
127.0.0.1 (DNS rebinding) could drive the control endpoints and read the request log.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .api import handle_api
from .control import PREFIX, handle_control
from .login_page import LOGIN_PATH, handle_login
from .records import TRICKLE_DECLARED_BYTES
from .state import SandboxState
from .wire import Reply, Request, error_reply, new_request_id

MAX_BODY_BYTES = 1024 * 1024
KEEP_ALIVE_SECONDS = 60
# How often the background thread checks for stop(): short, so a test's teardown is quick.
POLL_INTERVAL_SECONDS = 0.01
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::"})
_HOST_HEADER = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>[0-9]{1,5}))?")


class SandboxRequestHandler(BaseHTTPRequestHandler):
    """Reads one request, hands it to the API or control handlers, writes the reply at once."""

    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    disable_nagle_algorithm = True  # TCP_NODELAY on the accepted socket
    timeout = KEEP_ALIVE_SECONDS  # an idle keep-alive connection frees its thread after this
    server_version = "dingtalk-sandbox/1.0"

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        request_id = new_request_id()
        if not self.server.host_allowed(self.headers.get("Host", "")):
            self._fail(421, "the Host header does not name this sandbox", request_id)
            return
        body = self._read_body(request_id)
        if body is None:
            return
        target = urllib.parse.urlsplit(self.path)
        request = Request(
            method=self.command,
            path=target.path,
            query=dict(urllib.parse.parse_qsl(target.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            request_id=request_id,
        )
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            reply = handle_control(self.server.state, request)
        elif request.path == LOGIN_PATH:
            reply = handle_login(self.server.state, request)
        else:
            reply = handle_api(self.server.state, request)
        self._send(reply, request_id)

    def _read_body(self, request_id: str) -> bytes | None:
        """The request body, or None after replying with an error (the connection then closes)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._fail(411, "a Content-Length is required", request_id)
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self._fail(413 if length > 0 else 400, "bad Content-Length", request_id)
            return None
        return self.rfile.read(length) if length else b""

    def _fail(self, status: int, message: str, request_id: str) -> None:
        self.close_connection = True  # the rest of the stream can't be trusted
        self._send(error_reply(status, "InvalidRequest", message, request_id), request_id)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The base class's own errors (bad request line, unsupported method), also in one write."""
        request_id = new_request_id()
        self._fail(code, message or HTTPStatus(code).phrase, request_id)

    def _send(self, reply: Reply, request_id: str) -> None:
        if reply.drop:
            self.close_connection = True  # no reply at all: the socket is just closed
            return
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = ""
        body = reply.body
        if reply.trickle_seconds is not None:
            body = body.ljust(TRICKLE_DECLARED_BYTES)
            self.close_connection = True  # whatever the client read of it, the stream ends with it
        lines = [
            f"HTTP/1.1 {reply.status} {phrase}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {len(body)}",
            f"x-acs-request-id: {request_id}",
            *(f"{name}: {value}" for name, value in reply.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            if reply.trickle_seconds is None:
                self.wfile.write(head + body)  # one sendall: see the module docstring
            else:
                self._trickle(head, body, reply.trickle_seconds)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its read timeout)
            return
        self.log_request(reply.status, len(body))

    def _trickle(self, head: bytes, body: bytes, seconds: float) -> None:
        """The head at once, then the body a byte every `seconds` -- each read well inside any read timeout
        -- until it is all sent, the client hangs up, or the sandbox stops (it shuts the socket down)."""
        self.wfile.write(head)
        for offset in range(len(body)):
            self.wfile.write(body[offset : offset + 1])
            time.sleep(seconds)

    def version_string(self) -> str:
        return self.server_version  # without the Python version the base class appends

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base class signature)
        if self.server.verbose:
            super().log_message(format, *args)


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading server that knows its state and can cut its open keep-alive connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SandboxState, *, verbose: bool = False) -> None:
        self.state = state
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, SandboxRequestHandler)
        self._bound_names = LOOPBACK_NAMES | {address[0].lower(), self.server_address[0]}

    def host_allowed(self, host: str) -> bool:
        """Whether a request's Host header names this server: a loopback name or the address it was
        bound to, and its port. Bound to every address, any IP literal will do: no DNS name is involved."""
        match = _HOST_HEADER.fullmatch(host)
        if match is None or int(match["port"] or 80) != self.server_address[1]:
            return False
        name = (match["ipv6"] or match["name"]).lower()
        if name in self._bound_names:
            return True
        if self.server_address[0] not in WILDCARD_ADDRESSES:
            return False
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection, so keep-alive clients don't hang on a stopped sandbox."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-request is normal here (timeouts, dropped faults): no traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Sandbox:
    """A DingTalk sandbox on a background thread, for tests and demos.

        with Sandbox(tokens=["t"]) as sandbox:
            requests.get(sandbox.base_url + "/_sandbox/meetings")
            sandbox.state.arm_fault("systemError", api="update")

    Port 0 (the default) picks a free port. Pass `state` to share or pre-build one; otherwise the
    keyword arguments build it (`now` is the clock, `state_file` turns on persistence).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state: SandboxState | None = None,
        latency_ms: int = 0,
        qps: int | None = None,
        state_file: str | None = None,
        tokens: Iterable[str] = (),
        now: Callable[[], float] = time.time,
        verbose: bool = False,
    ) -> None:
        if state is not None and state_file is not None:
            raise ValueError("pass either state or state_file, not both")
        self.state = state or SandboxState(now=now, state_file=state_file)
        if latency_ms:
            self.state.latency_ms = latency_ms
        if qps:
            self.state.qps = qps
        for token in tokens:
            self.state.add_token(token)
        self._address = (host, port)
        self._verbose = verbose
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """E.g. http://127.0.0.1:54321 (no trailing slash); only once started."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _bind(self) -> SandboxHTTPServer:
        if self._server is not None:
            raise RuntimeError("the sandbox is already started")
        self._server = SandboxHTTPServer(self._address, self.state, verbose=self._verbose)
        return self._server

    def start(self) -> Sandbox:
        """Serve on a daemon thread; returns self once the port is bound."""
        server = self._bind()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_SECONDS},
            name="dingtalk-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self, on_ready: Callable[[Sandbox], None] | None = None) -> None:
        """Serve on the calling thread until KeyboardInterrupt (the CLI's way)."""
        server = self._bind()
        if on_ready is not None:
            on_ready(self)
        try:
            server.serve_forever()  # Ctrl-C interrupts at once, no need to poll often
        except KeyboardInterrupt:
            pass
        finally:
            server.close_connections()
            server.server_close()
            self._server = None

    def stop(self) -> None:
        """Stop serving, cut open connections, free the port."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
