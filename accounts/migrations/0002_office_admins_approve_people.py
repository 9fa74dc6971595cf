"""Office admins approve and remove the people of their organizations who sign in with DingTalk (/people/)."""

from django.db import migrations

OFFICE_ADMINS = "Office admins"


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # As meetings/migrations/0002_roles: the permission exists only after migrate; the role needs it now.
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=OFFICE_ADMINS)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="accounts", codename="approve_person"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name=OFFICE_ADMINS).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="accounts", codename="approve_person")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("meetings", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
