"""Single flight: at most one token request per organization is in flight across all processes and hosts.

Whoever moves `token_refresh_lease_until` into the future with a conditional UPDATE (one row affected)
asks DingTalk; the others re-read the row every POLL_INTERVAL until a fresh token appears or the lease
runs out, and then one of them takes over. Leases and expiries are written and compared on the database's
clock (meetings/clock.py), and a holder whose lease ran out stores its token only over an older one. Each
step is a single autocommitted statement, so no transaction -- and on SQLite no write lock -- is held while
DingTalk answers. Callers must therefore not wrap a token request in transaction.atomic (the services do not).

Imported by name (`from meetings.dingtalk import token_lease`), not through the package: it reads models.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ..clock import database_now
from ..fields import decrypts, is_set
from ..models import Organization
from .client import client_for
from .credentials import TokenRequestFailed
from .errors import DingTalkError
from .values import AccessToken

logger = logging.getLogger(__name__)

# Ask for a new token this long before the cached one expires (DingTalk's live for 7200 s).
REFRESH_MARGIN = datetime.timedelta(minutes=5)
# How often a worker waiting for another one's token request re-reads the row, in seconds.
POLL_INTERVAL = 0.05

# How that worker waits and tells the time. Tests replace these (monkeypatch.setattr(token_lease, "sleep",
# ...)), as they do DingTalkClient's, rather than patch the time module for the whole process.
sleep: Callable[[float], None] = time.sleep
clock: Callable[[], float] = time.monotonic


def has_fresh_token(
    organization: Organization, *, margin: datetime.timedelta, now: datetime.datetime | None = None
) -> bool:
    """True when a usable token is cached and stays valid for `margin` more after `now` (default: this
    host's clock, good enough to use a token or show its status; the lease decides on the database's)."""
    expires_at = organization.access_token_expires_at
    # A cached token no key decrypts is as good as none: a new one is fetched.
    return (
        is_set(organization, "access_token")
        and decrypts(organization, "access_token")
        and (expires_at is not None and expires_at - margin > (now or timezone.now()))
    )


def _lease_duration() -> datetime.timedelta:
    # Longer than one token request can last, so a live request is never overtaken.
    return datetime.timedelta(seconds=settings.DINGTALK_CONNECT_TIMEOUT + settings.DINGTALK_READ_TIMEOUT + 2)


def expire_cached_token(organization: Organization) -> None:
    """Mark the cached token stale for every worker, unless someone already replaced it.

    The expiry doubles as a version: a token another worker stored meanwhile has another expiry and
    is left alone (this worker then reads and uses it).
    """
    Organization.objects.filter(
        pk=organization.pk, access_token_expires_at=organization.access_token_expires_at
    ).update(access_token_expires_at=None)
    organization.access_token_expires_at = None


@sensitive_variables()
def refreshed_token(organization: Organization) -> str:
    """A fresh token for an organization that authenticates with an app: the one another worker just
    stored, or one this worker asks DingTalk for under the lease. Raises TokenRequestFailed."""
    rows = Organization.objects.filter(pk=organization.pk)
    wait_until = clock() + _lease_duration().total_seconds() + 1
    while True:
        organization.refresh_from_db(fields=["access_token", "access_token_expires_at"])
        # The database's clock: a host whose clock runs ahead neither takes a live lease nor waits forever
        # for a token it finds stale that the UPDATE below, on the database's clock, finds fresh.
        now = database_now()
        if has_fresh_token(organization, margin=REFRESH_MARGIN, now=now):
            return organization.access_token
        lease = now + _lease_duration()
        free = Q(token_refresh_lease_until__isnull=True) | Q(token_refresh_lease_until__lt=now)
        # Checked in the same UPDATE, not only by the read above: a worker that renewed the token (and
        # freed the lease) between that read and this claim must not send us to DingTalk a second time.
        stale = Q(access_token_expires_at__isnull=True) | Q(access_token_expires_at__lte=now + REFRESH_MARGIN)
        if rows.filter(free, stale).update(token_refresh_lease_until=lease) == 1:
            break
        if clock() >= wait_until:
            raise TokenRequestFailed("Waited too long for another worker's token request")
        sleep(POLL_INTERVAL)

    requested_at = database_now()
    try:
        issued = _request_token(organization)
    except DingTalkError as error:
        rows.filter(token_refresh_lease_until=lease).update(token_refresh_lease_until=None)
        raise TokenRequestFailed.from_error(error) from error
    # Counted from before the request, so the cached expiry is never later than DingTalk's.
    stored = {
        "access_token": issued.token,
        "access_token_expires_at": requested_at + datetime.timedelta(seconds=issued.expires_in),
    }
    if not rows.filter(token_refresh_lease_until=lease).update(**stored, token_refresh_lease_until=None):
        # The lease ran out meanwhile: another worker may have stored a newer token (a later expiry). Ours is
        # stored only over an older one; otherwise the newer one is used.
        older = Q(access_token_expires_at__isnull=True) | Q(
            access_token_expires_at__lt=stored["access_token_expires_at"]
        )
        if not rows.filter(older).update(**stored):
            organization.refresh_from_db(fields=["access_token", "access_token_expires_at"])
            logger.info("Organization %s: a newer token was stored while ours was requested; using it", organization.pk)
            return organization.access_token
    organization.access_token = stored["access_token"]
    organization.access_token_expires_at = stored["access_token_expires_at"]
    logger.info("New DingTalk token for organization %s, valid for %s s", organization.pk, issued.expires_in)
    return organization.access_token


@sensitive_variables()
def _request_token(organization: Organization) -> AccessToken:
    client = client_for(organization.api_base)
    if organization.auth_mode == Organization.AuthMode.INTERNAL_APP:
        return client.get_access_token(app_key=organization.app_key, app_secret=organization.app_secret)
    return client.get_corp_access_token(
        suite_key=organization.app_key,
        suite_secret=organization.app_secret,
        auth_corp_id=organization.auth_corp_id,
        suite_ticket=organization.suite_ticket,
    )
