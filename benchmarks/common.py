"""What the benchmarks and the load test share.

- `environment()`: one run's environment (keys, database, benchmark settings), the same for this process
  and the gunicorn it starts;
- `database()`: a fresh SQLite file or PostgreSQL database, gone afterwards;
- `sandbox()` and `gunicorn()`: the DingTalk sandbox and the portal, each in its own process, on 127.0.0.1;
- `PortalUser`: a person over HTTP -- the login form, CSRF tokens, the edit form;
- `interleaved()`: contenders timed in alternating rounds, so drift and noise fall on all of them alike.

All traffic goes to 127.0.0.1 only, and every HTTP call has a timeout.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
LOG_DIRECTORY = ROOT / "var" / "bench"  # git ignores var/
LOOPBACK = "127.0.0.1"
# Preloaded in the sandbox; organizations with a pasted token send it.
SANDBOX_TOKEN = "bench-token"
CREATOR = "bench-creator-union-id"
# Only ever stored in the throwaway databases of a run.
PASSWORD = "bench-password-8c1f"
# Seconds any single HTTP call of a benchmark may take.
HTTP_TIMEOUT = 30
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432")
# Databases a run may drop and create: never the suite's `test` nor anything else that is not ours.
THROWAWAY_DATABASE = re.compile(r"(bench|load)_?\w*")


# --- results ----------------------------------------------------------------------------------------


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def verdict(name: str, value: float, target: float, *, at_most: bool = True, unit: str = "") -> bool:
    """Print one result line against its target; True when the target holds."""
    ok = value <= target if at_most else value >= target
    sign = "<=" if at_most else ">="
    print(f"RESULT {name}: {value:.2f}{unit} (target {sign} {target:g}{unit}) {'ok' if ok else 'MISSED'}", flush=True)
    return ok


def interleaved(
    contenders: dict[str, Callable[[], object]],
    *,
    rounds: int,
    repeat: int,
    warmup: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Seconds per call of each contender, one sample per round.

    Every round runs each contender `repeat` times in a row; the order rotates from round to round, so a
    slow moment of the machine hits them all alike. Compare medians, measured in the same run.
    """
    for call in contenders.values():
        for _ in range(warmup):
            call()
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            call = contenders[name]
            started = clock()
            for _ in range(repeat):
                call()
            samples[name].append((clock() - started) / repeat)
    return samples


# --- environment and database -----------------------------------------------------------------------


def environment(database_url: str) -> dict[str, str]:
    """The environment of every process in one run: fresh keys, the benchmark settings, the database."""
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), LOOPBACK, "localhost"]))
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DINGTALK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DJANGO_ALLOWED_HOSTS": f"{LOOPBACK},localhost,testserver",
            "DINGTALK_SANDBOX_ENABLED": "true",
            "DATABASE_URL": database_url,
            # Loopback traffic never goes through a proxy configured for the office.
            "NO_PROXY": no_proxy,
            "no_proxy": no_proxy,
        }
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    """Start Django in this process with `env` and migrate its (fresh) database."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def close_django_connections() -> None:
    """Before other processes write the database (SQLite) or it is dropped (PostgreSQL)."""
    from django.db import connections

    connections.close_all()


@contextlib.contextmanager
def database(kind: str, *, name: str) -> Iterator[str]:
    """A fresh, empty database for one run; removed afterwards.

    `kind`: "sqlite", "postgres" (a database called `name` on BENCH_POSTGRES_SERVER) or a
    postgres:// URL whose database name starts with bench or load (it is dropped and created anew).
    """
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{name}-") as directory:
            yield f"sqlite:///{directory}/{name}.sqlite3"
        return
    url = f"{POSTGRES_SERVER}/{name}" if kind == "postgres" else kind
    parts = urlsplit(url)
    database_name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql"} or not THROWAWAY_DATABASE.fullmatch(database_name):
        raise SystemExit(f"refusing {url!r}: give sqlite, postgres, or a postgres:// URL of a bench*/load* database")
    import psycopg

    server = parts._replace(path="/postgres").geturl()

    def run(statement: str) -> None:
        with psycopg.connect(server, autocommit=True, connect_timeout=10) as connection:
            connection.execute(statement)

    run(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{database_name}"')
    try:
        yield url
    finally:
        run(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """End a process this module started (and only it), politely first."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def http_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 only, never through a proxy
    return session


