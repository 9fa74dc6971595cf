"""Production settings, as a real process reads them from the environment."""

import json

from tests.admin_portal.production import python

SECURITY_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "X_FRAME_OPTIONS",
]


def manage(*args, **env):
    return python("manage.py", *args, **env)


def settings_of(**env):
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    result = python("-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_passes_with_zero_warnings_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_is_https_only():
    assert settings_of() == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "X_FRAME_OPTIONS": "DENY",
    }


def test_a_tls_terminating_proxy_is_trusted_only_when_configured():
    assert settings_of(DJANGO_SECURE_PROXY_SSL_HEADER="1")["SECURE_PROXY_SSL_HEADER"] == [
        "HTTP_X_FORWARDED_PROTO",
        "https",
    ]


def test_development_speaks_plain_http():
    values = settings_of(DJANGO_DEBUG="1")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_it_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_SECRET_KEY=None)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_it_refuses_a_dingtalk_deadline_that_gunicorn_would_cut_off():
    result = manage("check", DINGTALK_DEADLINE="25", GUNICORN_TIMEOUT="30")
    assert result.returncode != 0
    assert "DINGTALK_DEADLINE" in result.stderr


def test_it_refuses_a_save_lease_that_a_try_of_the_save_could_outlive():
    # A save's calls end within the deadline; the lease must outlast that and a late answer (issue 20).
    result = manage("check", DINGTALK_DEADLINE="20", DINGTALK_READ_TIMEOUT="6", DINGTALK_UPDATE_LEASE="25")
    assert result.returncode != 0
    assert "DINGTALK_UPDATE_LEASE" in result.stderr


# With "commands" as its argument it also tries to start the sandbox and the demo (production refuses).
SANDBOX_GUARDS = """
import django, json, sys
django.setup()
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from meetings.validators import validate_api_base

def refused(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except (CommandError, ValidationError):
        return True
    return False

print(json.dumps({
    "enabled": settings.DINGTALK_SANDBOX_ENABLED,
    "menu_link": settings.DINGTALK_SANDBOX_URL,
    "api_base_refused": refused(validate_api_base, "http://127.0.0.1:8001"),
    "commands_refused": [refused(call_command, name, *args) for name, args in [
        ("dingtalk_sandbox", ["--port", "0"]), ("seed_demo", []), ("rundemo", ["--port", "0"]),
    ] if sys.argv[1:] == ["commands"]],
}))
"""


def sandbox_guards(*args, **env):
    result = python("-c", SANDBOX_GUARDS, *args, DINGTALK_SANDBOX_URL="http://127.0.0.1:8001", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_never_enables_or_routes_to_the_dingtalk_sandbox():
    assert sandbox_guards("commands") == {
        "enabled": False,
        "menu_link": "",
        "api_base_refused": True,
        "commands_refused": [True, True, True],
    }


def test_development_may_use_the_dingtalk_sandbox():
    assert sandbox_guards(DJANGO_DEBUG="1") == {
        "enabled": True,
        "menu_link": "http://127.0.0.1:8001",
        "api_base_refused": False,
        "commands_refused": [],
    }


def test_check_deploy_warns_when_production_enables_the_sandbox():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DINGTALK_SANDBOX_ENABLED="1")
    assert result.returncode != 0
    assert "meetings.W001" in result.stdout + result.stderr


def database_of(**env):
    code = (
        "import django, json; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
        "print(json.dumps({k: d[k] for k in ('ENGINE', 'CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')}))"
    )
    result = python("-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_each_thread_keeps_its_database_connection_on_sqlite_and_postgresql():
    sqlite = database_of()
    postgres = database_of(DATABASE_URL="postgres://portal@db.example.com:5432/portal")

    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    assert postgres["ENGINE"] == "django.db.backends.postgresql"
    for database in (sqlite, postgres):
        assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)
    assert database_of(DATABASE_CONN_MAX_AGE="0")["CONN_MAX_AGE"] == 0


LOG_ONE_OF_EACH = """
import django, logging
django.setup()
for name in ("django.request", "django.security.csrf", "meetings.views", "dingtalk_sandbox"):
    logging.getLogger(name).error("one line from %s", name)
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("django.request").exception("a traceback")
"""


def test_the_console_shows_each_log_line_once_in_development_and_production():
    for debug in ("1", "0"):
        result = python("-c", LOG_ONE_OF_EACH, DJANGO_DEBUG=debug, DJANGO_LOG_FORMAT="plain")
        assert result.returncode == 0, result.stderr
        for name in ("django.request", "django.security.csrf", "meetings.views", "dingtalk_sandbox"):
            assert result.stderr.count(f"one line from {name}") == 1, (debug, result.stderr)
        assert result.stderr.count("ZeroDivisionError") == 1, (debug, result.stderr)
