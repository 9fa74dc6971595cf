"""Benchmark 4: the meeting list with 100 and with 10,000 meetings.

Two worker processes, each with its own fresh database -- one holding 100 meetings, one 10,000 -- serve
the list to the same kind of person (an office admin, member of the organization) through Django's test
Client. This process asks them for batches of requests in alternation (interleaved rounds), so both are
measured side by side in one run, and compares the SQL queries of each page.

    .venv/bin/python -m benchmarks.meeting_list [--database sqlite|postgres] [--rounds 21] [--repeat 20]

Targets: the same number of queries on every page, and (10,000) / (100) time per page <= 1.5.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from . import common, portal_data

SIZES = (100, 10_000)
TARGET = 1.5
# Pages both lists have (25 meetings a page): the first, and one further in.
PAGES = ("/meetings/", "/meetings/?page=4")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="sqlite or postgres")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        return worker(options)

    workers = {
        size: subprocess.Popen(
            [sys.executable, "-m", "benchmarks.meeting_list", "--worker", str(size), "--database", options.database],
            cwd=common.ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for size in SIZES
    }
    try:
        ready = {size: json.loads(process.stdout.readline()) for size, process in workers.items()}

        def batch(size):
            process = workers[size]
            process.stdin.write(f"{options.repeat}\n")
            process.stdin.flush()
            return float(process.stdout.readline())

        for size in SIZES:
            batch(size)  # warm-up
        samples = {size: [] for size in SIZES}
        for number in range(options.rounds):
            for size in SIZES[number % 2 :] + SIZES[: number % 2]:
                samples[size].append(batch(size) / options.repeat)
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait(timeout=60)

    small, large = SIZES
    print(
        f"Meeting list, first page, median of {options.rounds} interleaved rounds x {options.repeat} requests "
        f"({ready[small]['vendor']})"
    )
    for size in SIZES:
        queries = ", ".join(f"{page}: {count}" for page, count in ready[size]["queries"].items())
        print(f"  {size:6,d} meetings  {common.median_ms(samples[size]):6.2f} ms   SQL queries per page {queries}")
    same_queries = ready[small]["queries"] == ready[large]["queries"]
    print(f"RESULT queries per page equal for {small:,} and {large:,} meetings: {same_queries}", flush=True)
    ratio = common.median_ms(samples[large]) / common.median_ms(samples[small])
    ok = common.verdict(f"list time, {large:,} / {small:,} meetings", ratio, TARGET)
    return 0 if ok and same_queries else 1


def worker(options) -> int:
    """One database with `options.worker` meetings; answers "N" on stdin with the seconds N requests took."""
    with common.database(options.database, name=f"bench_list_{options.worker}") as database_url:
        common.setup_django(common.environment(database_url))
        try:
            serve(options.worker)
        finally:
            common.close_django_connections()
    return 0


def serve(size: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    organization = portal_data.create_organization(name="Benchmark office", api_base="https://api.dingtalk.com")
    (person,) = portal_data.create_people(organization, prefix="admin", count=1, group="Office admins")
    portal_data.create_meetings(organization, prefix="list", count=size)
    with connection.cursor() as cursor:
        # Table statistics, as a live database has them (PostgreSQL's autovacuum would gather them within a
        # minute of these inserts): without them the planner guesses a handful of rows per organization.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    client = Client()
    client.force_login(person)
    queries = {}
    for page in PAGES:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page)
        assert response.status_code == 200 and b"list meeting" in response.content, page
        queries[page] = len(captured)
    print(json.dumps({"vendor": connection.vendor, "queries": queries}), flush=True)
    for line in sys.stdin:
        started = time.perf_counter()
        for _ in range(int(line)):
            client.get(PAGES[0])
        print(time.perf_counter() - started, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
