"""Which access token the portal sends for an organization, and what to do when DingTalk refuses it.

Three ways to authenticate (Organization.AuthMode):
- a pasted token is sent as is until its optional expiry; the portal has nothing to renew it with;
- an internal app or a third-party enterprise app: the portal asks DingTalk for a token, keeps it
  (encrypted) with its expiry and asks again REFRESH_MARGIN before that.

Single flight: at most one token request per organization is in flight across all processes and hosts.
Whoever moves `token_refresh_lease_until` into the future with a conditional UPDATE (one row affected)
asks DingTalk; the others re-read the row every POLL_INTERVAL until a fresh token appears or the lease
runs out, and then one of them takes over. Leases and expiries are written and compared on the database's
clock (meetings/clock.py), and a holder whose lease ran out stores its token only over an older one. Each
step is a single autocommitted statement, so no transaction -- and on SQLite no write lock -- is held while
DingTalk answers. Callers must therefore not wrap call_with_token in transaction.atomic (the services do not).

Functions that hold a token or secret in a local variable are marked `sensitive_variables`, so Django's
error pages and error mails show those as stars.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import dingtalk, fields
from .clock import database_now
from .dingtalk import pacing
from .models import Organization

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Ask for a new token this long before the cached one expires (DingTalk's live for 7200 s).
REFRESH_MARGIN = datetime.timedelta(minutes=5)
# How often a worker waiting for another one's token request re-reads the row, in seconds.
POLL_INTERVAL = 0.05

# How that worker waits and tells the time. Tests replace these (monkeypatch.setattr(credentials, "sleep",
# ...)), as they do DingTalkClient's, rather than patch the time module for the whole process.
sleep: Callable[[float], None] = time.sleep
clock: Callable[[], float] = time.monotonic

# The fields each way of authenticating needs. Secrets are EncryptedTextFields on Organization.
REQUIRED_FIELDS = {
    Organization.AuthMode.ACCESS_TOKEN: ("access_token",),
    Organization.AuthMode.INTERNAL_APP: ("app_key", "app_secret"),
    Organization.AuthMode.THIRD_PARTY_APP: ("app_key", "app_secret", "auth_corp_id", "suite_ticket"),
}
SECRET_FIELDS = ("access_token", "app_secret", "suite_ticket")
# What a token obtained from DingTalk was obtained with: when one changes, the cached token is dropped.
TOKEN_SOURCE_FIELDS = ("api_base", "auth_mode", "app_key", "app_secret", "auth_corp_id", "suite_ticket")


class CredentialsError(Exception):
    """The portal has no token to send for the organization, so no DingTalk call is made.

    Not a DingTalkError: nothing was asked of DingTalk. Callers catch both (services, admin).
    """


class CredentialsMissing(CredentialsError):
    """The organization's way of authenticating lacks a value (`missing` names the fields)."""

    def __init__(self, summary: str, *, missing: tuple[str, ...]):
        super().__init__(summary)
        self.missing = missing


class SecretUndecryptable(CredentialsError):
    """A stored secret the organization needs cannot be decrypted with any configured key: it must be pasted again."""


class PastedTokenExpired(CredentialsError):
    """The pasted token is past the expiry an administrator gave it: it is not sent."""

    def __init__(self, summary: str, *, expired_at: datetime.datetime):
        super().__init__(summary)
        self.expired_at = expired_at


class TokenRequestFailed(dingtalk.DingTalkError):
    """DingTalk gave no token (its status, code and request ID are kept), or none came in time.

    A failed DingTalk call, but the token endpoint's: the meeting call it was for was never sent.
    """

    sent = False

    @classmethod
    def from_error(cls, error: dingtalk.DingTalkError) -> TokenRequestFailed:
        return cls(
            f"Token request failed: {error}",
            status=error.status,
            code=error.code,
            message=error.message,
            request_id=error.request_id,
        )


def missing_credentials(*, auth_mode: str, values: dict[str, str]) -> tuple[str, ...]:
    """The names of the fields `auth_mode` needs that are empty in `values`."""
    return tuple(name for name in REQUIRED_FIELDS[auth_mode] if not values.get(name))


def stored_missing_credentials(organization: Organization) -> tuple[str, ...]:
    """The names of the fields the organization's way of authenticating needs and lacks (decrypting nothing)."""
    values = {name: _is_set(organization, name) for name in REQUIRED_FIELDS[organization.auth_mode]}
    return missing_credentials(auth_mode=organization.auth_mode, values=values)


def undecryptable_credentials(organization: Organization) -> tuple[str, ...]:
    """The names of the stored secrets the organization needs that no configured key decrypts."""
    return tuple(
        name
        for name in REQUIRED_FIELDS[organization.auth_mode]
        if name in SECRET_FIELDS and fields.is_set(organization, name) and not fields.decrypts(organization, name)
    )


def _is_set(organization: Organization, name: str) -> bool:
    return fields.is_set(organization, name) if name in SECRET_FIELDS else bool(getattr(organization, name))


