"""Bulk rename: preview, the job (each meeting through meeting_update), its progress page and results."""

import datetime
import json
import re

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from meetings import dingtalk, services, texts
from meetings.models import BulkRename, BulkRenameItem, Meeting, MeetingChange
from meetings.services import Rename
from tests.helpers import UPDATE_URL, dingtalk_error, dingtalk_has, grant, shown_messages

PAGE = reverse("meetings:bulk_rename")


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.BULK_RENAME_THREADS = 1


@pytest.fixture
def renamer(office_admin):
    grant(office_admin, "bulk_rename_meetings", "view_meetingchange")
    return office_admin


def make_meetings(organization, *titles, start=datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)):
    return [
        Meeting.objects.create(
            organization=organization,
            schedule_conference_id=f"conf-{number}",
            creator_union_id="creator-union-1",
            title=title,
            starts_at=start + datetime.timedelta(days=number),
            ends_at=start + datetime.timedelta(days=number, hours=1),
        )
        for number, title in enumerate(titles)
    ]


# --- the rename itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rename", "title", "expected"),
    [
        (Rename("Alpha", "Beta"), "Alpha weekly", "Beta weekly"),
        (Rename("Alpha", "Beta"), "Alpha/Alpha", "Beta/Beta"),
        (Rename("Team", "Team A"), "Team sync", "Team A sync"),
        (Rename("Team", "Team A"), "Team A sync", "Team A sync"),  # renamed already: unchanged
        (Rename("cat", "dog", whole_word=True), "cat catalog", "dog catalog"),
        (Rename("cat", "dog"), "cat catalog", "dog dogalog"),
        (Rename("研发", "产品"), "研发周会", "产品周会"),
    ],
)
def test_a_rename_replaces_and_is_idempotent(rename, title, expected):
    assert rename.apply(title) == expected
    assert rename.apply(rename.apply(title)) == expected


# --- preview ---------------------------------------------------------------------------------------------


def test_the_preview_lists_matching_meetings_with_the_new_title(alice_client, renamer, organization):
    make_meetings(organization, "Alpha weekly", "Alpha review", "Other")

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": "Beta"})

    rows = response.context["rows"]
    assert [(row.meeting.title, row.new_title, row.problem) for row in rows] == [
        ("Alpha weekly", "Beta weekly", ""),
        ("Alpha review", "Beta review", ""),
    ]
    assert 'name="confirm"' in response.content.decode()
    assert not BulkRename.objects.exists()


def test_the_preview_marks_the_meetings_it_leaves_out(alice_client, renamer, organization):
    too_long, canceled, busy, empty = make_meetings(
        organization, "Alpha " + "x" * 44, "Alpha canceled", "Alpha busy", "Alpha"
    )
    Meeting.objects.filter(pk=canceled.pk).update(status=Meeting.Status.CANCELED)
    Meeting.objects.filter(pk=busy.pk).update(update_lease_until=timezone.now() + datetime.timedelta(seconds=30))

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": "Longer name"})

    problems = {row.meeting.pk: row.problem for row in response.context["rows"]}
    assert problems[too_long.pk] == texts.BULK_TOO_LONG % {"limit": 50}
    assert problems[canceled.pk] == str(texts.BULK_CANCELED)
    assert problems[busy.pk] == str(texts.BULK_SAVE_RUNNING)
    assert response.context["renameable"] == 1
    # And with an empty replacement, a title of only the found text would be empty:
    response = alice_client.get(PAGE, {"find": "Alpha", "replace": ""})
    assert {row.meeting.pk: row.problem for row in response.context["rows"]}[empty.pk] == str(texts.BULK_EMPTY)


def test_the_preview_narrows_by_organization_and_dates(alice_client, renamer, organization, app_organization):
    renamer_in_both = renamer
    app_organization.members.add(renamer_in_both)
    first, second, third = make_meetings(organization, "Alpha 1", "Alpha 2", "Alpha 3")
    make_meetings(app_organization, "Alpha elsewhere", start=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC))

    response = alice_client.get(
        PAGE,
        {
            "find": "Alpha",
            "replace": "Beta",
            "organization": organization.pk,
            "date_from": "2026-12-02",
            "date_to": "2026-12-02",
        },
    )

    assert [row.meeting for row in response.context["rows"]] == [second]


