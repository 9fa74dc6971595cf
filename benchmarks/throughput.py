"""Benchmark 5: saves per second under gunicorn against the theoretical limit.

The portal runs under gunicorn with its production config file; GUNICORN_WORKERS and GUNICORN_THREADS
come from the environment (default here 2 x 4). The sandbox, in its own process, answers every DingTalk
call after 50 ms. A save holds a gunicorn thread for its DingTalk round trips (the sandbox's log says
how many), so at most

    limit = workers x threads / (round trips per save x latency)

saves can finish per second. Six times as many people as threads, each with their own meeting, save
over and over (real logins, CSRF tokens, the edit form), so every thread always has a save waiting;
saves finishing inside the measured window count. (One Python process sends every request: with three
people a thread it fell behind, and a quarter of gunicorn's threads sat idle. The line "threads busy",
from gunicorn's own access log, shows whether the portal or the load was measured.) Meanwhile a probe
times bare round trips to the sandbox, which under this load take longer than its 50 ms: the limit at
that measured latency is printed too, to tell the sandbox's share of a shortfall from the portal's.

    .venv/bin/python -m benchmarks.throughput [--database sqlite|postgres] [--seconds 15]

Target: achieved / limit >= 0.8.
"""

from __future__ import annotations

import argparse
import os
import re
import threading
import time

from . import common

LATENCY_MS = 50
TARGET = 0.8
WARMUP_SECONDS = 3
PEOPLE_PER_THREAD = 6
GUNICORN_NAME = "throughput"  # names its log in var/bench/


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, postgres, or a postgres:// URL (bench*)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the measured window")
    options = parser.parse_args(argv)
    workers = int(os.environ.get("GUNICORN_WORKERS") or 2)
    threads = int(os.environ.get("GUNICORN_THREADS") or 4)
    people = PEOPLE_PER_THREAD * workers * threads

    with common.sandbox(latency_ms=LATENCY_MS) as sandbox, common.database(
        options.database, name="bench_throughput"
    ) as database_url:
        env = common.environment(database_url)
        common.setup_django(env)
        from django.db import connection

        organization = common.create_organization(name="Benchmark office", api_base=sandbox.base_url)
        usernames = [p.username for p in common.create_people(
            organization, prefix="officeadmin", count=people, group="Office admins")]
        meetings = [m.pk for m in common.create_meetings(organization, prefix="tp", count=people, sandbox=sandbox)]
        vendor = connection.vendor
        common.close_django_connections()

        with common.gunicorn(env, workers=workers, threads=threads, name=GUNICORN_NAME) as base_url:
            finished, statuses, trips_per_save, round_trips = run(
                base_url, sandbox, usernames, meetings, options.seconds
            )

    achieved = len(finished) / options.seconds
    limit = workers * threads / (round(trips_per_save) * LATENCY_MS / 1000)
    server_errors = sum(1 for status in statuses if status >= 500)
    print(f"Saves under gunicorn ({workers} workers x {threads} threads, {people} people, sandbox at "
          f"{LATENCY_MS} ms, {vendor}), {options.seconds:g} s window")
    print(f"  achieved {achieved:6.1f} saves/s   ({len(finished)} saves, {trips_per_save:.2f} DingTalk round trips "
          f"each, {server_errors} server errors)")
    print(f"  limit    {limit:6.1f} saves/s   = {workers} x {threads} / ({round(trips_per_save)} x {LATENCY_MS} ms)")
    if round_trips:
        measured = common.median_ms(round_trips)
        at_measured = workers * threads / (round(trips_per_save) * measured / 1000)
        print(f"  limit    {at_measured:6.1f} saves/s   at the round trip measured meanwhile, {measured:.1f} ms "
              f"({achieved / at_measured:.2f} of it)")
    if finished:
        print(f"  save latency: median {common.median_ms(finished):.1f} ms")
    served = served_seconds(common.gunicorn_log(GUNICORN_NAME))
    if served:
        served_ms = common.median_ms(served)
        busy = achieved * served_ms / 1000 / (workers * threads)
        print(f"  gunicorn's time per save: median {served_ms:.1f} ms (its access log), threads busy {busy:.0%}")
    ok = common.verdict("throughput / theoretical limit", achieved / limit, TARGET, at_most=False)
    return 0 if ok and not server_errors else 1


def served_seconds(log_path) -> list[float]:
    """How long gunicorn took for each save it answered with a redirect, from its access log."""
    saves = re.compile(r'"POST /meetings/\d+/edit/ HTTP/[\d.]+" 302 \S+ (\d+)ms ')
    return [int(m.group(1)) / 1000 for m in map(saves.search, log_path.read_text().splitlines()) if m]


def run(base_url, sandbox, usernames, meetings, seconds):
    """Every person saves their own meeting until the window closes.

    Returns the durations of the saves that ended in the window, every HTTP status, DingTalk round trips
    per save, and the durations of the probe's round trips.
    """
    from meetings.dingtalk import client_for

    users = [common.PortalUser(base_url, username) for username in usernames]
    for user in users:
        user.login()
    forms = [user.open_meeting(pk) for user, pk in zip(users, meetings, strict=True)]
    started = time.monotonic()
    window = (started + WARMUP_SECONDS, started + WARMUP_SECONDS + seconds)
    finished: list[float] = []  # durations of the saves that ended inside the window
    saves = [0]  # all saves, for round trips per save
    lock = threading.Lock()

    def person(user, pk, fields):
        number = 0
        while time.monotonic() < window[1]:
            number += 1
            reply = user.save_meeting(pk, fields, title=f"{user.username} save {number}")
            if reply.status == 302:
                fields["version"] = str(int(fields["version"]) + 1)
                with lock:
                    saves[0] += 1
                    if window[0] <= time.monotonic() <= window[1]:
                        finished.append(reply.seconds)
            elif reply.status < 500:
                fields = user.open_meeting(pk)  # not saved: start again from the page, as a person would

    round_trips: list[float] = []
    dingtalk = client_for(sandbox.base_url)
    probed = sandbox.meetings()

    probes = [0]

    def probe():
        while time.monotonic() < window[1]:
            time.sleep(0.1)
            started = time.perf_counter()
            dingtalk.get_schedule_conference(access_token=common.SANDBOX_TOKEN, request_union_id=common.CREATOR,
                                             schedule_conference_id=next(iter(probed)))
            probes[0] += 1
            if window[0] <= time.monotonic() <= window[1]:
                round_trips.append(time.perf_counter() - started)

    sandbox.clear_calls()
    threads = [threading.Thread(target=person, args=args) for args in zip(users, meetings, forms, strict=True)]
    threads.append(threading.Thread(target=probe))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=common.HTTP_TIMEOUT + seconds + WARMUP_SECONDS)
    statuses = [status for user in users for status in user.statuses]
    saves_calls = len(sandbox.calls()) - probes[0]
    return finished, statuses, saves_calls / max(1, saves[0]), round_trips


if __name__ == "__main__":
    raise SystemExit(main())
