"""Test settings: the real settings with fixed, throwaway keys and a fast password hasher."""

import os

# Whatever `make run` left beside manage.py (.env, with DJANGO_DEBUG=1 and its own keys) is no part of a test
# run: neither these settings nor the processes the tests start (they inherit this environment) read it.
os.environ["DJANGO_ENV_FILE"] = ""
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
# A fixed test key, so a failing test can be re-run against the same ciphertext.
os.environ.setdefault("DINGTALK_ENCRYPTION_KEYS", "n2kZDnX5cjyA3ofd6cUGyN1XQpo6fXrqtVUK4N2m4fA=")
# DingTalk's budget (meetings/dingtalk/pacing.py) is taken from the database on every call, as in production,
# but wide enough that a test's quick succession of calls to `responses` never waits; the tests of the budget
# set their own.
os.environ.setdefault("DINGTALK_MAX_CALLS_PER_SECOND", "1000")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in production: an in-memory test database shares one cache between threads, where a
    # busy writer fails at once ("table is locked") instead of waiting. One per run, so parallel runs
    # in the same tree do not meet.
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"portal-test-{os.getpid()}.sqlite3")
    }
# One test run covers the product and the demo: the demo app is installed whatever
# DINGTALK_SANDBOX_ENABLED says (its commands still check the setting; tests switch it).
if "demo" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS.append("demo")  # noqa: F405
    TEMPLATES[0]["OPTIONS"]["context_processors"].append("demo.context_processors.dingtalk_sandbox")  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
STATIC_ROOT = None  # nothing is collected in tests; WhiteNoise serves from the finders
WHITENOISE_USE_FINDERS = True
# The test client and the e2e tests speak plain http; production settings keep all three on.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
