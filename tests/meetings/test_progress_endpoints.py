"""The JSON a waiting page asks for instead of reloading itself (static/js/poll.js): an import's and a bulk
rename's progress, and whether a save being checked with DingTalk is settled; and Remove, which asks first."""

import datetime

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from meetings import texts
from meetings.models import BulkRename, BulkRenameItem, Meeting, MeetingChange, MeetingImport, MeetingImportLine
from meetings.services import Rename
from tests.helpers import dingtalk_has, edit_url, lost_answer, make_meetings, started_rename


def test_an_imports_progress_says_how_far_it_is_and_when_it_is_done(alice_client, organization):
    meeting_import = MeetingImport.objects.create(organization=organization)
    MeetingImportLine.objects.create(meeting_import=meeting_import, number=1, text="838 722 1234", checked=True)
    MeetingImportLine.objects.create(meeting_import=meeting_import, number=2, text="111 222 333")
    url = reverse("meetings:import_progress", args=[meeting_import.pk])

    running = alice_client.get(url).json()
    MeetingImport.objects.filter(pk=meeting_import.pk).update(status=MeetingImport.Status.PREVIEWED)
    done = alice_client.get(url).json()

    assert running["done"] is False
    assert "1 of 2 lines checked" in running["announce"]
    assert "838 722 1234" in running["html"]["import-progress"]
    assert done["done"] is True
    assert 'name="confirm"' in done["html"]["import-progress"]  # the button appears in place


def test_someone_elses_import_progress_is_not_found(client, django_user_model, organization):
    meeting_import = MeetingImport.objects.create(organization=organization)
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-123456"))
    other = django_user_model.objects.create_user("olaf", password="pw-olaf-123456")
    client.force_login(other)

    assert client.get(reverse("meetings:import_progress", args=[meeting_import.pk])).status_code in (403, 404)


def test_a_bulk_renames_progress_counts_and_ends(alice_client, renamer, organization):
    make_meetings(organization, "Alpha 1", "Alpha 2")
    job = started_rename(renamer, Rename("Alpha", "Beta"))
    BulkRename.objects.filter(pk=job.pk).update(status=BulkRename.Status.RUNNING, heartbeat_at=timezone.now())
    BulkRenameItem.objects.filter(pk=job.items.first().pk).update(state=BulkRenameItem.State.RENAMED)
    url = reverse("meetings:bulk_rename_progress", args=[job.pk])

    running = alice_client.get(url).json()
    job.items.update(state=BulkRenameItem.State.RENAMED)
    BulkRename.objects.filter(pk=job.pk).update(status=BulkRename.Status.DONE)
    done = alice_client.get(url).json()

    assert running["done"] is False and "Done: 1, failed: 0, left: 1." in running["announce"]
    assert done["done"] is True and "Done: 2, failed: 0, left: 0." in done["announce"]
    # Results name meetings by their new title, not by an ID.
    assert "Beta 1" in done["html"]["bulk-rename-progress"]


@responses.activate
@pytest.mark.usefixtures("read_timeout")
def test_a_save_being_checked_says_so_then_where_the_answer_is(alice_client, meeting):
    change = lost_answer(alice_client, meeting)
    url = reverse("meetings:check", args=[meeting.pk]) + f"?change={change.pk}"

    waiting = alice_client.get(url).json()
    # The wait is over and DingTalk has the typed title: the check settles it.
    MeetingChange.objects.filter(pk=change.pk).update(check_after=timezone.now() - datetime.timedelta(seconds=1))
    Meeting.objects.filter(pk=meeting.pk).update(update_lease_until=timezone.now() - datetime.timedelta(seconds=1))
    dingtalk_has(meeting, title=change.new_title, starts_at=change.new_starts_at, ends_at=change.new_ends_at)
    settled = alice_client.get(url).json()

    assert waiting["done"] is False
    assert waiting["announce"].startswith(str(texts.CHECKING_WITH_DINGTALK).split("%")[0])
    assert settled == {"done": True, "announce": "", "html": {}}  # the page goes on to its data-poll-next
    assert MeetingChange.objects.get(pk=change.pk).outcome == MeetingChange.Outcome.SUCCESS


def test_remove_asks_first_and_a_get_changes_nothing(alice_client, meeting):
    page = alice_client.get(reverse("meetings:remove", args=[meeting.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Remove “Weekly sync” from the portal?" in html
    assert 'method="post"' in html
    assert Meeting.objects.get(pk=meeting.pk).removed_at is None
    # The edit page links to this question; it no longer posts the removal itself.
    edit = alice_client.get(edit_url(meeting)).content.decode()
    assert f'href="{reverse("meetings:remove", args=[meeting.pk])}"' in edit
    assert f'action="{reverse("meetings:remove", args=[meeting.pk])}"' not in edit