# --- the DingTalk sandbox -------------------------------------------------------------------------------


class Sandbox:
    """The sandbox in its own process, and its /_sandbox/ control endpoints."""

    def __init__(self, process: subprocess.Popen, base_url: str):
        self.process = process
        self.base_url = base_url
        self.http = http_session()

    def seed(self, *, schedule_conference_id: str, title: str, start_ms: int, end_ms: int) -> None:
        self._control(
            "POST",
            "/meetings",
            json={
                "scheduleConferenceId": schedule_conference_id,
                "creatorUnionId": CREATOR,
                "title": title,
                "startTime": start_ms,
                "endTime": end_ms,
            },
        )

    def meetings(self) -> dict[str, dict]:
        return {m["scheduleConferenceId"]: m for m in self._control("GET", "/meetings")["meetings"]}

    def calls(self, api: str | None = None) -> list[dict]:
        """DingTalk calls received (the sandbox keeps the last 10,000), optionally of one API."""
        return [r for r in self._control("GET", "/requests")["requests"] if api is None or r["api"] == api]

    def clear_calls(self) -> None:
        self._control("DELETE", "/requests")

    def _control(self, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, self.base_url + "/_sandbox" + path, timeout=HTTP_TIMEOUT, **kwargs)
        response.raise_for_status()
        return response.json()


@contextlib.contextmanager
def sandbox(*, latency_ms: int) -> Iterator[Sandbox]:
    """`python -m dingtalk_sandbox` on a free port, with SANDBOX_TOKEN preloaded."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dingtalk_sandbox", "--host", LOOPBACK, "--port", "0",
         "--latency-ms", str(latency_ms), "--token", SANDBOX_TOKEN, "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        match = re.search(r"http://[\d.]+:\d+", first_line)
        if match is None:
            raise RuntimeError(f"the sandbox did not start: {first_line!r}")
        yield Sandbox(process, match.group(0))
    finally:
        _stop(process)


# --- gunicorn -------------------------------------------------------------------------------------------


def gunicorn_log(name: str) -> Path:
    """Where `gunicorn(name=...)` keeps gunicorn's log."""
    return LOG_DIRECTORY / f"{name}-gunicorn.log"


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, name: str, workers: int | None = None, threads: int | None = None
             ) -> Iterator[str]:
    """The portal under gunicorn with its production config file; yields its base URL.

    Workers and threads not given are the config file's (GUNICORN_WORKERS, GUNICORN_THREADS or its
    defaults). The log (access lines with each request's duration, errors) stays in
    var/bench/<name>-gunicorn.log.
    """
    bind = f"{LOOPBACK}:{free_port()}"
    log_path = gunicorn_log(name)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**env, "GUNICORN_BIND": bind}
    if workers is not None:
        env["GUNICORN_WORKERS"] = str(workers)
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "admin_portal/gunicorn.conf.py", "admin_portal.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://{bind}"
        try:
            _wait_until_up(base_url + "/accounts/login/", process, log_path)
            yield base_url
        finally:
            _stop(process)


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    http = http_session()
    ends_at = time.monotonic() + 60
    while time.monotonic() < ends_at:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
        with contextlib.suppress(requests.ConnectionError):
            if http.get(url, timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log_path}")


# --- a person over HTTP ---------------------------------------------------------------------------------

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([\w-]+)(?:="([^"]*)")?')


def form_fields(page: str) -> dict[str, str]:
    """The named, enabled inputs of a page and their values, as a browser would submit them."""
    fields = {}
    for tag in _INPUT.findall(page):
        attributes = {name.lower(): html.unescape(value or "") for name, value in _ATTRIBUTE.findall(tag[6:])}
        if "name" in attributes and "disabled" not in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


@dataclass
class Reply:
    status: int
    seconds: float
    page: str


