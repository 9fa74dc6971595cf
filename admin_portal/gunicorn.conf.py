"""gunicorn settings for the portal: `gunicorn -c admin_portal/gunicorn.conf.py admin_portal.wsgi`.

Everything a deployment tunes comes from the environment (see .env.example). The portal spends most of a
save waiting for DingTalk, so each worker runs threads: a worker is a process, a thread is a request.
"""

import multiprocessing
import os
from pathlib import Path

import environ

# The same .env the Django settings read (admin_portal/settings.py, ENV_FILE), so both agree on GUNICORN_TIMEOUT.
ENV_FILE = os.environ.get("DJANGO_ENV_FILE", str(Path(__file__).resolve().parent.parent / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE)


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# A request that takes longer gets its worker killed. settings.DINGTALK_DEADLINE (20 s) keeps every
# DingTalk call, retries included, well under it, and the settings refuse a deadline too close to it.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, staggered, so a slow leak can never take the portal down.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# gunicorn 25.1+ opens a control socket for `gunicornc` at one path per user ($XDG_RUNTIME_DIR or
# ~/.gunicorn/gunicorn.ctl): a second gunicorn of the same user (staging beside production, a benchmark
# beside the tests) takes it over, and whichever stops first removes it. Off unless
# GUNICORN_CONTROL_SOCKET gives this instance a path of its own. (Older gunicorn ignores both names.)
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Only these proxies' X-Forwarded-* headers are believed (comma-separated IPs; gunicorn's default).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# Logs to stdout/stderr for the service manager. Each access line ends with the portal's request ID,
# the same one the application's JSON log lines carry.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'


def on_starting(server):
    """Before any worker starts, in the master: refuse to start with encryption keys that are malformed or
    decrypt no stored secret (meetings.E001, E002), with the checks' own words instead of 500s later."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "admin_portal.settings")
    import django
    from django.db import connections

    django.setup()
    from meetings.checks import key_errors_at_start

    try:
        errors = key_errors_at_start()
    finally:
        connections.close_all()  # no connection of the master's may be shared by the forked workers
    if errors:
        raise SystemExit("\n".join(["The portal cannot start:", *errors]))
