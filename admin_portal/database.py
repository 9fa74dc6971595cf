"""The SQLite database file holds encrypted DingTalk secrets and sessions: its owner's only (mode 0600).

SQLite creates the file (and its -wal and -shm companions) with the process's umask, usually readable by
everyone. Each new connection takes the group's and others' permissions away again -- one chmod per
connection, and connections are kept (CONN_MAX_AGE). PostgreSQL's files are its server's business.
"""

import logging
import os
import stat

logger = logging.getLogger(__name__)


def owner_only_sqlite_files(sender, connection, **kwargs):
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    path = str(connection.settings_dict["NAME"])
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            mode = stat.S_IMODE(os.stat(name).st_mode)
            if mode & 0o077:
                os.chmod(name, mode & 0o700)
        except FileNotFoundError:
            continue  # no WAL files while no one writes
        except OSError as error:  # another user's file: say so, do not fail the request
            logger.warning("Cannot make %s its owner's only: %s", name, error)
