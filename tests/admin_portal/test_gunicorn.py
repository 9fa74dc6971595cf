"""The real deployment: collectstatic, then gunicorn with admin_portal/gunicorn.conf.py and production settings."""

import json
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
import requests

from tests.admin_portal.production import BASE_DIR, PRODUCTION_ENV

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """gunicorn on a free port, as the README's production section starts it; yields (url, log file)."""
    tmp = tmp_path_factory.mktemp("production")
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),  # where gunicorn would put its control socket, were it on
        **PRODUCTION_ENV,
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        # Only our own proxy header decides the scheme, not gunicorn's trust of loopback.
        "GUNICORN_FORWARDED_ALLOW_IPS": "192.0.2.1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = tmp / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [GUNICORN, "-c", "admin_portal/gunicorn.conf.py", "admin_portal.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(url, timeout=1)
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still booting
                assert server.poll() is None, log.read_text()
                time.sleep(0.1)
        yield url, log
    finally:
        server.terminate()
        server.wait(timeout=30)


HTTPS = {"Host": "portal.example.com", "X-Forwarded-Proto": "https"}


def test_plain_http_is_redirected_to_https(portal):
    url, _ = portal
    response = requests.get(
        url + "/accounts/login/", headers={"Host": "portal.example.com"}, allow_redirects=False, timeout=5
    )
    assert response.status_code == 301
    assert response.headers["Location"] == "https://portal.example.com/accounts/login/"


def test_https_through_the_proxy_gets_every_security_header(portal):
    url, _ = portal
    response = requests.get(url + "/accounts/login/", headers=HTTPS, allow_redirects=False, timeout=5)

    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Secure" in response.headers["Set-Cookie"]


def test_whitenoise_serves_the_collected_hashed_static_files(portal):
    url, _ = portal
    page = requests.get(url + "/accounts/login/", headers=HTTPS, timeout=5).text
    stylesheet = page.split('<link rel="stylesheet" href="')[1].split('"')[0]
    assert stylesheet.startswith("/static/css/portal.") and stylesheet != "/static/css/portal.css"

    response = requests.get(url + stylesheet, headers=HTTPS, timeout=5)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]


def test_the_access_log_and_the_app_log_share_the_request_id(portal):
    url, log = portal
    request_id = requests.get(url + "/no-such-page/", headers=HTTPS, timeout=5).headers["X-Request-ID"]

    def access_line_written():
        return any(
            line.endswith(f"request_id={request_id}") and '"GET /no-such-page/' in line
            for line in log.read_text().splitlines()
        )

    # gunicorn writes the access line just after the response has gone out (a busy machine may take a while).
    deadline = time.monotonic() + 60
    while not access_line_written() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert access_line_written()
    lines = log.read_text().splitlines()
    app_lines = [json.loads(line) for line in lines if line.startswith("{")]
    assert any(entry["request_id"] == request_id and entry["status_code"] == 404 for entry in app_lines)


def test_it_opens_no_control_socket_another_gunicorn_could_take_over(portal):
    _, log = portal
    home = log.parent
    assert not (home / ".gunicorn").exists()
    assert "control socket" not in log.read_text().lower()


def config(**env):
    """The settings admin_portal/gunicorn.conf.py gives gunicorn under this environment."""
    with mock.patch.dict(os.environ, env):
        return runpy.run_path(str(BASE_DIR / "admin_portal" / "gunicorn.conf.py"))


def test_a_control_socket_is_opened_only_at_a_path_given_for_this_instance():
    assert config()["control_socket_disable"] is True
    given = config(GUNICORN_CONTROL_SOCKET="/run/portal/gunicorn.ctl")
    assert given["control_socket"] == "/run/portal/gunicorn.ctl"
    assert "control_socket_disable" not in given


# --- the key checks at start (issue 15) ---------------------------------------------------------------

OTHER_KEY = "kJ0mQ7cYd1Sx8wE2Hn4Rb6Tv9Lz3Pa5Uf0Gi7Ko2Mq4="


def start_gunicorn(tmp_path, *, wait=20, **env):
    """gunicorn as production starts it; returns (exit code, output) once it stops, or (None, output) if it
    is still serving after a few seconds (then it is stopped)."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "GUNICORN_WORKERS": "1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        **env,
    }
    server = subprocess.Popen(
        [GUNICORN, "-c", "admin_portal/gunicorn.conf.py", "admin_portal.wsgi"],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = server.communicate(timeout=wait)
        return server.returncode, output
    except subprocess.TimeoutExpired:
        server.terminate()
        output, _ = server.communicate(timeout=30)
        return None, output


@pytest.fixture
def database_with_a_secret(tmp_path):
    """A migrated database holding one organization whose token is encrypted under PRODUCTION_ENV's key."""
    env = {"PATH": "/usr/bin:/bin", **PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for command in (["migrate", "--noinput"], ["add_org", "Hangzhou Office", "--time-zone", "Asia/Shanghai"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            check=True,
            capture_output=True,
            timeout=120,
            env={**env, "DINGTALK_ACCESS_TOKEN": "tok-Secret-1234567890"},
        )
    return tmp_path


def test_a_key_that_decrypts_no_stored_secret_stops_the_start(database_with_a_secret):
    code, output = start_gunicorn(database_with_a_secret, DINGTALK_ENCRYPTION_KEYS=OTHER_KEY)

    assert code not in (None, 0), output
    assert "meetings.E002" in output and "cannot be decrypted with any key in DINGTALK_ENCRYPTION_KEYS" in output
    assert "Booting worker" not in output  # refused before any worker took a request


def test_a_malformed_key_stops_the_start(database_with_a_secret):
    code, output = start_gunicorn(database_with_a_secret, DINGTALK_ENCRYPTION_KEYS="not-a-key")

    assert code not in (None, 0), output
    assert "meetings.E001" in output and "not a Fernet key" in output


def test_the_right_key_starts(database_with_a_secret):
    code, output = start_gunicorn(database_with_a_secret, wait=6)

    assert code is None, output
    assert "Booting worker" in output


def test_a_starting_worker_queues_no_job():
    """Periodic work is due once for the deployment (meetings/services/jobs.py), not once per worker start."""
    assert "post_worker_init" not in config()
