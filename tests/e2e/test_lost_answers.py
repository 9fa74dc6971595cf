"""Issue 15, replayed against the sandbox with real processes: a save whose answer arrives too late, and a
portal killed in the middle of a save. Nobody's change is silently lost; the portal and DingTalk agree.

The sandbox's `slow` fault sleeps, then applies the update: exactly DingTalk acting after the portal
stopped waiting. Timeouts and the lease are shortened so each test takes seconds, not minutes -- but never
so short that a busy machine decides the outcome: each step waits for its event (poll with a generous
bound), and "the wait is over" is the test moving the meeting's lock into the past, as time would.
"""

import datetime
import html
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from meetings import texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import grant

from .helpers import (
    BASE_DIR,
    CREATOR,
    FLAGS_AS_SHOWN,
    PASSWORD,
    TYPED,
    database_url,
    edit_path,
    free_port,
    in_dingtalk,
    said_unknown,
    save,
    the_update,
    wait_for_replies,
    wait_is_over,
)
from .portal import Portal

pytestmark = pytest.mark.e2e

# Generous against a busy machine: the read before the update must be answered within READ_TIMEOUT.
READ_TIMEOUT = 3.0
SLOW = 4.0  # longer than the read timeout, within twice it: DingTalk applies after the portal gave up
# How long a polling step waits for its event at most (it returns as soon as the event is there).
BOUND = 60


def wait_goes_on(meeting, change) -> datetime.datetime:
    """The wait lasts however long the test needs (a busy machine must not end it under a step): the lock
    and the pending row's wait move an hour on. Returns the new end."""
    until = timezone.now() + datetime.timedelta(hours=1)
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=until)
    MeetingChange.objects.filter(pk=change.pk).update(check_after=until)
    return until


def save_too_late(portal, sandbox, meeting, settings):
    """Olga saves "Design review (late)"; DingTalk applies it only after the read timeout. Returns her
    page and the audit row, which is unknown."""
    settings.DINGTALK_READ_TIMEOUT = READ_TIMEOUT
    sandbox.state.arm_fault("slow", api="update", count=1, seconds=SLOW)
    page = save(portal, meeting, title="Design review (late)")
    change = the_update(meeting)
    assert change.outcome == MeetingChange.Outcome.UNKNOWN
    return page, change


def test_a_late_arrival_is_never_overwritten_and_never_lost(portal, colleague, sandbox, meeting, settings):
    page, change = save_too_late(portal, sandbox, meeting, settings)

    assert said_unknown(page.messages, texts.OUTCOME_UNKNOWN), page.messages
    assert len(sandbox.state.requests("update")) == 1  # tried once: a retry could land even later

    # Bruno opens the meeting during the wait: he sees the check, and his save is refused, sent nowhere.
    wait_goes_on(meeting, change)
    opened = colleague.get(edit_path(meeting))
    assert 'class="pending-check"' in opened.html and "data-poll-live" in opened.html
    assert re.search(r'<button type="submit" class="primary" disabled>', opened.html)
    refused = colleague.submit(opened, {**TYPED, "title": "Design review (final)"})
    assert said_unknown(refused.messages, texts.WAITING_FOR_CHECK), refused.messages
    assert len(sandbox.state.requests("update")) == 1
    wait_for_replies(sandbox)
    assert in_dingtalk(sandbox, meeting) == "Design review (late)"  # DingTalk did apply it, late

    # After the wait Bruno opens the meeting again: the portal has checked, and his form starts from it.
    wait_is_over(meeting)
    opened = colleague.get(edit_path(meeting))
    change.refresh_from_db()
    assert change.outcome_label == "Unknown → succeeded (checked with DingTalk)"
    assert [level for level, _ in opened.messages] == ["success"]
    assert opened.messages[0][1].startswith("Checked with DingTalk: the change saved by olga at ")
    assert (opened.value("title"), opened.value("version")) == ("Design review (late)", "2")

    # His save now goes on top of Olga's, knowingly; DingTalk and the portal agree on it.
    saved = colleague.submit(opened, {**TYPED, "title": "Design review (final)"})
    assert [level for level, _ in saved.messages] == ["success"]
    wait_for_replies(sandbox)
    assert in_dingtalk(sandbox, meeting) == "Design review (final)"
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.title, stored.version, stored.update_lease_until) == ("Design review (final)", 3, None)
    history = [
        (change.user.username, change.outcome_label)
        for change in MeetingChange.objects.filter(meeting=meeting).order_by("created_at", "id")
    ]
    assert history == [
        ("olga", "Unknown → succeeded (checked with DingTalk)"),
        ("bruno", "Stopped: changed elsewhere"),
        ("bruno", "Succeeded"),
    ]


