from django.contrib.auth.models import Group


def permissions_of(name):
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def test_the_roles_exist_after_migrating(db):
    assert {"add_meeting", "change_meeting", "reschedule_meeting", "view_activity"} <= permissions_of("Office admins")
    assert permissions_of("Helpdesk") == {"view_meeting", "change_meeting"}
