"""`make run`: the portal, its job worker and the local DingTalk sandbox together, with the demo seeded; one
Ctrl-C stops all three.

Each server runs as a child process in its own session, so the terminal's Ctrl-C reaches only this
command, which then stops every process of each child's group (runserver's autoreloader has one more)
with one SIGINT, then SIGTERM, then SIGKILL if one hangs. When one of them exits, the others are stopped
too: a portal without its sandbox or its worker would only confuse a demo.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from dingtalk_sandbox import DEMO_LOGIN_CLIENT_ID, DEMO_LOGIN_CLIENT_SECRET

from .seed_demo import demo_banner

DEFAULT_PORT = 8000
DEFAULT_SANDBOX_PORT = 8001
DEFAULT_STATE_FILE = "var/dingtalk-sandbox.json"
HOST = "127.0.0.1"
# How long each server may take to answer after it starts, and to stop after each signal.
START_TIMEOUT = 30
STOP_TIMEOUT = 5
POLL_INTERVAL = 0.1


class ServerExited(CommandError):
    """A server stopped by itself."""


class Server:
    """A child process in its own session and process group (its pid is the group's id)."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str] | None = None):
        self.name = name
        self.process = subprocess.Popen(
            args,
            cwd=settings.BASE_DIR,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,  # the terminal is this command's alone
            start_new_session=True,
        )

    def raise_if_exited(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise ServerExited(f"The {self.name} stopped (exit code {code}).")

    def wait_until_answering(self, url: str) -> None:
        session = requests.Session()
        session.trust_env = False
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self.raise_if_exited()
            try:
                session.get(url, timeout=1, allow_redirects=False)
                return
            except requests.RequestException:
                time.sleep(POLL_INTERVAL)
        raise CommandError(f"The {self.name} did not answer at {url} within {START_TIMEOUT} s.")

    def stop(self) -> None:
        """End every process of the group: SIGINT (what Ctrl-C sends), then SIGTERM, then SIGKILL."""
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            if self._group_gone_within(STOP_TIMEOUT):
                break
        self.process.wait()

    def _group_gone_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.process.poll()  # reap our child, or it stays in the group as a zombie
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(POLL_INTERVAL)
        return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) == 0


def signin_environment(sandbox_url: str) -> dict[str, str]:
    """Sign in with DingTalk, the sandbox playing DingTalk: its login page and its API, its demo login app."""
    return {
        "DINGTALK_LOGIN_CLIENT_ID": DEMO_LOGIN_CLIENT_ID,
        "DINGTALK_LOGIN_CLIENT_SECRET": DEMO_LOGIN_CLIENT_SECRET,
        "DINGTALK_LOGIN_URL": f"{sandbox_url}/oauth2/auth",
        "DINGTALK_LOGIN_API_BASE": sandbox_url,
    }


class Command(BaseCommand):
    help = (
        "Migrate, start the local DingTalk sandbox, seed the demo and start the portal (development only). "
        "Ctrl-C stops them all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the portal's (default: %(default)s)")
        parser.add_argument(
            "--sandbox-port", type=int, default=DEFAULT_SANDBOX_PORT, help="the sandbox's (default: %(default)s)"
        )
        parser.add_argument(
            "--state-file",
            default=DEFAULT_STATE_FILE,
            help="where the sandbox keeps its meetings and tokens between runs (default: %(default)s)",
        )

    def handle(self, *args, port, sandbox_port, state_file, **options):
        if not settings.DINGTALK_SANDBOX_ENABLED:
            raise CommandError(
                "rundemo is for development: it needs DINGTALK_SANDBOX_ENABLED (on with DJANGO_DEBUG; `make run` "
                "writes a development .env)."
            )
        for name, number in (("portal", port), ("sandbox", sandbox_port)):
            if _port_in_use(number):
                raise CommandError(
                    f"Port {number} ({name}) is in use: is `make run` already running? Stop it, or choose other "
                    "ports: make run PORT=8010 SANDBOX_PORT=8011."
                )
        portal_url, sandbox_url = f"http://{HOST}:{port}", f"http://{HOST}:{sandbox_port}"
        # SIGTERM (`kill`) and SIGHUP (the terminal closed) stop both servers like Ctrl-C does. SIGINT is set
        # too: started in the background, this process may have inherited it ignored, and an ignored signal
        # stays ignored in the children, so the servers would not hear the SIGINT they are stopped with.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _interrupt)
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        servers: list[Server] = []
        try:
            call_command("migrate", interactive=False, verbosity=0)
            sandbox = Server(
                "DingTalk sandbox",
                [
                    *manage,
                    "dingtalk_sandbox",
                    "--host",
                    HOST,
                    "--port",
                    str(sandbox_port),
                    "--state-file",
                    str(Path(settings.BASE_DIR) / state_file),
                ],
            )
            servers.append(sandbox)
            sandbox.wait_until_answering(f"{sandbox_url}/_sandbox/faults")
            call_command("seed_demo", sandbox_url=sandbox_url, portal_url=portal_url, verbosity=0)
            connections.close_all()  # the portal's process opens its own

            portal = Server(
                "portal",
                [*manage, "runserver", f"{HOST}:{port}"],
                env={"DINGTALK_SANDBOX_URL": sandbox_url, **signin_environment(sandbox_url)},
            )
            servers.append(portal)
            # Background jobs (imports, bulk renames, checks with DingTalk) run here, not in a web request.
            servers.append(Server("job worker", [*manage, "db_worker"], env={"DINGTALK_SANDBOX_URL": sandbox_url}))
            portal.wait_until_answering(f"{portal_url}/accounts/login/")
            self.stdout.write(
                self.style.SUCCESS(
                    f"{demo_banner(portal_url)}"
                    f"  DingTalk sandbox: {sandbox_url}/_sandbox/ (arm faults there)\n\n"
                    "  Press Ctrl-C to stop them all.\n"
                )
            )
            while True:
                for server in servers:
                    server.raise_if_exited()
                time.sleep(POLL_INTERVAL * 5)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the portal, its job worker and the DingTalk sandbox...")
        finally:
            # A second Ctrl-C must not cut the stopping short and leave a server behind.
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
            for server in reversed(servers):
                server.stop()
        self.stdout.write("Stopped.")