def uses_app(organization: Organization) -> bool:
    """True when the portal obtains (and renews) the organization's tokens itself."""
    return organization.auth_mode != Organization.AuthMode.ACCESS_TOKEN


def access_token_for(*, organization: Organization) -> str:
    """The token to put in `x-acs-dingtalk-access-token` for this organization.

    Raises CredentialsError when there is none to send, TokenRequestFailed when DingTalk gave none.
    """
    missing = stored_missing_credentials(organization)
    if missing:
        raise CredentialsMissing(f"{organization.auth_mode} lacks {', '.join(missing)}", missing=missing)
    undecryptable = undecryptable_credentials(organization)
    if undecryptable:
        raise SecretUndecryptable(f"No configured key decrypts {', '.join(undecryptable)}")
    if not uses_app(organization):
        expires_at = organization.access_token_expires_at
        if expires_at is not None and expires_at <= timezone.now():
            raise PastedTokenExpired(f"The pasted token expired at {expires_at.isoformat()}", expired_at=expires_at)
        return organization.access_token
    if _is_fresh(organization):
        return organization.access_token
    return _refreshed_token(organization)


@sensitive_variables()
def call_with_token(*, organization: Organization, call: Callable[[str], T]) -> T:
    """Run `call(access_token)` for the organization; CredentialsError and DingTalkError propagate.

    When DingTalk answers InvalidAuthentication to a token the portal obtained itself, the token is
    renewed once and the call made once more (DingTalk refused before acting, so repeating is safe).
    A pasted token is not retried: only an administrator can give a new one.
    """
    with pacing.paced(organization.pk):  # every call, the token request too, from the organization's budget
        token = access_token_for(organization=organization)
        try:
            return call(token)
        except dingtalk.DingTalkAPIError as error:
            if error.code != dingtalk.Code.INVALID_AUTHENTICATION or not uses_app(organization):
                raise
            logger.info(
                "DingTalk refused the cached token of organization %s (request id %s); renewing it once",
                organization.pk,
                error.request_id or "-",
            )
        _expire_cached_token(organization)
        return call(access_token_for(organization=organization))


def organization_check_connection(*, organization: Organization) -> datetime.datetime | None:
    """Prove the credentials work; returns when the token expires (None: a pasted token with no expiry).

    App credentials: asks DingTalk for a token now (and keeps it). A pasted token cannot be tested
    without a meeting, so only its presence and expiry are checked. Raises CredentialsError or
    DingTalkError.
    """
    if uses_app(organization):
        _expire_cached_token(organization)
    with pacing.paced(organization.pk):
        access_token_for(organization=organization)
    return organization.access_token_expires_at


def forget_token_if_source_changed(organization: Organization, *, changed: set[str]) -> bool:
    """Drop the cached token (not yet saved) when what it was obtained with changed; True if dropped."""
    if uses_app(organization) and changed & set(TOKEN_SOURCE_FIELDS):
        organization.access_token = ""
        organization.access_token_expires_at = None
        return True
    return False


def _is_fresh(organization: Organization) -> bool:
    return has_fresh_token(organization, margin=REFRESH_MARGIN)


def has_fresh_token(
    organization: Organization, *, margin: datetime.timedelta, now: datetime.datetime | None = None
) -> bool:
    """True when a usable token is cached and stays valid for `margin` more after `now` (default: this
    host's clock, good enough to use a token or show its status; the lease decides on the database's)."""
    expires_at = organization.access_token_expires_at
    # A cached token no key decrypts is as good as none: a new one is fetched.
    return (
        fields.is_set(organization, "access_token")
        and fields.decrypts(organization, "access_token")
        and (expires_at is not None and expires_at - margin > (now or timezone.now()))
    )


def _lease_duration() -> datetime.timedelta:
    # Longer than one token request can last, so a live request is never overtaken.
    return datetime.timedelta(seconds=settings.DINGTALK_CONNECT_TIMEOUT + settings.DINGTALK_READ_TIMEOUT + 2)


def _expire_cached_token(organization: Organization) -> None:
    """Mark the cached token stale for every worker, unless someone already replaced it.

    The expiry doubles as a version: a token another worker stored meanwhile has another expiry and
    is left alone (this worker then reads and uses it).
    """
    Organization.objects.filter(
        pk=organization.pk, access_token_expires_at=organization.access_token_expires_at
    ).update(access_token_expires_at=None)
    organization.access_token_expires_at = None


@sensitive_variables()
def _refreshed_token(organization: Organization) -> str:
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
    except dingtalk.DingTalkError as error:
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
def _request_token(organization: Organization) -> dingtalk.AccessToken:
    client = dingtalk.client_for(organization.api_base)
    if organization.auth_mode == Organization.AuthMode.INTERNAL_APP:
        return client.get_access_token(app_key=organization.app_key, app_secret=organization.app_secret)
    return client.get_corp_access_token(
        suite_key=organization.app_key,
        suite_secret=organization.app_secret,
        auth_corp_id=organization.auth_corp_id,
        suite_ticket=organization.suite_ticket,
    )
