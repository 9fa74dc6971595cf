"""What the benchmarks and the load test share.

- `environment()`: one run's environment (keys, database, benchmark settings), the same for this process
  and the gunicorn it starts;
- `database()`: a fresh SQLite file or PostgreSQL database, gone afterwards;
- `sandbox()` and `gunicorn()`: the DingTalk sandbox and the portal, each in its own process, on 127.0.0.1;
- `PortalUser`: a person over HTTP -- the login form, CSRF tokens, the edit form, the peer admin's form;
- `interleaved()`: contenders timed in alternating rounds, so drift and noise fall on all of them alike;
- `portal()`: the portal's code the benchmarks use -- imported here and nowhere else in benchmarks/, so a
  renamed module of the app is one edit;
- `cpu_split()` and `process_cpu_seconds()`: which cores the server and the load run on, and what they used.

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
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
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
# The portal alone, and the portal with the peer admin sites (benchmarks/peer/): same settings otherwise.
PORTAL_SETTINGS = "benchmarks.settings"
PEER_SETTINGS = "benchmarks.peer.settings"


# --- the portal's code ------------------------------------------------------------------------------


@cache
def portal() -> types.SimpleNamespace:
    """The portal's names the benchmarks and the peer use (after setup_django). The only imports of the
    app's code in benchmarks/: when a module of the app moves, this is the one place to follow it.
    """
    from meetings import credentials, dingtalk
    from meetings.models import Meeting, MeetingChange, Organization

    return types.SimpleNamespace(
        DingTalkClient=dingtalk.DingTalkClient,
        DingTalkError=dingtalk.DingTalkError,
        epoch_ms=dingtalk.epoch_ms,
        from_epoch_ms=dingtalk.from_epoch_ms,
        ROOM_CODE_PAGE_SIZE=dingtalk.client.ROOM_CODE_PAGE_SIZE,
        call_with_token=credentials.call_with_token,
        Meeting=Meeting,
        MeetingChange=MeetingChange,
        Organization=Organization,
    )


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
    measure: Callable[[Callable[[], object], int], Any] | None = None,
) -> dict[str, list]:
    """Seconds per call of each contender, one sample per round.

    Every round runs each contender `repeat` times in a row; the order rotates from round to round, so a
    slow moment of the machine hits them all alike. Compare medians, measured in the same run.
    `measure(call, repeat)`, when given, makes the calls and returns the round's sample instead.
    """

    def seconds_per_call(call, repeat):
        started = clock()
        for _ in range(repeat):
            call()
        return (clock() - started) / repeat

    measure = measure or seconds_per_call
    for call in contenders.values():
        for _ in range(warmup):
            call()
    names = list(contenders)
    samples: dict[str, list] = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(measure(contenders[name], repeat))
    return samples


# --- environment and database -----------------------------------------------------------------------


def environment(database_url: str, *, settings: str = PORTAL_SETTINGS) -> dict[str, str]:
    """The environment of every process in one run: fresh keys, the benchmark settings, the database."""
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), LOOPBACK, "localhost"]))
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings,
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


def setup_django(env: dict[str, str], *, migrate: bool = True) -> None:
    """Start Django in this process with `env` and migrate its (fresh) database."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
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


# --- cores and CPU -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CpuSplit:
    """Which cores the server (gunicorn) and the rest of a run (load generator, sandbox) run on."""

    server: frozenset[int]
    load: frozenset[int]

    def describe(self) -> str:
        if self.server == self.load:
            return f"not split: server and load share cores {sorted(self.server)}"
        return f"gunicorn on cores {sorted(self.server)}, load generator and sandbox on {sorted(self.load)}"


def cpu_split(split: bool = True) -> CpuSplit:
    """Half the cores this process may use for the server, the rest for the load (taskset's way, via
    sched_setaffinity); with one core, or `split` off, everything shares them. PostgreSQL is a system
    service the run does not start, and is never pinned.
    """
    cores = sorted(os.sched_getaffinity(0))
    if not split or len(cores) < 2:
        return CpuSplit(frozenset(cores), frozenset(cores))
    half = len(cores) // 2
    return CpuSplit(frozenset(cores[:half]), frozenset(cores[half:]))


def process_cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds the processes used so far (Linux /proc); a gone process counts 0."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (gunicorn's workers, for its master)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def machine_load() -> str:
    """The load averages and the core count, for the record of a run."""
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


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
def sandbox(*, latency_ms: int, cpus: frozenset[int] | None = None) -> Iterator[Sandbox]:
    """`python -m dingtalk_sandbox` on a free port, with SANDBOX_TOKEN preloaded (on `cpus`, if given)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dingtalk_sandbox",
            "--host",
            LOOPBACK,
            "--port",
            "0",
            "--latency-ms",
            str(latency_ms),
            "--token",
            SANDBOX_TOKEN,
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_on_cpus(cpus),
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


def _on_cpus(cpus: frozenset[int] | None) -> Callable[[], None] | None:
    """A preexec_fn that puts a new process (and the processes it forks) on `cpus`."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


