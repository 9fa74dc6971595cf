"""Login throttling with django-axes: after settings.AXES_FAILURE_LIMIT failed logins for one username from
one client address, that pair waits settings.AXES_COOLOFF_TIME after its last failure (docs/operating.md,
"Production", Login throttling).

Per username *and* address: a guesser is stopped without letting anyone lock a colleague out from
elsewhere. The client address is read through settings.TRUSTED_PROXY_COUNT proxies (`client_address`).
Lockouts are listed in the Django admin ("Access attempts") and lifted with `manage.py axes_reset`.
"""

import contextlib
import datetime
import ipaddress
import math

from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone


def client_address(request) -> str | None:
    """The address of the person's machine: REMOTE_ADDR, or behind N trusted proxies the N-th address from
    the right of X-Forwarded-For (each proxy appends the address it was connected from; what the client
    wrote further left is not trusted)."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if count and len(forwarded) >= count:
        candidate = forwarded[-count]
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(candidate))
    # No address at all on a unix socket: None, which the database stores and matches (an empty string
    # would be stored as NULL by PostgreSQL, and then never match again).
    return request.META.get("REMOTE_ADDR") or None


def username_key(request, credentials) -> str:
    """Usernames differing only in case or surrounding spaces are one guesser's variations."""
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    return username.strip().casefold()[:150]


@contextlib.contextmanager
def attempts_in_turn(request, username: str):
    """Login attempts for one username and address take turns: each sees the failures of those before it,
    so parallel guesses cannot all pass the check before any is counted.

    PostgreSQL: a transaction-scoped advisory lock on the pair. SQLite: the transaction's BEGIN IMMEDIATE
    (settings) already holds the database's one write lock.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                key = f"login {username_key(request, {'username': username})} {client_address(request)}"
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
        yield


def seconds_locked(request, username: str) -> int:
    """How long this username must still wait at this address: the cool-off counts from the last failure."""
    cool_off: datetime.timedelta = settings.AXES_COOLOFF_TIME
    last_failure = AccessAttempt.objects.filter(
        username=username_key(request, {"username": username}),
        ip_address=client_address(request),
        attempt_time__gte=timezone.now() - cool_off,
    ).aggregate(last=Max("attempt_time"))["last"]
    if last_failure is None:
        return 1
    return max(1, math.ceil((last_failure + cool_off - timezone.now()).total_seconds()))


def lockout_response(request, original_response, credentials):
    """AxesMiddleware's answer to a locked-out attempt: the login page as the form rendered it (with the
    message saying when to try again), as 429 with Retry-After. Both logins, the portal's and the admin's."""
    response = original_response
    response.status_code = 429
    response["Retry-After"] = str(
        getattr(request, "login_retry_after", None) or seconds_locked(request, username_key(request, credentials))
    )
    return response
