"""The database holds the rule: one live registration per DingTalk host and conference ID (see 0014)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0014_registration_per_host"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.UniqueConstraint(
                condition=models.Q(("removed_at__isnull", True)),
                fields=("api_base", "schedule_conference_id"),
                name="one_live_registration_per_host",
            ),
        ),
    ]
