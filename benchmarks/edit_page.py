"""Benchmark 2: our edit page against the Django admin's change page for the same meeting.

One person (a superuser, so both pages show everything), one meeting with some history, both pages
fetched in interleaved rounds through Django's test Client in this process: the time is the server's
whole request -- middleware, session, permissions, queries, template. Opening the edit page does not
call DingTalk; saving does (see save_overhead.py).

    .venv/bin/python -m benchmarks.edit_page [--database sqlite|postgres] [--rounds 21] [--repeat 20]

Target: edit page / admin change page <= 0.7.
"""

from __future__ import annotations

import argparse

from . import common, portal_data

TARGET = 0.7
HISTORY = 30  # earlier saves of the meeting: the admin and the edit page both show who changed it last


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, postgres, or a postgres:// URL (bench*)")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args(argv)

    with common.database(options.database, name="bench_edit_page") as database_url:
        common.setup_django(common.environment(database_url))
        try:
            return run(options)
        finally:
            common.close_django_connections()


def run(options) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    MeetingChange = common.portal().MeetingChange

    organization = portal_data.create_organization(name="Benchmark office", api_base="https://api.dingtalk.com")
    (person,) = portal_data.create_people(organization, prefix="admin", count=1, superuser=True)
    meeting = portal_data.create_meetings(organization, prefix="edit", count=1)[0]
    MeetingChange.objects.bulk_create(
        MeetingChange(
            meeting=meeting,
            organization=organization,
            user=person,
            outcome=MeetingChange.Outcome.SUCCESS,
            based_on_version=n,
            old_title=f"Title {n}",
            new_title=f"Title {n + 1}",
        )
        for n in range(HISTORY)
    )
    client = Client()
    client.force_login(person)
    pages = {
        "edit page": f"/meetings/{meeting.pk}/edit/",
        "admin change page": f"/admin/meetings/meeting/{meeting.pk}/change/",
    }

    def fetch(path):
        def get():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return get

    queries = {}
    for name, path in pages.items():
        with CaptureQueriesContext(connection) as captured:
            fetch(path)()
        queries[name] = len(captured)

    samples = common.interleaved(
        {name: fetch(path) for name, path in pages.items()}, rounds=options.rounds, repeat=options.repeat
    )
    print(
        f"Time per GET, median of {options.rounds} interleaved rounds x {options.repeat} requests ({connection.vendor})"
    )
    for name, values in samples.items():
        print(f"  {name:20s} {common.median_ms(values):6.2f} ms   {queries[name]:2d} SQL queries")
    ratio = common.median_ms(samples["edit page"]) / common.median_ms(samples["admin change page"])
    return 0 if common.verdict("edit page / admin change page", ratio, TARGET) else 1


if __name__ == "__main__":
    raise SystemExit(main())
