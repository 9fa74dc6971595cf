"""Benchmark 5: saves per second under gunicorn, the portal against the careful admin hook and the careful hook
with the portal's records (careful + durable, benchmarks/peer/).

One gunicorn, with the production config file and the peer settings (the portal's URLs plus the peer
admin sites), serves both; GUNICORN_WORKERS and GUNICORN_THREADS come from the environment (default
here 2 x 4). The sandbox, in its own process, answers every DingTalk call after 50 ms. Six times as many
people as threads, each with their own meeting, save over and over (real logins, CSRF tokens, the form),
so every thread always has a save waiting. The windows alternate, portal, careful hook, careful + durable,
then back in the opposite order (ABCCBA), so a slow moment of the machine falls on each; saves finishing
inside a window, after its warm-up, count.

With two cores or more, gunicorn runs on the first half of them, the load generator and the sandbox on
the rest (sched_setaffinity, as taskset does); PostgreSQL is the machine's service and not pinned.

A save holds a gunicorn thread for its DingTalk round trips, so at most

    limit = workers x threads / (round trips per save x latency)

saves finish per second. Printed for each side: saves/s, its fraction of that limit, server errors,
gunicorn's time per save and how busy its threads were (from its access log), and the CPU its workers,
the sandbox and the load generator used -- whether a run was bound by CPU or by DingTalk's latency.

    .venv/bin/python -m benchmarks.throughput [--database sqlite|postgres] [--seconds 10] [--no-split]

Target: portal saves/s >= 1.0 x the careful hook's, and no server errors on any side (careful + durable's
ratio is reported beside it).
"""

from __future__ import annotations

import argparse
import os
import re
import threading
import time
from dataclasses import dataclass, field

from . import common, portal_data, portal_user, processes

LATENCY_MS = 50
TARGET = 1.0
WARMUP_SECONDS = 2
PEOPLE_PER_THREAD = 6
GUNICORN_NAME = "throughput"  # names its log in var/bench/
SIDES = ("portal", "careful hook", "careful + durable")
ORDER = (*SIDES, *reversed(SIDES))
PEER_SITES = {"careful hook": "careful", "careful + durable": "durable"}
SAVE_LINES = {
    "portal": re.compile(r'"POST /meetings/\d+/edit/ HTTP/[\d.]+" 302 \S+ (\d+)ms '),
    **{
        name: re.compile(rf'"POST /peer/{site}/meetings/meeting/\d+/change/ HTTP/[\d.]+" 302 \S+ (\d+)ms ')
        for name, site in PEER_SITES.items()
    },
}


