"""Many hosts, one portal (issue 19's proof): two gunicorn processes and two `manage.py db_worker`s on one
PostgreSQL database, against the sandbox with DingTalk's rate limit armed. Every process is started as
production starts it; the test reads what the sandbox received and what the database holds.

PostgreSQL only: SQLite is one file on one machine, which is not the deployment these tests are about (and
its one writer at a time would make four processes' claims wait on each other's locks, not on the rules).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from meetings import dingtalk
from meetings.models import Meeting, MeetingImport, MeetingImportLine

from .helpers import BASE_DIR, CREATOR, PASSWORD, database_url, free_port
from .portal import Portal

pytestmark = pytest.mark.e2e

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# DingTalk's per-API limit the sandbox enforces, and the portal's budget: the same number.
BUDGET = 4
# A job whose worker died is taken over after this many seconds without a heartbeat (plus one sweep).
STALL_SECONDS = 3
START_MS = dingtalk.epoch_ms(datetime.datetime(2027, 3, 15, 9, 0, tzinfo=datetime.UTC))


@pytest.fixture
def postgresql(transactional_db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("several hosts share one PostgreSQL database; SQLite is one file on one machine")


def wait_until(condition, *, timeout: float, what: str, every: float = 0.1):
    """Poll `condition()` until it returns something true (returned), for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(every)


class Deployment:
    """Two hosts (gunicorn) and two job workers on the test database; each process in a group of its own,
    so that killing one kills whatever it started."""

    def __init__(self, tmp_path: Path, database: str):
        self.tmp_path = tmp_path
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "admin_portal.settings_test",
            "DATABASE_URL": database,
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DINGTALK_SANDBOX_ENABLED": "1",
            "DINGTALK_MAX_CALLS_PER_SECOND": str(BUDGET),
            "DINGTALK_JOB_STALL_SECONDS": str(STALL_SECONDS),
            "DINGTALK_SYNC_INTERVAL": "0",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "4",
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.hosts: dict[str, str] = {}

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "w")  # noqa: SIM115 -- open as long as the process runs
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env={**self.environment, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def start_host(self, name: str) -> str:
        port = free_port()
        self.start(
            name,
            [GUNICORN, "-c", "admin_portal/gunicorn.conf.py", "admin_portal.wsgi"],
            GUNICORN_BIND=f"127.0.0.1:{port}",
        )
        url = f"http://127.0.0.1:{port}"
        self.hosts[name] = url
        return url

    def start_worker(self, name: str) -> None:
        self.start(
            name,
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",
                "--worker-id",
                name,
            ],
        )

    def wait_for_hosts(self) -> None:
        for name, url in self.hosts.items():

            def listening(url=url, name=name):
                assert self.processes[name].poll() is None, self.log(name)
                with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                    return requests.get(url + "/accounts/login/", timeout=2).status_code == 200
                return False

            wait_until(listening, timeout=60, what=f"{name} to listen")

    def kill(self, name: str) -> None:
        """kill -9 the process and whatever it started."""
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait()

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def rate_limited(sandbox):
    """The sandbox enforces DingTalk's per-API limit at BUDGET calls a second (the session's sandbox is
    shared: the limit and the latency are put back afterwards)."""
    sandbox.state.qps = BUDGET
    yield sandbox
    sandbox.state.qps, sandbox.state.latency_ms = None, 0


@pytest.fixture
def deployment(postgresql, sandbox, tmp_path):
    from django.db import connection

    running = Deployment(tmp_path, database_url(connection.settings_dict))
    try:
        running.start_host("host-a")
        running.start_host("host-b")
        running.start_worker("worker-a")
        running.start_worker("worker-b")
        running.wait_for_hosts()
        yield running
    finally:
        running.stop()


def person_on(url: str, user) -> Portal:
    person = Portal(url)
    person.log_in(user.username, PASSWORD)
    return person


def seed_meetings(sandbox, prefix: str, count: int) -> list[str]:
    ids = [f"{prefix}-{number:03d}" for number in range(count)]
    for conference_id in ids:
        sandbox.state.upsert_meeting(
            schedule_conference_id=conference_id,
            creator_union_id=CREATOR,
            title=f"Meeting {conference_id}",
            start_time=START_MS,
            end_time=START_MS + 3_600_000,
        )
    return ids


def start_import(person: Portal, organization, conference_ids: list[str]) -> MeetingImport:
    lines = "\n".join(f"{conference_id} {CREATOR}" for conference_id in conference_ids)
    before = set(MeetingImport.objects.values_list("pk", flat=True))
    person.submit(person.get("/meetings/import/"), {"organization": str(organization.pk), "lines": lines}, action="")
    return MeetingImport.objects.exclude(pk__in=before).get()


