"""The benchmark settings (benchmarks/settings.py) plus the peer admin sites: the only differences are
the installed peer app and a URL configuration that serves the portal's URLs and, after them, the peer's.

Both sides of a comparison run under these settings in the same process (or the same gunicorn), so
neither has a setting the other lacks.
"""

from benchmarks.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.peer"]  # noqa: F405
ROOT_URLCONF = "benchmarks.peer.urls"
