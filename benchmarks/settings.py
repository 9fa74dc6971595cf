"""The production settings, as benchmarks and the load test run them: plain http on loopback.

Everything else is production: DEBUG off, the production password hasher, middleware, logging and
database options. The runner (benchmarks/common.py) puts the keys, the database and the sandbox switch
in the environment before Django starts, the same for every process of one run.
"""

from admin_portal.settings import *  # noqa: F403

# The benchmark clients speak http to 127.0.0.1: no HTTPS redirect, and cookies a client sends back over
# http. Production keeps all three on.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Static files from the app directories, without collectstatic; the pages under test are the same.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
