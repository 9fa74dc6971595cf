"""The development .env (keys) and the SQLite database (encrypted secrets, sessions) are their owner's only
(issue 15, point 5): created with mode 0600 whatever the umask."""

import os
import stat
import subprocess
import sys

from tests.admin_portal.production import BASE_DIR, PRODUCTION_ENV


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def run(*args, **env):
    previous = os.umask(0o022)  # the usual umask: files readable by everyone
    try:
        return subprocess.run(
            [sys.executable, *args],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            env={"PATH": "/usr/bin:/bin", **env},
        )
    finally:
        os.umask(previous)


def test_the_development_env_file_is_the_owners_only(tmp_path):
    env_file = tmp_path / ".env"

    result = run("scripts/write_dev_env.py", str(env_file))

    assert result.returncode == 0, result.stderr
    assert mode(env_file) == 0o600
    assert "DINGTALK_ENCRYPTION_KEYS=" in env_file.read_text()


def test_an_existing_env_file_is_never_overwritten(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_SECRET_KEY=mine\n")

    result = run("scripts/write_dev_env.py", str(env_file))

    assert result.returncode != 0
    assert env_file.read_text() == "DJANGO_SECRET_KEY=mine\n"


def test_the_sqlite_database_is_the_owners_only(tmp_path):
    database = tmp_path / "db.sqlite3"

    result = run("manage.py", "migrate", "--noinput", **PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{database}")

    assert result.returncode == 0, result.stderr
    assert mode(database) == 0o600
    for companion in (tmp_path / "db.sqlite3-wal", tmp_path / "db.sqlite3-shm"):
        if companion.exists():  # WAL files, while a connection is open
            assert mode(companion) & 0o077 == 0
