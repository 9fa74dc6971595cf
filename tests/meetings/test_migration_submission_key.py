"""Migration 0012: each edit-form submission's key goes to the attempt it led to, then the submissions go."""

import datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("meetings", "0011_edit_submission")]
AFTER = [("meetings", "0012_submission_key_on_change")]
AT = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)


def test_a_submission_gives_its_key_to_its_attempt_and_a_refused_one_leaves_nothing(old_schema):
    apps = old_schema
    User = apps.get_model("auth", "User")
    Organization = apps.get_model("meetings", "Organization")
    Meeting = apps.get_model("meetings", "Meeting")
    MeetingChange = apps.get_model("meetings", "MeetingChange")
    EditSubmission = apps.get_model("meetings", "EditSubmission")
    alice = User.objects.create(username="alice")
    organization = Organization.objects.create(name="Org", time_zone="Asia/Shanghai")
    meeting = Meeting.objects.create(
        organization=organization, schedule_conference_id="c-1", creator_union_id="u-1", title="T",
        starts_at=AT, ends_at=AT + datetime.timedelta(hours=1),
    )  # fmt: skip
    saved = EditSubmission.objects.create(key="a" * 32, meeting=meeting, user=alice, posted="{}", created_at=AT)
    attempt = MeetingChange.objects.create(
        meeting=meeting, organization=organization, user=alice, action="update", outcome="success",
        created_at=AT + datetime.timedelta(seconds=1),
    )  # fmt: skip
    refused = AT + datetime.timedelta(hours=1)  # the form's own checks refused it: no attempt after it
    EditSubmission.objects.create(key="b" * 32, meeting=meeting, user=alice, posted="{}", created_at=refused)

    MigrationExecutor(connection).migrate(AFTER)

    apps = MigrationExecutor(connection).loader.project_state(AFTER).apps
    changes = apps.get_model("meetings", "MeetingChange").objects
    assert list(changes.values_list("pk", "submission_key")) == [(attempt.pk, saved.key)]
    assert "meetings_editsubmission" not in connection.introspection.table_names()
