"""Which access token the portal sends for an organization, and what to do when DingTalk refuses it.

- a pasted token is sent as is until its optional expiry; the portal has nothing to renew it with;
- an internal app or a third-party enterprise app: the portal asks DingTalk for a token, keeps it
  (encrypted) with its expiry and asks again REFRESH_MARGIN before that, one request at a time across
  every process (token_lease.py).

Every call made here, the token request too, takes its turn from the organization's DingTalk budget
(pacing.py). Functions that hold a token in a local variable are marked `sensitive_variables`, so Django's
error pages and error mails show those as stars.

Imported by name (`from meetings.dingtalk import tokens`), not through the package: it reads models.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ..models import Organization
from . import pacing, token_lease
from .credentials import (
    CredentialsMissing,
    PastedTokenExpired,
    SecretUndecryptable,
    stored_missing_credentials,
    undecryptable_credentials,
    uses_app,
)
from .errors import Code, DingTalkAPIError

logger = logging.getLogger(__name__)

T = TypeVar("T")


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
    if token_lease.has_fresh_token(organization, margin=token_lease.REFRESH_MARGIN):
        return organization.access_token
    with pacing.paced(organization.pk):  # the token request from the organization's budget too
        return token_lease.refreshed_token(organization)


@sensitive_variables()
def call_with_token(*, organization: Organization, call: Callable[[str], T]) -> T:
    """Run `call(access_token)` for the organization; CredentialsError and DingTalkError propagate.

    When DingTalk answers InvalidAuthentication to a token the portal obtained itself, the token is
    renewed once and the call made once more (DingTalk refused before acting, so repeating is safe).
    A pasted token is not retried: only an administrator can give a new one.
    """
    with pacing.paced(organization.pk):  # every call from the organization's budget
        token = access_token_for(organization=organization)
        try:
            return call(token)
        except DingTalkAPIError as error:
            if error.code != Code.INVALID_AUTHENTICATION or not uses_app(organization):
                raise
            logger.info(
                "DingTalk refused the cached token of organization %s (request id %s); renewing it once",
                organization.pk,
                error.request_id or "-",
            )
        token_lease.expire_cached_token(organization)
        return call(access_token_for(organization=organization))
