"""The edit form's submission becomes part of the attempt's audit row (issue 23): one record per attempt.

Each EditSubmission that led to an attempt gives that attempt its key, so the page after its redirect
(`?submission=<key>`) still opens it; the audit rows are the history and stay whole. Submissions that led
to no attempt (a form refused by its own checks) held only typed values for a day; they go.
"""

import datetime

from django.db import migrations, models

# A submission's attempt started within this long after it (the form was checked, then DingTalk read).
_ATTEMPT_WITHIN = datetime.timedelta(minutes=2)


def keys_to_attempts(apps, schema_editor):
    EditSubmission = apps.get_model("meetings", "EditSubmission")
    MeetingChange = apps.get_model("meetings", "MeetingChange")
    for submission in EditSubmission.objects.order_by("created_at", "pk").iterator():
        attempt = (
            MeetingChange.objects.filter(
                meeting_id=submission.meeting_id,
                user_id=submission.user_id,
                action="update",
                submission_key=None,
                created_at__gte=submission.created_at,
                created_at__lt=submission.created_at + _ATTEMPT_WITHIN,
            )
            .order_by("created_at", "pk")
            .first()
        )
        if attempt is not None and not MeetingChange.objects.filter(submission_key=submission.key).exists():
            MeetingChange.objects.filter(pk=attempt.pk).update(submission_key=submission.key)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0011_edit_submission"),
    ]

    operations = [
        migrations.AddField(
            model_name="meetingchange",
            name="submission_key",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="meetingchange",
            name="dingtalk_values",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(keys_to_attempts, migrations.RunPython.noop),
        migrations.DeleteModel(name="EditSubmission"),
    ]
