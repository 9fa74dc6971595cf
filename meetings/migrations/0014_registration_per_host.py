"""One live registration per DingTalk host and conference ID, held by the database (issue 19).

Organizations' API bases are rewritten in their canonical form (`https://API.dingtalk.com:443/` is
`https://api.dingtalk.com`), each meeting gets its organization's host; 0015 adds the constraint (in a
transaction of its own: PostgreSQL builds no index on a table with updates pending in the same one).
Rows the old check-then-insert let in twice (the same meeting live under two organizations of one host)
would stop the constraint: the later ones are removed from the portal first -- removal keeps their history,
and the one the portal keeps is the one added first.
"""

import django.db.models.functions
import meetings.fields
import meetings.validators
from django.db import migrations, models


def canonical_hosts(apps, schema_editor):
    from meetings.validators import canonical_api_base

    Organization = apps.get_model("meetings", "Organization")
    Meeting = apps.get_model("meetings", "Meeting")
    for organization in Organization.objects.all():
        canonical = canonical_api_base(organization.api_base)
        if canonical != organization.api_base:
            Organization.objects.filter(pk=organization.pk).update(api_base=canonical)
        Meeting.objects.filter(organization=organization).update(api_base=canonical)
    seen = set()
    for meeting in Meeting.objects.filter(removed_at__isnull=True).order_by("created_at", "id"):
        key = (meeting.api_base, meeting.schedule_conference_id)
        if key in seen:
            Meeting.objects.filter(pk=meeting.pk).update(removed_at=django.db.models.functions.Now())
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0013_change_checked_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="api_base",
            field=meetings.fields.ApiBaseField(
                default="https://api.dingtalk.com",
                max_length=200,
                validators=[meetings.validators.validate_api_base],
                verbose_name="API base URL",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="api_base",
            field=meetings.fields.ApiBaseField(default="", editable=False, max_length=200, verbose_name="API base URL"),
            preserve_default=False,
        ),
        migrations.RunPython(canonical_hosts, migrations.RunPython.noop),
    ]
