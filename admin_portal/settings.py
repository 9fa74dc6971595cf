"""Settings for the DingTalk meeting admin portal.

The environment is read here and nowhere else (django-environ). Every variable is documented in
`.env.example`; a `.env` file beside `manage.py` is read when present (`make run` writes one), or the file
DJANGO_ENV_FILE names; DJANGO_ENV_FILE="" reads none (the test settings, so no `.env` changes a test run).
"""

import datetime
import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
ENV_FILE = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# Production has no default: a forgotten key must stop the start, not sign sessions with a known value.
if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-development-only-key")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    # Before django_tasks_db: its `db_worker` command is meetings' own, which adds the periodic work.
    "meetings",
    "django_tasks",
    "django_tasks_db",
    # Sign in with DingTalk (accounts/dingtalk.py): allauth's DingTalk provider does the OAuth exchange;
    # the portal decides who gets in (approval, not sign-up).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.dingtalk",
    "accounts",
    "admin_portal",  # the SQLite file's permissions (admin_portal/database.py)
]

MIDDLEWARE = [
    "admin_portal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "admin_portal.middleware.DingTalkDeadlineMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # allauth requires it (its login stages); the portal uses none of them.
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: a signed-in person's pages and exports are never kept by a cache.
    "admin_portal.middleware.NoStoreWhenSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login into 429 with Retry-After (accounts/throttle.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "admin_portal.urls"
WSGI_APPLICATION = "admin_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers write at once: WAL lets readers go on while one writes, and the busy
    # timeout makes a writer wait for the lock instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# Each gunicorn thread keeps its connection between requests: opening one costs about a millisecond
# (SQLite registers Django's functions and runs the pragmas again; PostgreSQL logs in). The health check
# replaces a connection the server dropped before a request uses it (for SQLite it costs nothing).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes refuses a locked-out login before any password is checked; then ModelBackend with the permission
# check in one statement (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutBackend", "accounts.backends.PermissionBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "meetings:list"
LOGOUT_REDIRECT_URL = "login"

# --- Sign in with DingTalk (accounts/dingtalk.py; docs/operating.md, "Signing in with DingTalk") -------
# A DingTalk app's AppKey and AppSecret (the "new" OAuth 2.0 login). Sign-in with DingTalk is offered only
# when both are set; the app's redirect URL is https://<portal>/accounts/dingtalk/login/callback/.
DINGTALK_LOGIN_CLIENT_ID = env("DINGTALK_LOGIN_CLIENT_ID", default="")
DINGTALK_LOGIN_CLIENT_SECRET = env("DINGTALK_LOGIN_CLIENT_SECRET", default="")
# Where the browser is sent to choose a DingTalk account, and the API host of userAccessToken and
# contact/users/me (the sandbox stands in for both in the demo).
DINGTALK_LOGIN_URL = env("DINGTALK_LOGIN_URL", default="https://login.dingtalk.com/oauth2/auth")
DINGTALK_LOGIN_API_BASE = env("DINGTALK_LOGIN_API_BASE", default="https://api.dingtalk.com").rstrip("/")
# Off: only superusers may sign in with a password (break glass); everyone else signs in with DingTalk.
PASSWORD_LOGIN = env.bool("DJANGO_PASSWORD_LOGIN", default=True)
SOCIALACCOUNT_ADAPTER = "accounts.dingtalk.SignInAdapter"
SOCIALACCOUNT_PROVIDERS = {"dingtalk": {"provider_class": "accounts.dingtalk.PortalDingTalkProvider"}}
# The person's DingTalk token is used once, to read who they are, and never stored.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = (
    env.float("DINGTALK_CONNECT_TIMEOUT", default=3.05),
    env.float("DINGTALK_READ_TIMEOUT", default=6.0),
)

