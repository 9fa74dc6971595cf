"""What the benchmarks and the load test share: the run's constants, its environment and database, and
how results are measured and told.

- `environment()`: one run's environment (keys, database, benchmark settings), the same for this process
  and the gunicorn it starts;
- `database()`: a fresh SQLite file or PostgreSQL database, gone afterwards;
- `interleaved()`: contenders timed in alternating rounds, so drift and noise fall on all of them alike;
- `portal()`: the portal's code the benchmarks use -- imported here and nowhere else in benchmarks/, so a
  renamed module of the app is one edit;
- `http_session()`: a requests session that never goes through a proxy.

Beside it: `processes` (the sandbox and gunicorn processes, cores and CPU), `portal_user` (a person over
HTTP) and `portal_data` (the organizations, people and meetings a run creates).

All traffic goes to 127.0.0.1 only, and every HTTP call has a timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
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
    from meetings import dingtalk
    from meetings.dingtalk import tokens
    from meetings.models import Meeting, MeetingChange, Organization

    return types.SimpleNamespace(
        DingTalkClient=dingtalk.DingTalkClient,
        DingTalkError=dingtalk.DingTalkError,
        epoch_ms=dingtalk.epoch_ms,
        from_epoch_ms=dingtalk.from_epoch_ms,
        ROOM_CODE_PAGE_SIZE=dingtalk.client.ROOM_CODE_PAGE_SIZE,
        call_with_token=tokens.call_with_token,
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
            # The sandbox of these runs enforces no rate limit, and a save's speed is what they measure: every
            # DingTalk call still takes its turn from the database's budget, one wide enough never to wait.
            # benchmarks/bulk_rename.py sets DingTalk's real one.
            "DINGTALK_MAX_CALLS_PER_SECOND": "1000",
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


def http_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 only, never through a proxy
    return session
