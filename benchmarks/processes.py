"""The processes of a run: the DingTalk sandbox and the portal under gunicorn, each in its own process on
127.0.0.1 -- and which cores they run on, and the CPU they used.

- `sandbox()`: `python -m dingtalk_sandbox` on a free port, and its /_sandbox/ control endpoints;
- `gunicorn()`: the portal with its production config file, its log in var/bench/;
- `cpu_split()` and `process_cpu_seconds()`: which cores the server and the load run on, and what they used.

Each process started here is stopped here, and only it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from .common import CREATOR, HTTP_TIMEOUT, LOG_DIRECTORY, LOOPBACK, ROOT, SANDBOX_TOKEN, http_session

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
