"""Load test: many people saving meetings at once, against gunicorn and the sandbox.

20 people (10 office admins, 10 helpdesk) log in over HTTP with the login form and then, together,
make 500 save attempts: open a meeting's edit page (its CSRF token and version), post a new title,
follow the redirect as a browser does. They pick meetings at random from a shared set, so some saves
meet each other and are refused (saved by someone else, or being saved right now) -- as in an office.
The portal runs under gunicorn with its production config file (GUNICORN_WORKERS and GUNICORN_THREADS
from the environment, else the config's defaults); the DingTalk sandbox, in its own process, answers
every call after 50 ms; the organization gets its tokens from the sandbox's demo app.

Every attempt is accounted for: saved (the portal's redirect went to the edit page), refused (it went to
the form again, showing that someone else's save came first), or failed with its reason (a server error, an
unexpected status, a connection error). A GET that meets a connection closed under it is sent once more,
as a browser does, and counted; a POST is never repeated.

Then it checks, and exits non-zero if any fails:
- every attempt was made and none failed; no response was a server error (5xx);
- exactly one audit row (MeetingChange) per save attempt, and one SUCCESS row per save the portal
  confirmed with its redirect, and one update DingTalk accepted per SUCCESS row;
- nothing was lost: every meeting's title and times in the portal are DingTalk's, and its title is
  the one of its last successful save.

All traffic goes to 127.0.0.1; the run stops after --saves attempts or --time-limit seconds.

    .venv/bin/python -m benchmarks.load [--database sqlite|postgres|postgres://.../load_test]
"""

from __future__ import annotations

import argparse
import collections
import random
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import common, portal_data, portal_user, processes

OFFICE_ADMINS = "Office admins"
# The edit page's section for a save refused because another save came first (or is being made).
SAVED_ELSEWHERE = 'aria-labelledby="saved-elsewhere"'
HELPDESK = "Helpdesk"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite, postgres (database load_test), or a postgres:// URL of a load*/bench* database",
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--saves", type=int, default=500, help="save attempts in all")
    parser.add_argument("--meetings", type=int, default=60)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds; attempts stop after it")
    parser.add_argument("--seed", type=int, default=6)
    options = parser.parse_args(argv)

    with (
        processes.sandbox(latency_ms=options.latency_ms) as sandbox,
        common.database(options.database, name="load_test") as database_url,
    ):
        env = common.environment(database_url)
        common.setup_django(env)
        from django.db import connection

        vendor = connection.vendor
        organization = portal_data.create_organization(name="Load test office", api_base=sandbox.base_url, app=True)
        admins = options.users // 2
        people = portal_data.create_people(organization, prefix="officeadmin", count=admins, group=OFFICE_ADMINS)
        people += portal_data.create_people(
            organization, prefix="helpdesk", count=options.users - admins, group=HELPDESK
        )
        meetings = portal_data.create_meetings(organization, prefix="load", count=options.meetings, sandbox=sandbox)
        common.close_django_connections()

        with processes.gunicorn(env, name=f"load-{vendor}") as server:
            attempts, seconds = run(server.base_url, [p.username for p in people], [m.pk for m in meetings], options)
        calls = sandbox.calls()
        report(attempts, calls, seconds=seconds, vendor=vendor, options=options)
        failures = check(attempts, calls, sandbox.meetings(), options=options)
        common.close_django_connections()

    for failure in failures:
        print(f"FAILED: {failure}")
    print("RESULT load test:", "ok" if not failures else f"{len(failures)} checks FAILED", flush=True)
    return 0 if not failures else 1


SAVED, REFUSED, FAILED = "saved", "refused", "failed"


@dataclass
class Attempt:
    """One save attempt as the person saw it: saved, refused, or failed (with the reason)."""

    number: int
    username: str
    pk: int
    title: str
    outcome: str = FAILED
    status: int | None = None  # the save's (the POST's) HTTP status, if it got one
    confirmed: bool = False  # the portal's redirect said saved
    seconds: float = 0.0
    reason: str = ""


def run(base_url: str, usernames: list[str], meetings: list[int], options):
    """Every person logs in, then they make save attempts together until --saves or --time-limit.

    Returns (the attempts, every HTTP status seen, the GETs sent twice) and the seconds the attempts took.
    """
    users = [portal_user.PortalUser(base_url, username) for username in usernames]
    for user in users:
        user.login()
    for user in users:
        user.retries.clear()  # only the attempts' retries are reported
    tickets = iter(range(options.saves))
    lock = threading.Lock()
    attempts: list[Attempt] = []
    ends_at = time.monotonic() + options.time_limit

    def person(user: portal_user.PortalUser, rng: random.Random) -> None:
        while time.monotonic() < ends_at:
            with lock:
                number = next(tickets, None)
            if number is None:
                return
            attempt = Attempt(number, user.username, rng.choice(meetings), f"{user.username} attempt {number}")
            try:
                attempt_save(user, attempt)
            except Exception as error:  # noqa: BLE001 -- any error is this attempt's outcome, kept with its reason
                attempt.outcome, attempt.reason = FAILED, f"{type(error).__name__}: {error}"
            with lock:
                attempts.append(attempt)

    threads = [
        threading.Thread(target=person, args=(user, random.Random(options.seed * 1000 + n)))
        for n, user in enumerate(users)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=options.time_limit + common.HTTP_TIMEOUT * 3)
    statuses = [status for user in users for status in user.statuses]
    retries = [retry for user in users for retry in user.retries]
    return (attempts, statuses, retries), time.monotonic() - started