def test_the_preview_shows_only_the_persons_organizations(alice_client, renamer, app_organization):
    make_meetings(app_organization, "Alpha elsewhere")

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": "Beta"})

    assert shown_messages(response) == [str(texts.BULK_NOTHING_TO_RENAME)]


def test_a_post_without_confirm_shows_the_preview_and_starts_nothing(alice_client, renamer, organization):
    make_meetings(organization, "Alpha 1")

    response = alice_client.post(PAGE, {"find": "Alpha", "replace": "Beta", "csrfmiddlewaretoken": "x"})

    assert response.url == PAGE + "?find=Alpha&replace=Beta"
    assert not BulkRename.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_to", "9999-12-31"),
        ("date_from", "0001-01-01"),
        ("date_from", "9999-12-31"),
        ("date_to", "1969-12-31"),
    ],
)
def test_dates_outside_the_years_meetings_may_have_are_a_form_error(alice_client, renamer, organization, field, value):
    make_meetings(organization, "Alpha 1")

    response = alice_client.get(PAGE, {"find": "Alpha", "replace": "Beta", field: value})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [texts.DATE_OUT_OF_RANGE]
    assert str(texts.DATE_OUT_OF_RANGE) in response.content.decode()
    assert "rows" not in response.context


def test_find_is_required(alice_client, renamer):
    response = alice_client.get(PAGE, {"find": "  ", "replace": "Beta"})

    assert response.context["form"].errors["find"] == [str(texts.BULK_FIND_REQUIRED)]


def test_bulk_rename_needs_its_permission(alice_client, office_admin):
    assert alice_client.get(PAGE).status_code == 403


# --- the job ----------------------------------------------------------------------------------------------


def dingtalk_accepts(meetings):
    for meeting in meetings:
        dingtalk_has(meeting)
    return responses.put(UPDATE_URL, json={"success": True})


@responses.activate
def test_confirm_renames_each_meeting_through_the_normal_save(
    alice_client, renamer, organization, django_capture_on_commit_callbacks
):
    meetings = make_meetings(organization, "Alpha weekly", "Alpha review")
    update = dingtalk_accepts(meetings)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(PAGE, {"find": "Alpha", "replace": "Beta", "confirm": "1"})

    job = BulkRename.objects.get()
    assert response.url == reverse("meetings:bulk_rename_job", args=[job.pk])
    assert sorted(json.loads(call.request.body)["title"] for call in update.calls) == ["Beta review", "Beta weekly"]
    assert sorted(Meeting.objects.values_list("title", flat=True)) == ["Beta review", "Beta weekly"]
    changes = MeetingChange.objects.filter(action=MeetingChange.Action.UPDATE)
    assert [(c.outcome, c.user) for c in changes] == [(MeetingChange.Outcome.SUCCESS, renamer)] * 2
    assert set(job.items.values_list("state", flat=True)) == {BulkRenameItem.State.RENAMED}
    job.refresh_from_db()
    assert job.status == BulkRename.Status.DONE


@responses.activate
def test_a_failure_never_stops_the_rest(alice_client, renamer, organization, django_capture_on_commit_callbacks):
    first, second, third = make_meetings(organization, "Alpha 1", "Alpha 2", "Alpha 3")
    for meeting in (first, second, third):
        dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    responses.put(UPDATE_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))
    responses.put(UPDATE_URL, json={"success": True})

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(PAGE, {"find": "Alpha", "replace": "Beta", "confirm": "1"})

    states = dict(BulkRenameItem.objects.values_list("meeting__title", "state"))
    assert states == {"Beta 1": "renamed", "Alpha 2": "failed", "Beta 3": "renamed"}
    failed = BulkRenameItem.objects.get(state="failed")
    assert failed.message.startswith(texts.PERMISSION_ERROR % {"detail": "not creator"})


