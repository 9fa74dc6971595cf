import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "admin_portal.settings")

application = get_wsgi_application()

# gunicorn runs no system checks: refuse to start without usable encryption keys (meetings.E001).
from meetings import crypto  # noqa: E402 -- needs the settings configured above

crypto.check_keys()