# --- Login throttling (django-axes, accounts/throttle.py) -------------------------------------------
# After this many failed logins for one username from one client address, that pair waits the window
# (seconds) after its last failure. A success forgives the pair; `manage.py axes_reset` lifts lockouts.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_THROTTLE_FAILURES", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(seconds=env.int("DJANGO_LOGIN_THROTTLE_WINDOW", default=15 * 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lockout does not start the wait again (the message's minutes stay true).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Successful logins are not recorded: the table would only grow.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every start
AXES_USERNAME_CALLABLE = "accounts.throttle.username_key"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
# How many proxies in front of the portal append to X-Forwarded-For (docs/operating.md, "Production"). 0: the
# client's address is REMOTE_ADDR and X-Forwarded-For is ignored; behind one TLS proxy, 1.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# The portal's catalog (makemessages writes the first), then what Django's own zh_Hans catalog lacks for the
# admin and its JavaScript (jsi18n), kept by hand: both come before Django's.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_django"]
TIME_ZONE = "UTC"
USE_I18N = True
# Dates and times as YYYY-MM-DD HH:MM in every language (the admin's pages too): admin_portal/formats/.
FORMAT_MODULE_PATH = ["admin_portal.formats"]
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` gathers the files WhiteNoise serves in production.
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# An admin tool: sessions end with the browser and after a working day at most.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Mail ----------------------------------------------------------------------------------------
# Only for password reset, which is offered only when EMAIL_HOST is set (admin_portal/urls.py): without
# mail it would tell a person a link was sent when none was.
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="webmaster@localhost")

# --- Background jobs (Django's tasks API; docs/operating.md, "Production") -----------------------------
# The database is the queue: `manage.py db_worker` runs the jobs (`make run` starts one). Another backend
# (RQ, Celery) is a settings change; the jobs are plain functions in meetings/tasks.py.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Seconds a job's run may go without a heartbeat before another worker takes the job over (its worker died;
# meetings/services/jobs.py). Each run beats every few seconds, between its items.
DINGTALK_JOB_STALL_SECONDS = env.float("DINGTALK_JOB_STALL_SECONDS", default=60.0)
# Seconds between two background reads of every registered meeting that has not ended (meetings/services/
# sync.py): what changed in DingTalk is taken over. 0 turns the sync off.
DINGTALK_SYNC_INTERVAL = env.float("DINGTALK_SYNC_INTERVAL", default=15 * 60.0)

# --- Security ---------------------------------------------------------------------------------------
# Production is HTTPS only. DEBUG (runserver) and the tests (settings_test) speak plain http.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# The language switcher's cookie: https only in production, not sent by other sites' requests, and not
# for scripts (the server reads it; no script does).
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
# Behind a proxy that terminates TLS, Django sees plain http; the proxy says the truth in
# X-Forwarded-Proto. Turn this on only when that proxy always sets (and overwrites) the header.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Scripts and styles come only from our own files (the admin's too): no 'unsafe-inline' anywhere.
# django-csp sends it on every response that does not set its own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- DingTalk -------------------------------------------------------------------------------------
# Fernet keys, comma-separated: the first encrypts, every one decrypts
# (docs/operating.md, "Credentials and key rotation").
# Checked by meetings.crypto.check_keys (system check meetings.E001, and wsgi.py before serving).
DINGTALK_ENCRYPTION_KEYS = env.list("DINGTALK_ENCRYPTION_KEYS", default=[])
# (connect, read) seconds for one attempt.
DINGTALK_CONNECT_TIMEOUT = env.float("DINGTALK_CONNECT_TIMEOUT", default=3.05)
DINGTALK_READ_TIMEOUT = env.float("DINGTALK_READ_TIMEOUT", default=6.0)
# Seconds all DingTalk calls of one request may take together (the read, a token renewal, the update,
# their retries and waits); the last attempt's timeouts are cut to fit. It must end well before gunicorn
# kills the worker (GUNICORN_TIMEOUT, read by admin_portal/gunicorn.conf.py too), or the person gets a
# bare 502 instead of a message.
DINGTALK_DEADLINE = env.float("DINGTALK_DEADLINE", default=20.0)
# DingTalk's rate limit, one budget for the whole deployment: at most this many calls per second to one API
# for one organization from all hosts and workers together (DingTalk's standard edition allows 20 per app and
# API; 40 professional, 60 exclusive). Kept in the database (meetings/dingtalk/pacing.py); whole calls.
DINGTALK_MAX_CALLS_PER_SECOND = env.int("DINGTALK_MAX_CALLS_PER_SECOND", default=20)
# The part of that budget background work (imports, bulk renames, the sync) may use; people's saves and
# refreshes keep the rest, so a person's save never waits behind a job.
DINGTALK_BACKGROUND_SHARE = env.float("DINGTALK_BACKGROUND_SHARE", default=0.8)
if DINGTALK_MAX_CALLS_PER_SECOND < 1 or not 0 < DINGTALK_BACKGROUND_SHARE <= 1:
    raise ImproperlyConfigured(
        "DINGTALK_MAX_CALLS_PER_SECOND must be at least 1 and DINGTALK_BACKGROUND_SHARE more than 0 and at most 1."
    )
# How many meetings a bulk rename saves at once: each save mostly waits (two DingTalk round trips, its turn
# under the rate limit); 12 came nearest 20 renames/s on a loaded 2-core machine (benchmarks/bulk_rename.py).
BULK_RENAME_THREADS = env.int("BULK_RENAME_THREADS", default=12)
GUNICORN_TIMEOUT = env.int("GUNICORN_TIMEOUT", default=30)
if DINGTALK_DEADLINE > GUNICORN_TIMEOUT * 0.75:
    raise ImproperlyConfigured(
        f"DINGTALK_DEADLINE ({DINGTALK_DEADLINE:g} s) must stay under three quarters of GUNICORN_TIMEOUT "
        f"({GUNICORN_TIMEOUT} s), so a save ends with a message before gunicorn kills the worker."
    )
# Hosts besides api.dingtalk.com and api.dingtalk.io an organization's API base may name (https only),
# comma-separated: a corporate gateway in front of DingTalk (meetings/validators.py).
DINGTALK_EXTRA_API_HOSTS = env.list("DINGTALK_EXTRA_API_HOSTS", default=[])
# Seconds one save may hold a meeting (docs/operating.md, "Production": time limits, lost answers). A process
# killed mid-save leaves the meeting locked this long; then its save is checked by reading DingTalk. It must
# outlast every try of the update that can still arrive: the whole deadline, a read timeout, and as long
# again for DingTalk still working after the portal stopped waiting.
DINGTALK_UPDATE_LEASE = env.float("DINGTALK_UPDATE_LEASE", default=60.0)
if DINGTALK_UPDATE_LEASE < DINGTALK_DEADLINE + 2 * DINGTALK_READ_TIMEOUT:
    raise ImproperlyConfigured(
        f"DINGTALK_UPDATE_LEASE ({DINGTALK_UPDATE_LEASE:g} s) must be at least DINGTALK_DEADLINE plus twice "
        f"DINGTALK_READ_TIMEOUT ({DINGTALK_DEADLINE + 2 * DINGTALK_READ_TIMEOUT:g} s), so no update of a "
        "save whose process died can reach DingTalk after the portal checked what DingTalk has."
    )
# The local sandbox (`manage.py dingtalk_sandbox`) is a development tool. Only then may an
# organization point at a plain-http loopback address.
DINGTALK_SANDBOX_ENABLED = env.bool("DINGTALK_SANDBOX_ENABLED", default=DEBUG)
# Set by `manage.py rundemo` (`make run`) for the portal it starts: in development only, the menu then
# links to the sandbox's control page, where a demo arms faults.
DINGTALK_SANDBOX_URL = env("DINGTALK_SANDBOX_URL", default="") if DEBUG and DINGTALK_SANDBOX_ENABLED else ""
if DINGTALK_SANDBOX_ENABLED:
    # The demo app (rundemo, seed_demo, dingtalk_sandbox, the menu link) exists only in development.
    INSTALLED_APPS.append("demo")
    TEMPLATES[0]["OPTIONS"]["context_processors"].append("demo.context_processors.dingtalk_sandbox")

# Error reports (the DEBUG 500 page, mails to ADMINS) mask tokens, secrets and database passwords
# in local variables, POST data, headers and settings, whatever DEBUG is (admin_portal/reporting.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "admin_portal.reporting.SecretsReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        # One JSON object per line, with the request ID (admin_portal/logging.py): what log shippers read.
        "json": {"()": "admin_portal.logging.JsonFormatter"},
    },
    # On every handler: tokens and secrets never reach a log line (admin_portal/logging.py).
    "filters": {
        "redact_secrets": {"()": "admin_portal.logging.RedactSecretsFilter"},
        "request_id": {"()": "admin_portal.logging.RequestIdFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("DJANGO_LOG_FORMAT", default="plain" if DEBUG else "json"),
            "filters": ["redact_secrets", "request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's defaults give "django" a console handler of its own (in DEBUG) that also propagates to
        # the root's: every line and traceback would print twice under runserver (`make run`). One handler.
        "django": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}