class PortalUser:
    """One person with their own cookies: logs in through the login form, opens and saves meetings."""

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.username = username
        self.http = http_session()
        self.statuses: list[int] = []

    def get(self, path: str) -> Reply:
        return self._send("GET", path)

    def post(self, path: str, data: dict[str, str]) -> Reply:
        return self._send("POST", path, data=data)

    def login(self) -> None:
        fields = form_fields(self.get("/accounts/login/").page)
        reply = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"], "username": self.username, "password": PASSWORD},
        )
        if reply.status != 302:
            raise RuntimeError(f"{self.username} could not log in: HTTP {reply.status}")

    def open_meeting(self, pk: int) -> dict[str, str]:
        """The edit form's fields (CSRF token, title, times, version), as the page gave them."""
        return form_fields(self.get(f"/meetings/{pk}/edit/").page)

    def save_meeting(self, pk: int, fields: dict[str, str], *, title: str) -> Reply:
        """Submit the edit form with a new title: 302 when DingTalk and the portal took it.

        The redirect is not followed. Its page would show (and so clear) the success message; the
        message cookie is dropped instead, or it would only grow from save to save.
        """
        reply = self.post(f"/meetings/{pk}/edit/", {**fields, "title": title})
        self.http.cookies.pop("messages", None)
        return reply

    def _send(self, method: str, path: str, **kwargs) -> Reply:
        started = time.perf_counter()
        response = self.http.request(
            method, self.base_url + path, timeout=HTTP_TIMEOUT, allow_redirects=False, **kwargs
        )
        seconds = time.perf_counter() - started
        self.statuses.append(response.status_code)
        return Reply(response.status_code, seconds, response.text)


# --- portal data (after setup_django) -------------------------------------------------------------------

# Whole minutes, far ahead: what the edit form shows is exactly what is stored.
FIRST_START_MS = 1_924_992_000_000  # 2031-01-01 00:00 UTC
MEETING_MINUTES = 45


def create_organization(*, name: str, api_base: str, app: bool = False):
    """An organization on the sandbox: with the sandbox's demo app, or with SANDBOX_TOKEN pasted."""
    from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET
    from meetings.models import Organization

    if app:
        credentials = {"auth_mode": Organization.AuthMode.INTERNAL_APP, "app_key": DEMO_APP_KEY,
                       "app_secret": DEMO_APP_SECRET}
    else:
        credentials = {"auth_mode": Organization.AuthMode.ACCESS_TOKEN, "access_token": SANDBOX_TOKEN}
    return Organization.objects.create(name=name, time_zone="Asia/Shanghai", api_base=api_base, **credentials)


def create_people(organization, *, prefix: str, count: int, group: str = "", superuser: bool = False) -> list:
    """`count` people in `organization` (and `group`), all with PASSWORD (hashed once, by the real hasher)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    User = get_user_model()
    password = make_password(PASSWORD)
    people = User.objects.bulk_create(
        User(username=f"{prefix}{n:02d}", password=password, is_superuser=superuser, is_staff=superuser)
        for n in range(1, count + 1)
    )
    people = list(User.objects.filter(username__in=[p.username for p in people]).order_by("username"))
    organization.members.add(*people)
    if group:
        Group.objects.get(name=group).user_set.add(*people)
    return people


def create_meetings(organization, *, prefix: str, count: int, sandbox: Sandbox | None = None) -> list:
    """`count` meetings in the portal and, when given, the same ones in the sandbox."""
    import datetime

    from meetings.models import Meeting

    meetings = []
    for n in range(count):
        start_ms = FIRST_START_MS + n * 3_600_000
        end_ms = start_ms + MEETING_MINUTES * 60_000
        meetings.append(
            Meeting(
                organization=organization,
                schedule_conference_id=f"{prefix}-{n:05d}",
                creator_union_id=CREATOR,
                title=f"{prefix} meeting {n}",
                starts_at=datetime.datetime.fromtimestamp(start_ms / 1000, tz=datetime.UTC),
                ends_at=datetime.datetime.fromtimestamp(end_ms / 1000, tz=datetime.UTC),
            )
        )
        if sandbox is not None:
            sandbox.seed(schedule_conference_id=meetings[-1].schedule_conference_id, title=meetings[-1].title,
                         start_ms=start_ms, end_ms=end_ms)
    Meeting.objects.bulk_create(meetings, batch_size=1000)
    return list(Meeting.objects.filter(organization=organization).order_by("pk"))
