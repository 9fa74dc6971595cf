"""`make run` then `make test` in one clone: what `make run` leaves behind (.env, db.sqlite3, var/) changes
nothing in a test run, while manage.py and gunicorn still read the .env."""

import shutil
import subprocess
import sys

import pytest

from tests.admin_portal.production import BASE_DIR

# What `git clone` gives, enough to run manage.py and this package's tests.
PROJECT = [
    "manage.py",
    "pyproject.toml",
    "admin_portal",
    "accounts",
    "demo",
    "meetings",
    "dingtalk_sandbox",
    "templates",
    "static",
    "locale",
    "locale_django",
    "scripts",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/helpers.py",
    "tests/admin_portal",
]


@pytest.fixture(scope="module")
def clone_after_make_run(tmp_path_factory):
    """A copy of the project with what `make run` leaves in it: its .env, a database and the sandbox's state."""
    clone = tmp_path_factory.mktemp("clone")
    for name in PROJECT:
        source, target = BASE_DIR / name, clone / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    subprocess.run([sys.executable, "scripts/write_dev_env.py", ".env"], cwd=clone, check=True)
    with open(clone / ".env", "a") as dot_env:
        dot_env.write("DJANGO_LOG_LEVEL=DEBUG\n")
    (clone / "db.sqlite3").write_bytes(b"not a database the tests may open")
    (clone / "var").mkdir()
    (clone / "var" / "dingtalk-sandbox.json").write_text('{"meetings": "not the tests\' either"}')
    return clone


def run(clone, *args, **env):
    environment = {"PATH": "/usr/bin:/bin", **env}
    return subprocess.run(
        [sys.executable, *args], cwd=clone, env=environment, capture_output=True, text=True, timeout=120
    )


SHOW_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SECRET_KEY, s.LOGGING['root']['level'])"
)


def test_manage_py_reads_the_env_file_make_run_wrote(clone_after_make_run):
    result = run(clone_after_make_run, "-c", SHOW_SETTINGS, DJANGO_SETTINGS_MODULE="admin_portal.settings")

    assert result.returncode == 0, result.stderr
    debug, secret_key, log_level = result.stdout.split()
    assert (debug, log_level) == ("True", "DEBUG")
    assert f"DJANGO_SECRET_KEY={secret_key}" in (clone_after_make_run / ".env").read_text()


def test_a_named_env_file_replaces_it_and_an_empty_name_reads_none(clone_after_make_run, tmp_path):
    other = tmp_path / "portal.env"
    other.write_text(
        "DJANGO_DEBUG=1\nDJANGO_SECRET_KEY=from-the-named-file\nDINGTALK_ENCRYPTION_KEYS="
        "n2kZDnX5cjyA3ofd6cUGyN1XQpo6fXrqtVUK4N2m4fA=\n"
    )

    named = run(
        clone_after_make_run,
        "-c",
        SHOW_SETTINGS,
        DJANGO_SETTINGS_MODULE="admin_portal.settings",
        DJANGO_ENV_FILE=str(other),
    )
    none = run(
        clone_after_make_run, "manage.py", "check", DJANGO_SETTINGS_MODULE="admin_portal.settings", DJANGO_ENV_FILE=""
    )

    assert named.stdout.split() == ["True", "from-the-named-file", "INFO"]
    assert none.returncode != 0 and "DJANGO_SECRET_KEY" in none.stderr


def test_the_test_settings_ignore_the_env_file(clone_after_make_run):
    result = run(clone_after_make_run, "-c", SHOW_SETTINGS, DJANGO_SETTINGS_MODULE="admin_portal.settings_test")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "test-only-secret-key-not-for-production", "INFO"]


# The ones a development .env would change: the secret key, DEBUG and what follows from it.
SETTINGS_TESTS = [
    f"tests/admin_portal/test_settings.py::{name}"
    for name in (
        "test_it_refuses_to_start_without_a_secret_key",
        "test_production_is_https_only",
        "test_development_speaks_plain_http",
        "test_production_never_enables_or_routes_to_the_dingtalk_sandbox",
    )
]


def test_the_settings_tests_pass_after_make_run(clone_after_make_run):
    result = run(
        clone_after_make_run,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *SETTINGS_TESTS,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(SETTINGS_TESTS)} passed" in result.stdout