def test_the_job_queue_checks_it_when_nobody_opens_the_page(portal, sandbox, meeting, settings, task_worker):
    page, change = save_too_late(portal, sandbox, meeting, settings)
    # The page asks the check endpoint (static/js/poll.js) just after the wait, then goes to the page of Olga's
    # submission, which says the answer; a plain link without script.
    reload = re.search(r'data-poll-seconds="(\d+)" data-poll-next="(\?submission=\w+)"', page.html)
    assert reload and 2 <= int(reload[1]) <= 2 * READ_TIMEOUT + 4

    # Nobody looks: the worker's job, queued for check_after, reads DingTalk.
    deadline = time.monotonic() + BOUND
    while MeetingChange.objects.get(pk=change.pk).checked_at is None:
        assert time.monotonic() < deadline, (task_worker.poll(), MeetingChange.objects.get(pk=change.pk).outcome)
        time.sleep(0.2)

    assert MeetingChange.objects.get(pk=change.pk).outcome == MeetingChange.Outcome.SUCCESS
    assert Meeting.objects.get(pk=meeting.pk).title == "Design review (late)"
    # The page Olga left open goes to where it says the answer.
    answered = portal.get(edit_path(meeting) + reload[2])
    assert [level for level, _ in answered.messages] == ["success"]
    assert answered.messages[0][1].startswith("Checked with DingTalk: your change was saved after all.")
    assert "pending-check" not in answered.html


# --- a portal killed in the middle of a save -------------------------------------------------------