def import_reaches(meeting_import: MeetingImport, status: str, *, timeout: float) -> MeetingImport:
    def reached():
        current = MeetingImport.objects.get(pk=meeting_import.pk)
        assert current.status != MeetingImport.Status.FAILED
        return current if current.status == status else None

    return wait_until(reached, timeout=timeout, what=f"import {meeting_import.pk} to be {status}", every=0.2)


def test_a_worker_killed_mid_import_is_replaced_by_the_other_and_every_line_is_accounted_for(
    deployment, rate_limited, sandbox, organization, office_admin
):
    sandbox.state.latency_ms = 100  # each call takes a moment: the kill lands mid-import
    conference_ids = seed_meetings(sandbox, "kill", 24)
    on_a = person_on(deployment.hosts["host-a"], office_admin)
    on_b = person_on(deployment.hosts["host-b"], office_admin)

    meeting_import = start_import(on_a, organization, conference_ids)
    import_reaches(meeting_import, MeetingImport.Status.PREVIEWED, timeout=120)
    on_b.submit(on_b.get(f"/meetings/import/{meeting_import.pk}/"), {"confirm": "1"}, action="")

    def some_lines_added():
        return meeting_import.lines.filter(result=MeetingImportLine.Result.ADDED).count() >= 3

    wait_until(some_lines_added, timeout=120, what="the run to add a few lines")
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.get(task_path="meetings.tasks.import_run_job", status="RUNNING")
    [holder] = running.worker_ids
    deployment.kill(holder)
    killed_at = time.monotonic()

    done = import_reaches(meeting_import, MeetingImport.Status.DONE, timeout=120)

    assert time.monotonic() - killed_at < 120
    other = {"worker-a": "worker-b", "worker-b": "worker-a"}[holder]
    finished_by = DBTaskResult.objects.filter(task_path="meetings.tasks.import_run_job", status="SUCCESSFUL")
    assert [result.worker_ids for result in finished_by] == [[other]]
    lines = list(done.lines.order_by("number"))
    assert [line.result for line in lines] == [MeetingImportLine.Result.ADDED] * len(conference_ids)
    assert sorted(line.meeting.schedule_conference_id for line in lines) == conference_ids
    assert Meeting.objects.count() == len(conference_ids)  # none added twice
    # The queue's record of the killed run does not say "running" forever: the sweep closes it.
    dead = wait_until(
        lambda: DBTaskResult.objects.filter(pk=running.pk, status="FAILED").first(),
        timeout=120,
        what="the killed worker's result to be marked failed",
    )
    assert dead.exception_class_path == "meetings.services.jobs.WorkerDied"
    assert not DBTaskResult.objects.filter(status="RUNNING", worker_ids__contains=[holder]).exists()


def calls_in_any_second(sandbox) -> dict[str, int]:
    """The most calls DingTalk received to each API inside any one second (a sliding second)."""
    most: dict[str, int] = {}
    by_api: dict[str, list[float]] = {}
    for call in sandbox.state.requests():
        by_api.setdefault(call["api"], []).append(call["at"])
    for api, moments in by_api.items():
        moments.sort()
        start = 0
        for end, moment in enumerate(moments):
            while moment - moments[start] >= 1.0:
                start += 1
            most[api] = max(most.get(api, 0), end - start + 1)
    return most


def start_rename(person: Portal, find: str, replace: str) -> None:
    """The preview, then its confirm button (the form that posts the previewed fields back)."""
    page = person.get(f"/meetings/bulk-rename/?find={find}&replace={replace}")
    [confirm] = [form for form in page.forms if {"csrfmiddlewaretoken", "find"} <= form["values"].keys()]
    response = person.session.post(page.url, data={**confirm["values"], "confirm": "1"}, timeout=30)
    assert "/meetings/bulk-rename/" in response.url and response.url != page.url, response.url


