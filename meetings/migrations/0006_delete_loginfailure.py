# Login throttling moved to django-axes (accounts/throttle.py); its failures were only kept for a window.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0005_meeting_org_newest_first"),
    ]

    operations = [
        migrations.DeleteModel(name="LoginFailure"),
    ]
