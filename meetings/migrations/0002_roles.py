"""The two roles, as groups: Office admins reschedule and add meetings; Helpdesk fixes titles only."""

from django.db import migrations

OFFICE_ADMINS = "Office admins"
HELPDESK = "Helpdesk"
ROLE_PERMISSIONS = {
    OFFICE_ADMINS: ["view_meeting", "add_meeting", "change_meeting", "reschedule_meeting", "view_activity",
                    "view_meetingchange"],
    HELPDESK: ["view_meeting", "change_meeting"],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; a fresh database needs them now. The
    # historical app config has no models module, which create_permissions takes as "skip".
    app_config = apps.get_app_config("meetings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="meetings", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