def test_jobs_on_both_hosts_share_one_budget_and_a_person_is_answered_at_once(
    deployment, rate_limited, sandbox, organization, office_admin
):
    from meetings.models import BulkRename
    from tests.helpers import grant

    from .helpers import TYPED, book, save

    grant(office_admin, "bulk_rename_meetings")
    first, second = seed_meetings(sandbox, "first", 8), seed_meetings(sandbox, "second", 8)
    start = datetime.datetime(2027, 3, 15, 9, 0, tzinfo=datetime.UTC)
    for number in range(6):
        book(sandbox, organization, title=f"Alpha {number}", starts_at=start)
        book(sandbox, organization, title=f"Gamma {number}", starts_at=start)
    edited = book(sandbox, organization, title="Design reveiw", starts_at=start)
    on_a = person_on(deployment.hosts["host-a"], office_admin)
    on_b = person_on(deployment.hosts["host-b"], office_admin)

    imports = [start_import(on_a, organization, first), start_import(on_b, organization, second)]
    start_rename(on_a, "Alpha", "Beta")
    start_rename(on_b, "Gamma", "Delta")
    for meeting_import in imports:
        import_reaches(meeting_import, MeetingImport.Status.PREVIEWED, timeout=180)
    on_b.submit(on_b.get(f"/meetings/import/{imports[0].pk}/"), {"confirm": "1"}, action="")
    on_a.submit(on_a.get(f"/meetings/import/{imports[1].pk}/"), {"confirm": "1"}, action="")

    began = time.monotonic()
    page = save(on_b, edited)  # a person's save while four jobs spend the background share
    answered_in = time.monotonic() - began

    assert page.messages and page.messages[0][0] == "success", page.messages
    assert Meeting.objects.get(pk=edited.pk).title == TYPED["title"]
    assert answered_in < 5, answered_in  # no wait behind the jobs' turns (DINGTALK_DEADLINE is 20 s)
    for meeting_import in imports:
        import_reaches(meeting_import, MeetingImport.Status.DONE, timeout=240)
    assert BulkRename.objects.count() == 2
    wait_until(
        lambda: BulkRename.objects.filter(status=BulkRename.Status.DONE).count() == 2,
        timeout=240,
        what="both bulk renames to finish",
        every=0.3,
    )
    assert not [call for call in sandbox.state.requests() if call["status"] == 403]  # nothing throttled
    assert max(calls_in_any_second(sandbox).values()) <= BUDGET, calls_in_any_second(sandbox)
    titles = sorted(Meeting.objects.exclude(pk=edited.pk).values_list("title", flat=True))
    assert [title for title in titles if title.startswith(("Alpha", "Gamma"))] == []
    assert MeetingImportLine.objects.filter(result=MeetingImportLine.Result.ADDED).count() == 16


def test_two_adds_of_one_meeting_at_once_under_two_organizations_register_it_once(
    deployment, sandbox, organization, app_organization, office_admin
):
    import threading

    sandbox.state.upsert_meeting(
        schedule_conference_id="added-twice",
        creator_union_id=CREATOR,
        title="Added twice",
        start_time=START_MS,
        end_time=START_MS + 3_600_000,
    )
    people = [person_on(deployment.hosts["host-a"], office_admin), person_on(deployment.hosts["host-b"], office_admin)]
    forms = [person.get("/meetings/add/") for person in people]
    together = threading.Barrier(2)
    pages = [None, None]

    def add(index, person, form, organization):
        together.wait()
        pages[index] = person.submit(
            form,
            {
                "schedule_conference_id": "added-twice",
                "creator_union_id": CREATOR,
                "organization": str(organization.pk),
            },
        )

    threads = [
        threading.Thread(target=add, args=(index, person, form, org))
        for index, (person, form, org) in enumerate(zip(people, forms, [organization, app_organization], strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Meeting.objects.filter(schedule_conference_id="added-twice").count() == 1
    outcomes = sorted(page.messages[0][0] if page.messages else "error" for page in pages)
    assert outcomes[1] == "success" and outcomes[0] != "success", [page.messages + page.errors for page in pages]
    refused = next(page for page in pages if not page.messages or page.messages[0][0] != "success")
    assert "already" in " ".join(text for _, text in refused.messages + [("", e) for e in refused.errors])


def test_ten_saves_across_both_hosts_after_the_token_was_revoked_ask_for_one_token(
    deployment, rate_limited, sandbox, app_organization, office_admin
):
    import threading

    from .helpers import TYPED, book, save

    start = datetime.datetime(2027, 3, 15, 9, 0, tzinfo=datetime.UTC)
    meetings = [book(sandbox, app_organization, title=f"Saved {number}", starts_at=start) for number in range(10)]
    people = [person_on(deployment.hosts["host-a"], office_admin), person_on(deployment.hosts["host-b"], office_admin)]
    save(people[0], meetings[0], title="Saved once")  # the portal holds a token now
    assert len(sandbox.state.requests("token")) == 1
    sandbox.state.advance(7200)  # DingTalk's clock: the token the portal keeps is dead there
    sandbox.state.clear_requests()
    together = threading.Barrier(len(meetings))
    pages = [None] * len(meetings)

    def edit(index, meeting):
        person = people[index % 2]
        form = person.get(f"/meetings/{meeting.pk}/edit/")
        together.wait()
        pages[index] = person.submit(form, {**TYPED, "title": f"Saved again {index}"})

    threads = [threading.Thread(target=edit, args=(index, meeting)) for index, meeting in enumerate(meetings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert [page.messages[0][0] for page in pages] == ["success"] * len(meetings), [p.messages for p in pages]
    assert len(sandbox.state.requests("token")) == 1