def start_gunicorn(tmp_path):
    """The portal under gunicorn (its production config file), as its own process group, on the test
    database; with a 10 s read timeout, a 20 s deadline and the least lease the settings allow (20 + 2 x 10 s):
    the test's kill must come while the update is with DingTalk, and a busy machine must not end that first.
    Returns (process, base URL, its environment)."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "admin_portal.settings_test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DINGTALK_SANDBOX_ENABLED": "1",
        "DINGTALK_READ_TIMEOUT": "10",
        "DINGTALK_DEADLINE": "20",
        "DINGTALK_UPDATE_LEASE": "40",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "admin_portal/gunicorn.conf.py", "admin_portal.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/accounts/login/", timeout=5)
            return process, url, env
        except (requests.ConnectionError, requests.Timeout):
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
    raise AssertionError(log.read_text())


def check_saves(env):
    """`manage.py check_saves`, as cron runs it; its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", "check_saves"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_a_save_cut_off_by_a_killed_portal_is_checked_with_dingtalk(portal, sandbox, meeting, tmp_path):
    process, url, env = start_gunicorn(tmp_path)
    olga = Portal(url)
    olga.log_in("olga", PASSWORD)
    # DingTalk is applying it (for 8 s: the kill below comes as soon as the update arrives, but a busy
    # machine may take a while to deliver it; within the portal's 10 s read timeout)...
    sandbox.state.arm_fault("slow", api="update", count=1, seconds=8.0)
    opened = olga.get(edit_path(meeting))
    answer = []
    saving = threading.Thread(
        target=lambda: answer.append(_post_or_error(olga, opened, {**TYPED, "title": "Design review (cut off)"}))
    )
    saving.start()
    deadline = time.monotonic() + BOUND
    while not sandbox.state.requests("update"):
        assert time.monotonic() < deadline
        time.sleep(0.02)

    os.killpg(process.pid, signal.SIGKILL)  # ...when the portal dies: master and worker, no cleanup
    process.wait(timeout=BOUND)
    saving.join(timeout=BOUND)

    assert isinstance(answer[0], requests.ConnectionError)  # the person got no answer at all
    change = the_update(meeting)
    assert change.outcome == MeetingChange.Outcome.IN_PROGRESS  # written before the update went out
    wait_for_replies(sandbox)
    assert in_dingtalk(sandbox, meeting) == "Design review (cut off)"
    assert Meeting.objects.get(pk=meeting.pk).title == "Design reveiw"  # the portal does not know yet

    # The command leaves the save alone before the lease runs out (a try may still arrive)...
    wait_goes_on(meeting, change)
    early = io.StringIO()
    call_command("check_saves", stdout=early)
    assert early.getvalue() == ""
    assert the_update(meeting).outcome == MeetingChange.Outcome.IN_PROGRESS
    # ...and after it, run by cron, reads DingTalk and records what it has.
    wait_is_over(meeting)
    output = check_saves(env)

    change.refresh_from_db()
    assert output.startswith(f"Meeting {meeting.pk}: change {change.pk} Unknown → succeeded (checked with DingTalk).")
    assert change.outcome_label == "Unknown → succeeded (checked with DingTalk)"
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.title, stored.version, stored.update_lease_until) == ("Design review (cut off)", 2, None)

    # And the next save works, at once.
    page = save(portal, meeting, title="Design review (next)")
    assert [level for level, _ in page.messages] == ["success"]
    assert in_dingtalk(sandbox, meeting) == "Design review (next)"


def _post_or_error(person, page, fields, **form):
    try:
        return person.submit(page, fields, **form)
    except requests.RequestException as error:
        return error


# --- a portal killed in the middle of a booking or a cancel ----------------------------------------


def cut_off(process, sandbox, api, send):
    """`send()` in a thread; once DingTalk has the call (and works on it for 8 s, within the portal's 10 s
    read timeout), kill -9 the portal: master and worker, no cleanup. Returns what the person got."""
    sandbox.state.arm_fault("slow", api=api, count=1, seconds=8.0)
    answer = []
    sending = threading.Thread(target=lambda: answer.append(send()))
    sending.start()
    deadline = time.monotonic() + BOUND
    while not sandbox.state.requests(api):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=BOUND)
    sending.join(timeout=BOUND)
    wait_for_replies(sandbox)  # DingTalk acted, after the portal was gone
    return answer[0]


def test_a_booking_cut_off_by_a_killed_portal_ends_as_may_have_been_booked(portal, sandbox, organization, tmp_path):
    process, url, env = start_gunicorn(tmp_path)
    olga = Portal(url)
    olga.log_in("olga", PASSWORD)
    form = olga.get(reverse("meetings:create") + f"?organization={organization.pk}")
    typed = {
        "organization": str(organization.pk),
        "title": "Launch review",
        "start_time": "2027-04-01T09:00",
        "end_time": "2027-04-01T10:00",
        "creator_union_id": CREATOR,
    }

    answer = cut_off(process, sandbox, "create", lambda: _post_or_error(olga, form, typed, action=""))

    assert isinstance(answer, requests.ConnectionError)  # she got no answer at all
    assert [m.title for m in sandbox.state.meetings()] == ["Launch review"]  # DingTalk booked it
    change = MeetingChange.objects.get(action=MeetingChange.Action.CREATE)
    assert (change.outcome, change.meeting) == (MeetingChange.Outcome.IN_PROGRESS, None)
    # Before its wait is over the booking is left alone (its process could still be alive)...
    assert check_saves(env) == ""
    # ...after it, cron's check settles it: no DingTalk API finds the meeting without the create's answer,
    # so it ends as "may have been booked", never "failed", and nothing is sent again.
    MeetingChange.objects.filter(pk=change.pk).update(check_after=timezone.now() - datetime.timedelta(seconds=1))
    output = check_saves(env)

    change.refresh_from_db()
    assert change.outcome == MeetingChange.Outcome.UNKNOWN
    assert output == f"Booking {change.pk}: Unknown: may have been saved. {change.message}\n"
    assert "Launch review" in change.message and str(texts.CREATE_INTERRUPTED) in change.message
    assert len(sandbox.state.requests("create")) == 1
    # Olga, back on the booking page, is told to look for it in DingTalk before booking it again.
    page = portal.get(reverse("meetings:create"))
    assert str(texts.CREATES_UNKNOWN) in page.html and html.escape(change.message) in page.html