def attempt_save(user: portal_user.PortalUser, attempt: Attempt) -> None:
    """Open the meeting, post the new title, follow the redirect; the outcome goes into `attempt`."""
    page = user.get(f"/meetings/{attempt.pk}/edit/")
    fields = portal_user.form_fields(page.page)
    if page.status != 200 or "version" not in fields:
        attempt.reason = f"the edit page did not open: HTTP {page.status}"
        return
    reply = user.save_meeting(attempt.pk, fields, title=attempt.title)
    attempt.status, attempt.seconds = reply.status, reply.seconds
    if reply.status != 302:
        attempt.reason = f"the save answered HTTP {reply.status}"
        return
    # The redirect, as a browser follows it: the edit page, or the form again with the reason.
    page = user.get(urlsplit(reply.location)._replace(scheme="", netloc="").geturl())
    attempt.confirmed = reply.saved
    if reply.saved:
        attempt.outcome = SAVED
    elif page.status == 200 and SAVED_ELSEWHERE in page.page:
        attempt.outcome = REFUSED  # someone else's save came first (checked against the audit rows)
    else:
        attempt.reason = f"not saved, and not for someone else's save: HTTP {page.status} at {reply.location}"


def check(run_result, calls: list[dict], in_dingtalk: dict[str, dict], *, options) -> list[str]:
    """The checks that fail the run, each as a sentence."""
    Meeting, MeetingChange = common.portal().Meeting, common.portal().MeetingChange

    attempts, statuses, _retries = run_result
    failures = []
    missing = sorted(set(range(options.saves)) - {attempt.number for attempt in attempts})
    if missing:
        failures.append(f"{len(missing)} of {options.saves} attempts were not made (time limit?): {missing[:10]}")
    failures += [f"attempt {a.number} by {a.username} failed: {a.reason}" for a in attempts if a.outcome == FAILED]
    server_errors = collections.Counter(status for status in statuses if status >= 500)
    if server_errors:
        failures.append(f"server errors: {dict(server_errors)}")
    updates = MeetingChange.objects.filter(action=MeetingChange.Action.UPDATE)
    if updates.count() != len(attempts):
        failures.append(f"{updates.count()} audit rows for {len(attempts)} save attempts")
    confirmed = sum(1 for attempt in attempts if attempt.confirmed)
    succeeded = updates.filter(outcome=MeetingChange.Outcome.SUCCESS).count()
    if succeeded != confirmed:
        failures.append(f"{succeeded} SUCCESS audit rows for {confirmed} saves the portal confirmed")
    refused = sum(1 for attempt in attempts if attempt.outcome == REFUSED)
    conflicts = updates.filter(outcome=MeetingChange.Outcome.CONFLICT).count()
    if conflicts != refused:
        failures.append(f"{conflicts} CONFLICT audit rows for {refused} refused saves")
    accepted = sum(1 for call in calls if call["api"] == "update" and call["status"] == 200)
    if accepted != succeeded:
        failures.append(f"DingTalk accepted {accepted} updates, the portal recorded {succeeded}")
    for meeting in Meeting.objects.all():
        there = in_dingtalk[meeting.schedule_conference_id]
        here = (meeting.title, int(meeting.starts_at.timestamp() * 1000), int(meeting.ends_at.timestamp() * 1000))
        if here != (there["title"], there["startTime"], there["endTime"]):
            failures.append(f"meeting {meeting.pk}: portal has {here}, DingTalk has {there}")
        last = updates.filter(meeting=meeting, outcome=MeetingChange.Outcome.SUCCESS).order_by("-id").first()
        if last is not None and last.new_title != meeting.title:
            failures.append(f"meeting {meeting.pk}: last saved title {last.new_title!r}, stored {meeting.title!r}")
    outcomes = collections.Counter(updates.values_list("outcome", flat=True))
    print(f"  audit rows by outcome: {dict(outcomes)}")
    return failures


def report(run_result, sandbox_calls: list[dict], *, seconds, vendor, options) -> None:
    attempts, statuses, retries = run_result
    save_times = sorted(attempt.seconds for attempt in attempts if attempt.status is not None)
    outcomes = collections.Counter(attempt.outcome for attempt in attempts)
    calls = collections.Counter(call["api"] for call in sandbox_calls)
    print(
        f"Load test on {vendor}: {options.users} people, {len(attempts)} of {options.saves} save attempts "
        f"accounted for in {seconds:.1f} s ({len(attempts) / seconds:.1f} attempts/s), sandbox at "
        f"{options.latency_ms} ms"
    )
    print(
        f"  saved {outcomes[SAVED]}, refused {outcomes[REFUSED]} (someone else's save came first), "
        f"failed {outcomes[FAILED]}"
    )
    print(f"  GETs sent again after a dropped connection: {len(retries)}")
    for retry in retries:
        print(f"    {retry}")
    if save_times:
        p95 = save_times[min(len(save_times) - 1, int(len(save_times) * 0.95))]
        print(f"  save request: median {statistics.median(save_times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"  HTTP responses: {dict(sorted(collections.Counter(statuses).items()))}")
    print(f"  DingTalk calls: {dict(sorted(calls.items()))}")


if __name__ == "__main__":
    raise SystemExit(main())
