"""What DingTalk needs to authenticate an organization, and why there may be no token to send.

Three ways to authenticate (Organization.AuthMode): a pasted access token; an internal app (app key and
secret); a third-party enterprise app (suite key and secret, authorized corp ID, suite ticket). This module
says which stored fields each way needs, whether they are there and decrypt, and holds the errors for an
organization the portal cannot get a token for. Secrets are EncryptedTextFields on Organization: reading
whether one is set decrypts nothing (meetings/fields.py).

Imported by name (`from meetings.dingtalk import credentials`), not through the package: it reads models.
"""

from __future__ import annotations

import datetime

from ..fields import decrypts, is_set
from ..models import Organization
from .errors import DingTalkError

# The fields each way of authenticating needs.
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


class TokenRequestFailed(DingTalkError):
    """DingTalk gave no token (its status, code and request ID are kept), or none came in time.

    A failed DingTalk call, but the token endpoint's: the meeting call it was for was never sent.
    """

    sent = False

    @classmethod
    def from_error(cls, error: DingTalkError) -> TokenRequestFailed:
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
        if name in SECRET_FIELDS and is_set(organization, name) and not decrypts(organization, name)
    )


def _is_set(organization: Organization, name: str) -> bool:
    return is_set(organization, name) if name in SECRET_FIELDS else bool(getattr(organization, name))


def uses_app(organization: Organization) -> bool:
    """True when the portal obtains (and renews) the organization's tokens itself."""
    return organization.auth_mode != Organization.AuthMode.ACCESS_TOKEN