@dataclass
class Side:
    """What one side's windows added up to."""

    seconds: float = 0.0
    saves: int = 0  # inside the measured windows
    all_saves: int = 0  # warm-ups and tails too
    dingtalk_calls: int = 0  # during all of its windows, the probe's taken out
    updates: int = 0  # updates DingTalk accepted: one per save, or a save was confirmed without one
    statuses: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    round_trips: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(
        default_factory=lambda: {"gunicorn workers": 0.0, "sandbox": 0.0, "load generator": 0.0}
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, postgres, or a postgres:// URL (bench*)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured window")
    parser.add_argument("--no-split", action="store_true", help="gunicorn and the load share every core")
    options = parser.parse_args(argv)
    workers = int(os.environ.get("GUNICORN_WORKERS") or 2)
    threads = int(os.environ.get("GUNICORN_THREADS") or 4)
    people = PEOPLE_PER_THREAD * workers * threads
    split = processes.cpu_split(not options.no_split)
    os.sched_setaffinity(0, split.load)
    print(f"Machine: {processes.machine_load()}; {split.describe()}", flush=True)

    with (
        processes.sandbox(latency_ms=LATENCY_MS, cpus=split.load) as sandbox,
        common.database(options.database, name="bench_throughput") as database_url,
    ):
        env = common.environment(database_url, settings=common.PEER_SETTINGS)
        common.setup_django(env)
        from django.db import connection

        organization = portal_data.create_organization(name="Benchmark office", api_base=sandbox.base_url)
        usernames = [
            p.username
            for p in portal_data.create_people(
                organization, prefix="officeadmin", count=people, group="Office admins", staff=True
            )
        ]
        meetings = [m.pk for m in portal_data.create_meetings(organization, prefix="tp", count=people, sandbox=sandbox)]
        vendor = connection.vendor
        common.close_django_connections()

        with processes.gunicorn(env, workers=workers, threads=threads, name=GUNICORN_NAME, cpus=split.server) as server:
            sides = run(server, sandbox, usernames, meetings, options.seconds)
        stale = [pk for pk, title, there in final_titles(sandbox, meetings) if title != there]
        common.close_django_connections()

    return report(sides, stale, workers=workers, threads=threads, people=people, vendor=vendor, options=options)


def run(server: processes.Gunicorn, sandbox: processes.Sandbox, usernames, meetings, seconds) -> dict[str, Side]:
    users = [portal_user.PortalUser(server.base_url, username) for username in usernames]
    for user in users:
        user.login()
    forms = {
        "portal": [user.open_meeting(pk) for user, pk in zip(users, meetings, strict=True)],
        **{
            name: [user.open_peer_meeting(site, pk) for user, pk in zip(users, meetings, strict=True)]
            for name, site in PEER_SITES.items()
        },
    }
    sides = {name: Side() for name in SIDES}
    for name in ORDER:
        window(name, sides[name], server, sandbox, users, meetings, forms[name], seconds)
    return sides


def window(name, side: Side, server, sandbox, users, meetings, forms, seconds) -> None:
    """Everyone saves through `name` for WARMUP_SECONDS plus `seconds`; what finished in `seconds` counts."""
    dingtalk = common.portal().DingTalkClient(sandbox.base_url)
    probed = sandbox.meetings()
    started = time.monotonic()
    measured = (started + WARMUP_SECONDS, started + WARMUP_SECONDS + seconds)
    lock = threading.Lock()
    probes = [0]
    cpu_at_start = {}

    def save(user, pk, fields, number):
        title = f"{user.username} {name} {number}"
        if name == "portal":
            return user.save_meeting(pk, fields, title=title)
        return user.save_peer_meeting(PEER_SITES[name], pk, fields, title=title)

    def person(user, pk, fields):
        number = 0
        while time.monotonic() < measured[1]:
            number += 1
            try:
                reply = save(user, pk, fields, number)
            except Exception as error:  # noqa: BLE001 -- counted with its reason, and fails the run
                with lock:
                    side.failures.append(f"{user.username}: {type(error).__name__}: {error}")
                return
            with lock:
                side.statuses.append(reply.status)
            if reply.saved:
                portal_user.form_after_save(fields)
                with lock:
                    side.all_saves += 1
                    if measured[0] <= time.monotonic() <= measured[1]:
                        side.saves += 1
                        side.latencies.append(reply.seconds)
            elif reply.status < 500 and name == "portal":
                fields.clear()
                fields.update(user.open_meeting(pk))  # not saved: start again from the page, as a person would

    def probe():
        while time.monotonic() < measured[1]:
            time.sleep(0.1)
            begun = time.perf_counter()
            dingtalk.get_schedule_conference(
                access_token=common.SANDBOX_TOKEN,
                creator_union_id=common.CREATOR,
                schedule_conference_id=next(iter(probed)),
            )
            probes[0] += 1
            if measured[0] <= time.monotonic() <= measured[1]:
                side.round_trips.append(time.perf_counter() - begun)

    def meter():
        time.sleep(max(0.0, measured[0] - time.monotonic()))
        cpu_at_start.update(cpu_now(server, sandbox))
        time.sleep(max(0.0, measured[1] - time.monotonic()))
        for key, value in cpu_now(server, sandbox).items():
            side.cpu[key] += value - cpu_at_start[key]

    sandbox.clear_calls()
    threads = [threading.Thread(target=person, args=args) for args in zip(users, meetings, forms, strict=True)]
    threads += [threading.Thread(target=probe), threading.Thread(target=meter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=common.HTTP_TIMEOUT + seconds + WARMUP_SECONDS)
    side.seconds += seconds
    calls = sandbox.calls()
    side.dingtalk_calls += len(calls) - probes[0]
    side.updates += sum(1 for call in calls if call["api"] == "update" and call["status"] == 200)


def cpu_now(server: processes.Gunicorn, sandbox: processes.Sandbox) -> dict[str, float]:
    return {
        "gunicorn workers": server.workers_cpu_seconds(),
        "sandbox": processes.process_cpu_seconds([sandbox.process.pid]),
        "load generator": processes.process_cpu_seconds([os.getpid()]),
    }


def final_titles(sandbox: processes.Sandbox, meetings: list[int]):
    """(pk, the portal's title, DingTalk's title) of every meeting: after all windows they must agree."""
    Meeting = common.portal().Meeting
    there = sandbox.meetings()
    for meeting in Meeting.objects.filter(pk__in=meetings):
        yield meeting.pk, meeting.title, there[meeting.schedule_conference_id]["title"]


def served_seconds(log_path, pattern: re.Pattern) -> list[float]:
    """How long gunicorn took for each save it answered with a redirect, from its access log."""
    return [int(m.group(1)) / 1000 for m in map(pattern.search, log_path.read_text().splitlines()) if m]


def report(sides: dict[str, Side], stale, *, workers, threads, people, vendor, options) -> int:
    print(
        f"Saves under gunicorn ({workers} workers x {threads} threads, {people} people, sandbox at {LATENCY_MS} ms, "
        f"{vendor}); windows {', '.join(ORDER)}, {options.seconds:g} s each after {WARMUP_SECONDS} s warm-up"
    )
    achieved, errors = {}, 0
    for name, side in sides.items():
        trips = side.dingtalk_calls / max(1, side.all_saves)
        limit = workers * threads / (round(trips) * LATENCY_MS / 1000) if round(trips) else float("inf")
        achieved[name] = side.saves / side.seconds
        server_errors = sum(1 for status in side.statuses if status >= 500)
        errors += server_errors + len(side.failures)
        if side.updates != side.all_saves:
            side.failures.append(f"{side.all_saves} saves confirmed, {side.updates} updates DingTalk accepted")
            errors += 1
        cpu = side.cpu
        print(f"  {name}")
        print(
            f"    achieved {achieved[name]:6.1f} saves/s = {achieved[name] / limit:.2f} of the limit {limit:.1f} = "
            f"{workers} x {threads} / ({trips:.2f} round trips x {LATENCY_MS} ms); {side.saves} saves, "
            f"{server_errors} server errors, {len(side.failures)} failed requests"
        )
        if side.round_trips:
            print(f"    DingTalk round trip meanwhile: median {common.median_ms(side.round_trips):.1f} ms")
        if side.latencies:
            print(f"    save latency (the person's): median {common.median_ms(side.latencies):.1f} ms")
        served = served_seconds(processes.gunicorn_log(GUNICORN_NAME), SAVE_LINES[name])
        if served:
            # Little's law: threads busy = saves/s x the mean time a save holds one (the median hides the
            # long waits of a queue, such as SQLite's write lock).
            mean_ms = sum(served) / len(served) * 1000
            busy = achieved[name] * mean_ms / 1000 / (workers * threads)
            print(
                f"    gunicorn's time per save (its access log): median {common.median_ms(served):.1f} ms, mean "
                f"{mean_ms:.1f} ms; threads busy {busy:.0%}"
            )
        per_save = cpu["gunicorn workers"] / max(1, side.saves) * 1000
        print(
            f"    CPU: gunicorn workers {cpu['gunicorn workers'] / side.seconds:.2f} cores ({per_save:.1f} ms per "
            f"save), sandbox {cpu['sandbox'] / side.seconds:.2f}, load generator "
            f"{cpu['load generator'] / side.seconds:.2f}"
        )
        for failure in side.failures[:5]:
            print(f"    failed: {failure}")
    if stale:
        print(f"  FAILED: {len(stale)} meetings differ between the portal and DingTalk: {stale[:10]}")
    ok = common.verdict(
        "throughput, portal / careful admin hook", achieved["portal"] / achieved["careful hook"], TARGET, at_most=False
    )
    print(
        f"RESULT throughput, portal / careful + durable: {achieved['portal'] / achieved['careful + durable']:.2f} "
        "(report only)",
        flush=True,
    )
    print(
        f"RESULT throughput server errors and failed requests, both sides: {errors} (target 0) "
        f"{'ok' if not errors else 'MISSED'}",
        flush=True,
    )
    return 0 if ok and not errors and not stale else 1


if __name__ == "__main__":
    raise SystemExit(main())
