"""Authentication: Django's ModelBackend, with a person's permissions read in one statement.

Every page asks whether the person may see or change meetings. ModelBackend answers with two ORM
queries (permissions given to the person, permissions of their groups) that Django compiles anew on
each request: about a millisecond of CPU on our machines, a tenth of a save's own work. The same answer
comes from one plain statement over django.contrib.auth's tables. Superusers, inactive people,
per-object checks and a swapped user model go through ModelBackend unchanged.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

GRANTED_PERMISSIONS_SQL = """
    SELECT ct.app_label, p.codename
    FROM auth_permission p
    INNER JOIN django_content_type ct ON ct.id = p.content_type_id
    WHERE p.id IN (SELECT up.permission_id FROM auth_user_user_permissions up WHERE up.user_id = %s)
       OR p.id IN (
           SELECT gp.permission_id
           FROM auth_group_permissions gp
           INNER JOIN auth_user_groups ug ON ug.group_id = gp.group_id
           WHERE ug.user_id = %s
       )
"""


class PermissionBackend(ModelBackend):
    def get_user(self, user_id):
        """The request's user with their DingTalk identity in the same statement (a LEFT JOIN): pages that ask
        who the person is in DingTalk (selectors.dingtalk_identity) cost no query of their own."""
        try:
            user = get_user_model()._default_manager.select_related("dingtalk_person").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if (
            settings.AUTH_USER_MODEL != "auth.User"
            or user_obj.is_superuser
            or not user_obj.is_active
            or user_obj.is_anonymous
            or obj is not None
        ):
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            # Kept on this request's user object only, as ModelBackend does: a change of groups
            # counts from the person's next request.
            user_obj._perm_cache = granted_permissions(user_obj.pk)
        return user_obj._perm_cache


def granted_permissions(user_id) -> set[str]:
    """ "app_label.codename" of every permission given to the person directly or through a group."""
    with connection.cursor() as cursor:
        cursor.execute(GRANTED_PERMISSIONS_SQL, [user_id, user_id])
        return {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}


class LockoutBackend(AxesStandaloneBackend):
    """Axes' refusal of a locked-out username and address (accounts/throttle.py), first in the chain.

    A call without a request (a script, a management command) has no client address to lock out: it
    goes on to the next backend instead of failing as axes' own backend does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
