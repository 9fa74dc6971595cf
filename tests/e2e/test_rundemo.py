"""`make run` (manage.py rundemo) as a person runs it: both servers answer and a job worker runs, one Ctrl-C
stops them all, and a second run finds the demo as the first one left it."""

import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from demo.management.commands.seed_demo import DEMO_MEETINGS, DEMO_PASSWORD
from dingtalk_sandbox import DEMO_PEOPLE

pytestmark = pytest.mark.e2e

BASE_DIR = Path(__file__).resolve().parents[2]
READY = "Press Ctrl-C to stop them all."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def start(tmp_path, port, sandbox_port, log_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "admin_portal.settings",
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "rundemo-test-secret-key",
        "DINGTALK_ENCRYPTION_KEYS": "n2kZDnX5cjyA3ofd6cUGyN1XQpo6fXrqtVUK4N2m4fA=",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "DINGTALK_SANDBOX_ENABLED": "1",
    }
    log = open(log_path, "w")  # noqa: SIM115 (the child writes it until it ends)
    # Its own process group, as in a terminal: the test's SIGINT to the group is the person's Ctrl-C.
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "rundemo",
            "--port",
            str(port),
            "--sandbox-port",
            str(sandbox_port),
            "--state-file",
            str(tmp_path / "sandbox.json"),
        ],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        process_group=0,
    )
    deadline = time.monotonic() + 60
    while READY not in log_path.read_text():
        assert process.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.1)
    return process


def children(process) -> list[str]:
    """The command lines of the processes rundemo started (each leads a session of its own)."""
    listing = subprocess.run(["ps", "--ppid", str(process.pid), "-o", "args="], capture_output=True, text=True)
    return listing.stdout.splitlines()


def interrupt(process):
    os.killpg(process.pid, signal.SIGINT)
    return process.wait(timeout=30)


def assert_dingtalk_sign_in_works(http, login, port, sandbox_port):
    """Both ways in: "Sign in with DingTalk" goes to the sandbox's login page, and Li Lei (the demo's office
    admin) comes back signed in."""
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
    dingtalk = http.post(
        f"http://127.0.0.1:{port}/accounts/dingtalk/login/", data={"csrfmiddlewaretoken": csrf}, timeout=10
    )
    assert dingtalk.url.startswith(f"http://127.0.0.1:{sandbox_port}/oauth2/auth?")
    office_admin = DEMO_PEOPLE[0]
    assert office_admin.nick in dingtalk.text
    union_id = f'name="union_id" value="{office_admin.union_id}"'
    form = next(chunk for chunk in dingtalk.text.split("</form>") if union_id in chunk)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    fields = {name: html.unescape(value) for name, value in fields.items()}
    arrived = http.post(f"http://127.0.0.1:{sandbox_port}/oauth2/auth", data=fields, timeout=10)
    assert arrived.url == f"http://127.0.0.1:{port}/meetings/"
    assert office_admin.nick in arrived.text
    http.cookies.clear()


def test_one_ctrl_c_stops_the_portal_its_worker_and_the_sandbox_and_the_demo_survives_it(tmp_path):
    port, sandbox_port = free_port(), free_port()
    http = requests.Session()
    http.trust_env = False
    first_run, second_run = tmp_path / "first.log", tmp_path / "second.log"
    process = start(tmp_path, port, sandbox_port, first_run)
    try:
        output = first_run.read_text()
        assert f"http://127.0.0.1:{port}/" in output
        assert "Username: admin" in output and DEMO_PASSWORD in output
        assert f"http://127.0.0.1:{sandbox_port}/_sandbox/" in output
        login = http.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10)
        assert login.status_code == 200
        assert_dingtalk_sign_in_works(http, login, port, sandbox_port)
        in_sandbox = http.get(f"http://127.0.0.1:{sandbox_port}/_sandbox/meetings", timeout=10).json()["meetings"]
        assert len(in_sandbox) == len(DEMO_MEETINGS)
        assert any("manage.py db_worker" in command for command in children(process))

        assert interrupt(process) == 0
        assert port_is_free(port) and port_is_free(sandbox_port)
        assert "Stopped." in first_run.read_text()

        process = start(tmp_path, port, sandbox_port, second_run)
        again = http.get(f"http://127.0.0.1:{sandbox_port}/_sandbox/meetings", timeout=10).json()["meetings"]
        assert again == in_sandbox
        assert interrupt(process) == 0
        assert port_is_free(port) and port_is_free(sandbox_port)
    finally:
        if process.poll() is None:
            process.terminate()  # SIGTERM stops both servers too
            process.wait(timeout=30)
    state = json.loads((tmp_path / "sandbox.json").read_text())
    assert len(state["meetings"]) == len(DEMO_MEETINGS)