def test_a_cancel_cut_off_by_a_killed_portal_is_checked_with_dingtalk(portal, office_admin, sandbox, meeting, tmp_path):
    grant(office_admin, "cancel_meeting")
    process, url, env = start_gunicorn(tmp_path)
    olga = Portal(url)
    olga.log_in("olga", PASSWORD)
    confirm = olga.get(reverse("meetings:cancel", args=[meeting.pk]))

    answer = cut_off(process, sandbox, "cancel", lambda: _post_or_error(olga, confirm, {"confirm": "1"}, action=""))

    assert isinstance(answer, requests.ConnectionError)
    assert sandbox.state.get_meeting(meeting.schedule_conference_id).canceled  # DingTalk canceled it
    change = MeetingChange.objects.get(meeting=meeting, action=MeetingChange.Action.CANCEL)
    assert change.outcome == MeetingChange.Outcome.IN_PROGRESS  # written before the cancel went out
    assert not Meeting.objects.get(pk=meeting.pk).is_canceled  # the portal does not know yet

    # After the wait, whoever opens the meeting first has it checked with DingTalk.
    wait_is_over(meeting)
    page = portal.get(edit_path(meeting))

    change.refresh_from_db()
    assert change.outcome_label == "Unknown → succeeded (checked with DingTalk)"
    assert page.messages == [("warning", texts.CHECKED_CANCELED % {"person": "olga", "title": "Design reveiw"})]
    assert Meeting.objects.get(pk=meeting.pk).is_canceled
    assert len(sandbox.state.requests("cancel")) == 1


def test_a_settings_change_cut_off_by_a_killed_portal_is_checked_with_dingtalk(
    portal, office_admin, sandbox, meeting, tmp_path
):
    grant(office_admin, "change_meeting_settings")
    process, url, env = start_gunicorn(tmp_path)
    olga = Portal(url)
    olga.log_in("olga", PASSWORD)
    form = olga.get(reverse("meetings:settings", args=[meeting.pk]))
    typed = {**FLAGS_AS_SHOWN, "lock_room": "on"}

    answer = cut_off(process, sandbox, "settings_update", lambda: _post_or_error(olga, form, typed, action=""))

    assert isinstance(answer, requests.ConnectionError)
    assert sandbox.state.get_meeting(meeting.schedule_conference_id).current_settings()["lockRoom"] == 1
    change = MeetingChange.objects.get(meeting=meeting, action=MeetingChange.Action.SETTINGS)
    assert change.outcome == MeetingChange.Outcome.IN_PROGRESS  # written before the change went out

    wait_is_over(meeting)
    output = check_saves(env)  # cron's backstop this time

    change.refresh_from_db()
    assert change.outcome_label == "Unknown → succeeded (checked with DingTalk)"
    assert output == f"Meeting {meeting.pk}: change {change.pk} {change.outcome_label}. {change.message}\n"
    assert change.message == texts.CHECKED_SETTINGS_SAVED % {"person": "olga", "fields": "Lock the room: off → on"}
    assert len(sandbox.state.requests("settings_update")) == 1
    assert Meeting.objects.get(pk=meeting.pk).update_lease_until is None
