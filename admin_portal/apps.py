from django.apps import AppConfig


class AdminPortalConfig(AppConfig):
    """The project itself, as an app only for what must hook into Django at start (database.py)."""

    name = "admin_portal"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import database

        connection_created.connect(database.owner_only_sqlite_files, dispatch_uid="owner_only_sqlite_files")