@responses.activate
def test_running_the_same_rename_again_changes_nothing(
    alice_client, renamer, organization, django_capture_on_commit_callbacks
):
    meetings = make_meetings(organization, "Team sync", "Team review")
    dingtalk_accepts(meetings)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(PAGE, {"find": "Team", "replace": "Team A", "confirm": "1"})
    calls = len(responses.calls)

    response = alice_client.get(PAGE, {"find": "Team", "replace": "Team A"})
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(PAGE, {"find": "Team", "replace": "Team A", "confirm": "1"})

    assert response.context["rows"] == []
    assert len(responses.calls) == calls
    assert sorted(Meeting.objects.values_list("title", flat=True)) == ["Team A review", "Team A sync"]


@responses.activate
def test_a_meeting_renamed_meanwhile_counts_as_done_and_is_not_sent(renamer, organization):
    [meeting] = make_meetings(organization, "Alpha 1")
    job = _started(renamer, Rename("Alpha", "Beta"))
    Meeting.objects.filter(pk=meeting.pk).update(title="Beta 1")

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    assert len(responses.calls) == 0
    assert job.items.get().state == BulkRenameItem.State.UNCHANGED


@responses.activate
def test_a_meeting_changed_in_dingtalk_is_left_alone(renamer, organization):
    [meeting] = make_meetings(organization, "Alpha 1")
    job = _started(renamer, Rename("Alpha", "Beta"))
    dingtalk_has(meeting, title="Someone else's title")

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    item = job.items.get()
    assert item.state == BulkRenameItem.State.FAILED
    assert "Someone else's title" in item.message
    assert [call.request.method for call in responses.calls] == ["GET"]


# --- a worker that died ---------------------------------------------------------------------------------


@responses.activate
def test_a_meeting_saved_in_dingtalk_by_a_dead_run_is_taken_from_dingtalk_not_sent_again(renamer, organization):
    [meeting] = make_meetings(organization, "Alpha 1")
    job = _started(renamer, Rename("Alpha", "Beta"))
    job.items.update(state=BulkRenameItem.State.SAVING)  # the worker died between DingTalk and the database
    dingtalk_has(meeting, title="Beta 1")

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    assert [call.request.method for call in responses.calls] == ["GET", "GET"]  # the save's read, the refresh's
    meeting.refresh_from_db()
    assert meeting.title == "Beta 1"
    item = job.items.get()
    assert (item.state, item.message) == (BulkRenameItem.State.RENAMED, str(texts.BULK_WORKER_STOPPED))


@responses.activate
def test_a_meeting_a_dead_run_never_sent_is_saved(renamer, organization):
    [meeting] = make_meetings(organization, "Alpha 1")
    job = _started(renamer, Rename("Alpha", "Beta"))
    job.items.update(state=BulkRenameItem.State.SAVING)
    dingtalk_accepts([meeting])

    services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

    meeting.refresh_from_db()
    assert meeting.title == "Beta 1"


