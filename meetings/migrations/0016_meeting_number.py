"""One word per thing: DingTalk's roomCode is the meeting number everywhere outside meetings/dingtalk/."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0015_one_live_registration_per_host"),
    ]

    operations = [
        migrations.RenameField(model_name="meeting", old_name="room_code", new_name="meeting_number"),
        migrations.RenameField(model_name="meetingimportline", old_name="room_code", new_name="meeting_number"),
    ]
