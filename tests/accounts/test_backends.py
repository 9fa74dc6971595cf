"""Permissions come from one statement, and say exactly what Django's ModelBackend would."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import PermissionBackend
from tests.helpers import grant


def fresh(user):
    """The person as the next request loads them: no permissions remembered."""
    return type(user).objects.get(pk=user.pk)


def test_helpdesk_gets_its_groups_permissions_and_no_others(helpdesk):
    assert PermissionBackend().get_all_permissions(fresh(helpdesk)) == {
        "meetings.view_meeting",
        "meetings.change_meeting",
        "meetings.bulk_rename_meetings",  # issue 12: helpdesk renames in bulk too
    }


@pytest.mark.parametrize("person", ["office_admin", "helpdesk", "both", "nobody", "inactive", "superuser"])
def test_it_answers_as_model_backend_does(person, django_user_model, office_admin, helpdesk):
    user = {
        "office_admin": office_admin,
        "helpdesk": helpdesk,
        "nobody": django_user_model.objects.create_user("nina"),
    }.get(person)
    if person == "both":  # direct permissions and a group's, overlapping
        user = django_user_model.objects.create_user("bo")
        grant(user, "view_meeting", "view_meetingchange")
        user.groups.add(Group.objects.get(name="Helpdesk"), Group.objects.get(name="Office admins"))
    elif person == "inactive":
        user = django_user_model.objects.create_user("ivan", is_active=False)
        user.groups.add(Group.objects.get(name="Office admins"))
    elif person == "superuser":
        user = django_user_model.objects.create_superuser("root")

    ours = PermissionBackend().get_all_permissions(fresh(user))

    assert ours == ModelBackend().get_all_permissions(fresh(user))
    if person == "superuser":
        assert len(ours) == Permission.objects.count()
    if person in ("nobody", "inactive"):
        assert ours == set()


def test_a_page_checks_permissions_with_one_statement(client, helpdesk, meeting):
    client.force_login(helpdesk)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("meetings:edit", args=[meeting.pk]))

    assert response.status_code == 200
    permission_queries = [q["sql"] for q in queries.captured_queries if "auth_permission" in q["sql"]]
    assert len(permission_queries) == 1


def test_leaving_a_group_counts_from_the_next_request(client, helpdesk, meeting):
    client.force_login(helpdesk)
    edit = reverse("meetings:edit", args=[meeting.pk])
    assert client.get(edit).status_code == 200

    helpdesk.groups.clear()

    assert client.get(edit).status_code == 403