@responses.activate
def test_a_stalled_job_is_taken_over_when_someone_looks(
    alice_client, renamer, organization, django_capture_on_commit_callbacks
):
    meetings = make_meetings(organization, "Alpha 1")
    job = _started(renamer, Rename("Alpha", "Beta"))
    dead_run = job.run_token
    BulkRename.objects.filter(pk=job.pk).update(
        status=BulkRename.Status.RUNNING, heartbeat_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    dingtalk_accepts(meetings)

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.get(reverse("meetings:bulk_rename_job", args=[job.pk]))

    job.refresh_from_db()
    assert job.run_token != dead_run
    assert job.status == BulkRename.Status.DONE
    assert Meeting.objects.get().title == "Beta 1"


def test_a_live_job_is_not_taken_over(alice_client, renamer, organization, django_capture_on_commit_callbacks):
    make_meetings(organization, "Alpha 1")
    job = _started(renamer, Rename("Alpha", "Beta"))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alice_client.get(reverse("meetings:bulk_rename_job", args=[job.pk]))

    assert callbacks == []


def test_an_old_run_stops_when_the_job_was_taken_over(renamer, organization):
    make_meetings(organization, "Alpha 1")
    job = _started(renamer, Rename("Alpha", "Beta"))

    with responses.RequestsMock():
        services.bulk_rename_run(job_id=job.pk, run_token="an-old-run")

    assert job.items.get().state == BulkRenameItem.State.PENDING


# --- progress page ----------------------------------------------------------------------------------------


def test_the_progress_page_refreshes_itself_until_done(alice_client, renamer, organization):
    make_meetings(organization, "Alpha 1", "Alpha 2")
    job = _started(renamer, Rename("Alpha", "Beta"))
    first = job.items.first()
    BulkRenameItem.objects.filter(pk=first.pk).update(state=BulkRenameItem.State.RENAMED)
    BulkRename.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=3), status=BulkRename.Status.RUNNING
    )

    response = alice_client.get(reverse("meetings:bulk_rename_job", args=[job.pk]))

    html = response.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    progress = response.context["progress"]
    assert (progress.done, progress.failed, progress.left) == (1, 0, 1)
    assert 3 <= progress.seconds_left <= 5  # 3 s for one meeting, one left (a slow machine adds a little)
    assert re.findall(r"<script(?![^>]*\ssrc=)", html) == []  # no inline script: the CSP allows none


def test_a_finished_job_shows_results_with_links_and_stops_refreshing(alice_client, renamer, organization):
    make_meetings(organization, "Alpha 1")
    job = _started(renamer, Rename("Alpha", "Beta"))
    job.items.update(state=BulkRenameItem.State.RENAMED)
    BulkRename.objects.filter(pk=job.pk).update(status=BulkRename.Status.DONE)

    html = alice_client.get(reverse("meetings:bulk_rename_job", args=[job.pk])).content.decode()

    assert "http-equiv" not in html
    assert reverse("meetings:edit", args=[job.items.get().meeting_id]) in html


def test_someone_elses_job_is_not_found(client, django_user_model, renamer, organization):
    make_meetings(organization, "Alpha 1")
    job = _started(renamer, Rename("Alpha", "Beta"))
    other = django_user_model.objects.create_user("olga")
    grant(other, "bulk_rename_meetings")
    client.force_login(other)

    assert client.get(reverse("meetings:bulk_rename_job", args=[job.pk])).status_code == 404


def _started(user, rename) -> BulkRename:
    """A stored job whose task has not run (on_commit callbacks are not run in these tests)."""
    return services.bulk_rename_start(by=user, rename=rename)


assert dingtalk.TITLE_MAX_LENGTH == 50


# --- several meetings at once, over HTTP -------------------------------------------------------------------


def test_threads_rename_every_meeting_against_the_sandbox(transactional_db, settings, renamer, organization):
    from dingtalk_sandbox import Sandbox

    settings.BULK_RENAME_THREADS = 3
    with Sandbox(tokens=["sandbox-token"]) as sandbox:
        Organization = type(organization)
        Organization.objects.filter(pk=organization.pk).update(api_base=sandbox.base_url)
        organization.refresh_from_db()
        organization.access_token = "sandbox-token"
        organization.save()
        meetings = make_meetings(organization, *[f"Alpha {number}" for number in range(8)])
        for meeting in meetings:
            sandbox.state.upsert_meeting(
                schedule_conference_id=meeting.schedule_conference_id,
                creator_union_id=meeting.creator_union_id,
                title=meeting.title,
                start_time=dingtalk.epoch_ms(meeting.starts_at),
                end_time=dingtalk.epoch_ms(meeting.ends_at),
            )
        job = _started(renamer, Rename("Alpha", "Beta"))

        services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

        assert sorted(m.title for m in sandbox.state.meetings()) == sorted(f"Beta {n}" for n in range(8))
    assert set(job.items.values_list("state", flat=True)) == {BulkRenameItem.State.RENAMED}
    assert sorted(Meeting.objects.values_list("title", flat=True)) == sorted(f"Beta {n}" for n in range(8))
