"""One word for reading DingTalk to learn a pending save's outcome: "check" (issue 24)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0012_submission_key_on_change"),
    ]

    operations = [
        migrations.RenameField(model_name="meetingchange", old_name="reconciled_at", new_name="checked_at"),
    ]