@dataclass
class Gunicorn:
    base_url: str
    pid: int

    def workers_cpu_seconds(self) -> float:
        """CPU seconds gunicorn's workers used so far (the master only watches them)."""
        return process_cpu_seconds(child_pids(self.pid))


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    name: str,
    workers: int | None = None,
    threads: int | None = None,
    cpus: frozenset[int] | None = None,
) -> Iterator[Gunicorn]:
    """The portal under gunicorn with its production config file, on `cpus` if given.

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
            preexec_fn=_on_cpus(cpus),
        )
        base_url = f"http://{bind}"
        try:
            _wait_until_up(base_url + "/accounts/login/", process, log_path)
            yield Gunicorn(base_url, process.pid)
        finally:
            _stop(process)


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    http = http_session()
    ends_at = time.monotonic() + 60
    while time.monotonic() < ends_at:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):  # still starting
            if http.get(url, timeout=10).status_code == 200:
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


# gunicorn closes a kept-alive connection after GUNICORN_KEEPALIVE idle seconds (its config file: 5). A
# connection idle nearly that long is not reused: the server may be closing it at the very moment the
# next request goes out, and that request then meets a closed connection (RemoteDisconnected).
IDLE_REUSE_LIMIT = 4.0


class PortalUser:
    """One person with their own cookies: logs in through the login form, opens and saves meetings --
    in the portal, or in a peer admin site (benchmarks/peer/).

    Like a browser, a GET that meets a connection closed under it is sent once more on a new one;
    `retries` keeps the reason of each such retry. A POST is never repeated.
    """

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.username = username
        self.http = http_session()
        self.statuses: list[int] = []
        self.retries: list[str] = []
        self._last_reply_at: float | None = None

    def get(self, path: str) -> Reply:
        try:
            return self._send("GET", path)
        except requests.ConnectionError as error:
            self.retries.append(f"GET {path}: {_reason(error)}")
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

    def open_peer_meeting(self, site: str, pk: int) -> dict[str, str]:
        """The peer admin's change form for the meeting (site: careful, naive or plain), as "Save" submits it."""
        fields = form_fields(self.get(peer_change_path(site, pk)).page)
        for other_button in ("_continue", "_addanother", "_saveasnew"):
            fields.pop(other_button, None)
        return fields

    def save_peer_meeting(self, site: str, pk: int, fields: dict[str, str], *, title: str) -> Reply:
        """Submit the peer admin's change form with a new title: 302 when the admin saved it."""
        reply = self.post(peer_change_path(site, pk), {**fields, "title": title})
        self.http.cookies.pop("messages", None)
        return reply

    def _send(self, method: str, path: str, **kwargs) -> Reply:
        started = time.perf_counter()
        if self._last_reply_at is not None and time.monotonic() - self._last_reply_at > IDLE_REUSE_LIMIT:
            self.http.close()  # its connections only: the cookies stay
        response = self.http.request(
            method, self.base_url + path, timeout=HTTP_TIMEOUT, allow_redirects=False, **kwargs
        )
        self._last_reply_at = time.monotonic()
        seconds = time.perf_counter() - started
        self.statuses.append(response.status_code)
        return Reply(response.status_code, seconds, response.text)


def form_after_save(fields: dict[str, str]) -> None:
    """The edit form's fields as the page after a save renders them: the version one higher and a new
    submission key (reusing the old one would post "the same form with other values" every time)."""
    if "version" in fields:
        fields["version"] = str(int(fields["version"]) + 1)
    if "submission" in fields:
        fields["submission"] = uuid.uuid4().hex


def peer_change_path(site: str, pk: int) -> str:
    return f"/peer/{site}/meetings/meeting/{pk}/change/"


def _reason(error: BaseException) -> str:
    """The innermost cause of a requests error, e.g. "RemoteDisconnected: Remote end closed connection"."""
    while True:
        inner = next((arg for arg in error.args if isinstance(arg, BaseException)), None)
        inner = inner or getattr(error, "reason", None)
        if not isinstance(inner, BaseException):
            return f"{type(error).__name__}: {error}"
        error = inner


# --- portal data (after setup_django) -------------------------------------------------------------------

# Whole minutes, far ahead: what the edit form shows is exactly what is stored.
FIRST_START_MS = 1_924_992_000_000  # 2031-01-01 00:00 UTC
MEETING_MINUTES = 45


def create_organization(*, name: str, api_base: str, app: bool = False):
    """An organization on the sandbox: with the sandbox's demo app, or with SANDBOX_TOKEN pasted."""
    from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET

    Organization = portal().Organization
    if app:
        credentials = {
            "auth_mode": Organization.AuthMode.INTERNAL_APP,
            "app_key": DEMO_APP_KEY,
            "app_secret": DEMO_APP_SECRET,
        }
    else:
        credentials = {"auth_mode": Organization.AuthMode.ACCESS_TOKEN, "access_token": SANDBOX_TOKEN}
    return Organization.objects.create(name=name, time_zone="Asia/Shanghai", api_base=api_base, **credentials)


def create_people(
    organization, *, prefix: str, count: int, group: str = "", superuser: bool = False, staff: bool = False
) -> list:
    """`count` people in `organization` (and `group`), all with PASSWORD (hashed once, by the real hasher).

    `staff`: they may also use an admin site (the peer's, benchmarks/peer/), with their group's permissions.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    User = get_user_model()
    password = make_password(PASSWORD)
    people = User.objects.bulk_create(
        User(username=f"{prefix}{n:02d}", password=password, is_superuser=superuser, is_staff=superuser or staff)
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

    Meeting = portal().Meeting
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
            sandbox.seed(
                schedule_conference_id=meetings[-1].schedule_conference_id,
                title=meetings[-1].title,
                start_ms=start_ms,
                end_ms=end_ms,
            )
    Meeting.objects.bulk_create(meetings, batch_size=1000)
    return list(Meeting.objects.filter(organization=organization).order_by("pk"))
