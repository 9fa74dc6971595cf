"""Benchmark 3: what a save costs, the portal against the peer a team would build instead (benchmarks/peer/).

One person (an office admin, staff so the peer admin lets them in), one meeting per contender, all in
the same database and the sandbox (its own process, answering every DingTalk call after 50 ms). In
interleaved rounds, through Django's test Client in this process, CSRF checks on:

- portal        the edit form posted: session, form, version check, lease, DingTalk read and update,
                the stored values with their audit row, the redirect;
- careful hook  the peer admin's change form posted; `save_model` reads DingTalk, then updates it:
                the same two round trips;
- careful + durable  the careful hook with the portal's two promises, as a careful team would add them to
                the admin: an idempotency key on the form and a write-ahead audit row committed before
                DingTalk is called, completed with the save (benchmarks/peer/admin.py);
- naive hook    the same with the update only;
- plain admin   the admin's own save, no DingTalk call (the floor);
- round trip    one bare DingTalk query by the portal's client.

For each save, measured around the server's side of the request (the handler the test Client calls,
as gunicorn calls Django's): its CPU time in this process (the DingTalk client's share included; the
sandbox and the database server run elsewhere), its wall time, and the wall time spent inside the
DingTalk client's calls. A save's time beyond its round trips is the wall time minus that.

    .venv/bin/python -m benchmarks.save_overhead [--database sqlite|postgres] [--rounds 31] [--repeat 5]

Targets (issue 23), each a ratio measured in this run: the portal's CPU per save <= 1.0 x careful +
durable's and <= 1.1 x the careful hook's; its time beyond the round trips <= 1.1 x careful + durable's and
<= 1.25 x the careful hook's (PostgreSQL's commit flush included: synchronous_commit stays on). Reported
too: the floor (the plain admin save plus the client's CPU for two calls) and how far above it each side is.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from . import common, portal_data, portal_user, processes

LATENCY_MS = 50
FORM = "application/x-www-form-urlencoded"
# (contender compared with, target) for the portal's ratios.
CPU_TARGETS = (("careful + durable", 1.0), ("careful hook", 1.1))
BEYOND_TARGETS = (("careful + durable", 1.1), ("careful hook", 1.25))
TITLES = ("Quarterly planning", "Quarterly planning (moved room)")


@dataclass
class Totals:
    """What the calls of one batch added up to."""

    cpu: float = 0.0
    wall: float = 0.0
    in_dingtalk: float = 0.0
    dingtalk_calls: int = 0


class ServerSide:
    """Wraps the test Client's handler: times the server's side of each request, not the client's."""

    def __init__(self, handler, totals: Totals):
        self.handler = handler
        self.totals = totals

    def __call__(self, environ):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return self.handler(environ)
        finally:
            self.totals.cpu += time.process_time() - cpu
            self.totals.wall += time.perf_counter() - wall


def time_dingtalk_calls(client_class, totals: Totals) -> None:
    """Count and time every conference call of the portal's client in this process (its public methods)."""

    def timed(method):
        def call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                totals.in_dingtalk += time.perf_counter() - started
                totals.dingtalk_calls += 1

        return call

    for name in ("get_schedule_conference", "update_schedule_conference"):
        setattr(client_class, name, timed(getattr(client_class, name)))


