"""Bulk rename's progress page and results, and several meetings renamed at once over HTTP."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import dingtalk, services
from meetings.models import BulkRename, BulkRenameItem, Meeting
from meetings.services import Rename
from tests.helpers import grant, make_meetings, started_rename

# A confirmed rename runs its task at once, in this thread.
pytestmark = pytest.mark.usefixtures("immediate_tasks")

# --- progress page ----------------------------------------------------------------------------------------


def test_the_progress_page_refreshes_itself_until_done(alice_client, renamer, organization):
    make_meetings(organization, "Alpha 1", "Alpha 2")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    first = job.items.first()
    BulkRenameItem.objects.filter(pk=first.pk).update(state=BulkRenameItem.State.RENAMED)
    BulkRename.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=3), status=BulkRename.Status.RUNNING
    )

    response = alice_client.get(reverse("meetings:bulk_rename_job", args=[job.pk]))

    html = response.content.decode()
    # No reload (axe: meta-refresh): a script asks the progress endpoint; a plain link without it.
    assert "http-equiv" not in html
    assert f'data-poll="{reverse("meetings:bulk_rename_progress", args=[job.pk])}"' in html
    progress = response.context["progress"]
    assert (progress.done, progress.failed, progress.left) == (1, 0, 1)
    assert 3 <= progress.seconds_left <= 5  # 3 s for one meeting, one left (a slow machine adds a little)
    assert re.findall(r"<script(?![^>]*\ssrc=)", html) == []  # no inline script: the CSP allows none


def test_a_finished_job_shows_results_with_links_and_stops_refreshing(alice_client, renamer, organization):
    make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    job.items.update(state=BulkRenameItem.State.RENAMED)
    BulkRename.objects.filter(pk=job.pk).update(status=BulkRename.Status.DONE)

    html = alice_client.get(reverse("meetings:bulk_rename_job", args=[job.pk])).content.decode()

    assert "http-equiv" not in html and "data-poll" not in html
    assert reverse("meetings:edit", args=[job.items.get().meeting_id]) in html


def test_someone_elses_job_is_not_found(client, django_user_model, renamer, organization):
    make_meetings(organization, "Alpha 1")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    other = django_user_model.objects.create_user("olga")
    grant(other, "bulk_rename_meetings")
    client.force_login(other)

    assert client.get(reverse("meetings:bulk_rename_job", args=[job.pk])).status_code == 404


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
        job = started_rename(renamer, Rename("Alpha", "Beta"))

        services.bulk_rename_run(job_id=job.pk, run_token=job.run_token)

        assert sorted(m.title for m in sandbox.state.meetings()) == sorted(f"Beta {n}" for n in range(8))
    assert set(job.items.values_list("state", flat=True)) == {BulkRenameItem.State.RENAMED}
    assert sorted(Meeting.objects.values_list("title", flat=True)) == sorted(f"Beta {n}" for n in range(8))
