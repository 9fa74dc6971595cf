"""Benchmark 6: a bulk rename's renames per second against DingTalk's rate limit, and its throttled calls.

200 meetings are renamed by one job (services.bulk_rename_run, as the db_worker task runs it, here in
this process) against the sandbox in its own process, answering after 50 ms and throttling each API at
20 calls per second (DINGTALK_SANDBOX_QPS=20: QpsLimitForApi past it). A rename reads the meeting (query
API) and updates it (update API): two APIs, each with its own 20 per second, so at most

    limit = 20 renames/s

The job paces its calls per organization and API (meetings/dingtalk/pacing.py,
DINGTALK_MAX_CALLS_PER_SECOND=20) and saves BULK_RENAME_THREADS meetings at once; a throttled reply is
retried after about a second. The sandbox's request log counts the throttled replies.

    .venv/bin/python -m benchmarks.bulk_rename [--database sqlite|postgres] [--meetings 200]

Targets: renames/s / limit >= 0.8, throttled calls <= 1 % of all calls.
"""

from __future__ import annotations

import argparse
import os
import time

from . import common, portal_data, processes

LATENCY_MS = 50
QPS = 20
TARGET = 0.8
MAX_THROTTLED = 0.01


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, postgres, or a postgres:// URL (bench*)")
    parser.add_argument("--meetings", type=int, default=200, help="how many meetings the job renames")
    options = parser.parse_args(argv)

    os.environ["DINGTALK_SANDBOX_QPS"] = str(QPS)  # the sandbox process reads it at start
    with (
        processes.sandbox(latency_ms=LATENCY_MS) as sandbox,
        common.database(options.database, name="bench_bulk_rename") as database_url,
    ):
        env = common.environment(database_url)
        env["DINGTALK_MAX_CALLS_PER_SECOND"] = str(QPS)
        common.setup_django(env)
        from django.conf import settings
        from django.db import connection

        from meetings import services
        from meetings.models import BulkRenameItem

        organization = portal_data.create_organization(name="Benchmark office", api_base=sandbox.base_url)
        [person] = portal_data.create_people(organization, prefix="officeadmin", count=1, group="Office admins")
        portal_data.create_meetings(organization, prefix="bulk", count=options.meetings, sandbox=sandbox)
        job = services.bulk_rename_start(by=person, rename=services.Rename(find="bulk meeting", replace="renamed"))
        sandbox.clear_calls()

        started = time.perf_counter()
        services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)
        elapsed = time.perf_counter() - started

        states = dict(job.items.order_by().values_list("state").annotate(**_count()).values_list("state", "n"))
        calls = [call for call in sandbox.calls() if call["api"] in {"query", "update"}]
        renamed_in_dingtalk = sum(1 for m in sandbox.meetings().values() if m["title"].startswith("renamed"))
        vendor, threads = connection.vendor, settings.BULK_RENAME_THREADS
        common.close_django_connections()

    renamed = states.get(BulkRenameItem.State.RENAMED, 0)
    throttled = sum(1 for call in calls if call["status"] == 403)
    rate = renamed / elapsed
    print(
        f"Bulk rename of {options.meetings} meetings ({threads} threads, sandbox at {LATENCY_MS} ms and {QPS} "
        f"calls/s per API, {vendor})"
    )
    print(
        f"  renamed  {renamed} in the portal, {renamed_in_dingtalk} in DingTalk, {states.get('failed', 0)} failed, "
        f"in {elapsed:.1f} s"
    )
    print(f"  achieved {rate:6.1f} renames/s   limit {QPS} renames/s (a read and an update, each {QPS}/s)")
    print(f"  calls    {len(calls)} ({throttled} throttled)")
    ok = common.verdict("bulk_rename renames/s vs limit", rate / QPS, TARGET, at_most=False)
    ok &= common.verdict("bulk_rename throttled share", throttled / max(len(calls), 1), MAX_THROTTLED)
    ok &= renamed == options.meetings == renamed_in_dingtalk
    return 0 if ok else 1


def _count():
    from django.db.models import Count

    return {"n": Count("id")}


if __name__ == "__main__":
    raise SystemExit(main())