class Statements:
    """SQL statements one save runs, how many transactions that wrote it committed, and how many of those
    wrote only DingTalk's budget (a call's turn). On PostgreSQL each commit of a logged table waits for the
    database's log to reach the disk (synchronous_commit on); the budget's table is unlogged there
    (migration 0023), so a turn's commit does not. SQLite in WAL mode with synchronous=NORMAL syncs on no
    commit."""

    BUDGET_TABLE = "meetings_dingtalkbudget"

    def __init__(self):
        self.count = self.write_commits = self.budget_commits = 0
        self._block_tables: set[str] | None = None

    def __call__(self, execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith("BEGIN"):
            self.count += 1
        if sql.lstrip()[:6].upper() in {"UPDATE", "INSERT", "DELETE"}:
            table = sql.split('"')[1] if '"' in sql else sql.split()[2]
            connection = context["connection"]
            if not connection.in_atomic_block:
                self._count_commit({table})  # autocommitted
            else:
                if self._block_tables is None:
                    self._block_tables = set()
                    connection.on_commit(self._committed)
                self._block_tables.add(table)
        return execute(sql, params, many, context)

    def _committed(self):
        self._count_commit(self._block_tables)
        self._block_tables = None

    def _count_commit(self, tables: set[str]) -> None:
        self.write_commits += 1
        self.budget_commits += tables == {self.BUDGET_TABLE}


def commit_cost(connection) -> tuple[float, float]:
    """Median seconds of an autocommitted one-row UPDATE and of a one-row SELECT, on a table of its own."""
    writes, reads = [], []
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commit_probe (id integer PRIMARY KEY, n integer)")
        cursor.execute("INSERT INTO bench_commit_probe VALUES (1, 0)")
        for _ in range(100):
            started = time.perf_counter()
            cursor.execute("UPDATE bench_commit_probe SET n = n + 1 WHERE id = 1")
            writes.append(time.perf_counter() - started)
            started = time.perf_counter()
            cursor.execute("SELECT n FROM bench_commit_probe WHERE id = 1")
            cursor.fetchone()
            reads.append(time.perf_counter() - started)
        cursor.execute("DROP TABLE bench_commit_probe")
    return statistics.median(writes), statistics.median(reads)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, postgres, or a postgres:// URL (bench*)")
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--repeat", type=int, default=5, help="saves per contender per round")
    parser.add_argument("--latency-ms", type=int, default=LATENCY_MS, help="the sandbox's")
    options = parser.parse_args(argv)

    with processes.sandbox(latency_ms=options.latency_ms) as sandbox:
        with common.database(options.database, name="bench_save") as database_url:
            common.setup_django(common.environment(database_url, settings=common.PEER_SETTINGS))
            try:
                return run(options, sandbox)
            finally:
                common.close_django_connections()


def run(options, sandbox: processes.Sandbox) -> int:
    from django.db import connection
    from django.test import Client

    app = common.portal()
    organization = portal_data.create_organization(name="Benchmark office", api_base=sandbox.base_url)
    (person,) = portal_data.create_people(
        organization, prefix="officeadmin", count=1, group="Office admins", staff=True
    )
    meetings = dict(
        zip(
            ("portal", "careful", "durable", "naive", "plain"),
            portal_data.create_meetings(organization, prefix="save", count=5, sandbox=sandbox),
            strict=True,
        )
    )
    totals = Totals()
    time_dingtalk_calls(app.DingTalkClient, totals)
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    client.handler = ServerSide(client.handler, totals)
    last_title = {}

    def page_fields(path: str) -> dict[str, str]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return portal_user.form_fields(response.content.decode())

    def saver(name: str) -> Callable[[], None]:
        meeting = meetings[name]
        if name == "portal":
            path = f"/meetings/{meeting.pk}/edit/"
        else:
            path = portal_user.peer_change_path(name, meeting.pk)
        fields = page_fields(path)
        portal_user.drop_other_buttons(fields)
        titles = itertools.cycle(TITLES)

        def save():
            last_title[name] = next(titles)
            # As a browser posts a form: urlencoded (the test Client would send multipart).
            response = client.post(path, urlencode({**fields, "title": last_title[name]}), content_type=FORM)
            assert response.status_code == 302, response.content.decode()[:2000]
            # The browser would show the success message on the page it is redirected to; without that
            # page, the message cookie would only grow, and each save would re-encode it.
            client.cookies.pop("messages", None)
            portal_user.form_after_save(fields)

        return save

    bare_client = app.DingTalkClient(sandbox.base_url)
    probe = meetings["portal"]

    def round_trip():
        cpu, wall = time.process_time(), time.perf_counter()
        bare_client.get_schedule_conference(
            access_token=common.SANDBOX_TOKEN,
            creator_union_id=common.CREATOR,
            schedule_conference_id=probe.schedule_conference_id,
        )
        totals.cpu += time.process_time() - cpu
        totals.wall += time.perf_counter() - wall

    contenders = {
        "portal": saver("portal"),
        "careful hook": saver("careful"),
        "careful + durable": saver("durable"),
        "naive hook": saver("naive"),
        "plain admin": saver("plain"),
        "round trip": round_trip,
    }
    statements = {}
    for name, call in contenders.items():
        call()  # the first save of a process does once-only work (connections, caches)
        statements[name] = Statements()
        with connection.execute_wrapper(statements[name]):
            call()
    samples = common.interleaved(
        contenders, rounds=options.rounds, repeat=options.repeat, warmup=2, measure=per_save(totals)
    )
    write, read = commit_cost(connection)
    for name, meeting in meetings.items():
        meeting.refresh_from_db()
        assert meeting.title == last_title[name], (name, meeting.title, last_title[name])
    return report(samples, options, vendor=connection.vendor, sql=(statements, write, read))


def report_statements(statements: dict[str, Statements], write: float, read: float) -> None:
    print(
        "  SQL per save: "
        + ", ".join(
            f"{name} {count.count} statements, {count.write_commits} commits of writes "
            f"({count.budget_commits} of them DingTalk's budget only)"
            for name, count in statements.items()
            if name != "round trip"
        )
    )
    print(
        f"  on this database a one-row UPDATE with its commit takes {write * 1000:.2f} ms, a one-row SELECT "
        f"{read * 1000:.2f} ms (medians of 100)"
    )


def per_save(totals: Totals) -> Callable[[Callable[[], None], int], Totals]:
    """A round's sample for common.interleaved: what `repeat` calls added up to, per call."""

    def measure(call, repeat: int) -> Totals:
        totals.__init__()
        for _ in range(repeat):
            call()
        return Totals(
            totals.cpu / repeat, totals.wall / repeat, totals.in_dingtalk / repeat, totals.dingtalk_calls / repeat
        )

    return measure


def report(samples: dict[str, list[Totals]], options, *, vendor: str, sql) -> int:
    def median_ms(name: str, value: Callable[[Totals], float]) -> float:
        return statistics.median(value(sample) for sample in samples[name]) * 1000

    def cpu(name):
        return median_ms(name, lambda s: s.cpu)

    def beyond(name):
        return median_ms(name, lambda s: s.wall - s.in_dingtalk)

    def spread(name, other, value) -> str:
        """The middle half of the per-round ratios: how much one round's ratio moves."""
        ratios = sorted(value(a) / value(b) for a, b in zip(samples[name], samples[other], strict=True))
        quartiles = statistics.quantiles(ratios, n=4)
        return f"per round {quartiles[0]:.2f}-{quartiles[2]:.2f}"

    print(
        f"A save, median of {options.rounds} interleaved rounds x {options.repeat}, sandbox at "
        f"{options.latency_ms} ms ({vendor}), the server's side of each request"
    )
    print(f"  {'':18s} {'CPU':>9s} {'wall':>9s} {'in DingTalk calls':>18s} {'beyond them':>12s} {'calls':>6s}")
    for name in samples:
        calls = statistics.median(sample.dingtalk_calls for sample in samples[name])
        in_calls = median_ms(name, lambda s: s.in_dingtalk)
        print(
            f"  {name:18s} {cpu(name):6.2f} ms {median_ms(name, lambda s: s.wall):6.2f} ms "
            f"{in_calls:15.2f} ms {beyond(name):9.2f} ms {calls:6.2f}"
        )
    report_statements(*sql)
    floor = cpu("plain admin") + 2 * cpu("round trip")
    print(f"  floor: plain admin save + 2 x the client's CPU per round trip = {floor:.2f} ms CPU; above it:")
    for name in ("portal", "careful + durable", "careful hook"):
        print(f"    {name:18s} {cpu(name) - floor:+6.2f} ms CPU ({cpu(name) / floor:.2f} of the floor)")
    for other, _ in CPU_TARGETS:
        print(
            f"  portal / {other}: CPU {spread('portal', other, lambda s: s.cpu)}; beyond the round trips: "
            f"{spread('portal', other, lambda s: s.wall - s.in_dingtalk)}"
        )
    ok = True
    for other, target in CPU_TARGETS:
        ok &= common.verdict(f"save CPU, portal / {other}", cpu("portal") / cpu(other), target)
    for other, target in BEYOND_TARGETS:
        ok &= common.verdict(
            f"save time beyond DingTalk's round trips, portal / {other}", beyond("portal") / beyond(other), target
        )
    print(
        f"RESULT save CPU, portal / floor (plain admin save + client CPU of 2 calls): "
        f"{cpu('portal') / floor:.2f}; careful + durable / floor: {cpu('careful + durable') / floor:.2f} "
        "(report only)",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
