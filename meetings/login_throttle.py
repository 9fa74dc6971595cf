"""Login throttling: after LOGIN_THROTTLE_FAILURES failed logins for one username from one address within
LOGIN_THROTTLE_WINDOW seconds, that pair may not try again until the oldest of them is a window old.

Per username *and* address: a guesser is stopped without letting anyone lock a colleague out from
elsewhere. Behind a proxy every request has the proxy's address, so the limit is then per username.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from .models import LoginFailure


def _key(username: str, address: str) -> dict:
    # Usernames differing only in case or surrounding spaces are one guesser's variations.
    return {"username": username.strip().casefold()[:150], "address": address[:64]}


def _window() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)


def login_blocked_until(*, username: str, address: str) -> datetime.datetime | None:
    """When this username may next try from this address, or None if it may try now."""
    limit = settings.LOGIN_THROTTLE_FAILURES
    recent = list(
        LoginFailure.objects.filter(**_key(username, address), created_at__gt=timezone.now() - _window())
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + _window()


def login_failure_record(*, username: str, address: str) -> None:
    LoginFailure.objects.create(**_key(username, address))
    # Failures older than the window count for nobody: keep the table small.
    LoginFailure.objects.filter(created_at__lte=timezone.now() - _window()).delete()


def login_failures_clear(*, username: str, address: str) -> None:
    """A successful login forgives this pair's earlier mistakes."""
    LoginFailure.objects.filter(**_key(username, address)).delete()
