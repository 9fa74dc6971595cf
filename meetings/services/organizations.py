"""Use cases for organizations: storing one with its secrets (the admin, `add_org`), checking its connection."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping

from django.db import IntegrityError, transaction

from .. import texts
from ..dingtalk import token_lease, tokens
from ..dingtalk.credentials import TOKEN_SOURCE_FIELDS, uses_app
from ..models import Meeting, Organization
from ..validators import canonical_api_base
from .errors import MeetingError


class OrganizationHostTaken(MeetingError):
    """Another organization on the new DingTalk host has one of this organization's meetings in the portal."""


def organization_save(
    *,
    organization: Organization,
    changed: Collection[str],
    secrets: Mapping[str, str] | None = None,
) -> Organization:
    """Store a new organization, or the fields of an existing one that `changed`, with what follows.

    `organization` carries the new values; `secrets` maps a secret field to a new value (empty keeps the
    stored one). The API base is stored in its canonical form (validators.canonical_api_base) and its
    meetings move with it (Meeting.api_base): OrganizationHostTaken, and nothing stored, when one of them
    is in the portal under another organization on the new host. A cached app token is dropped when what
    it was obtained with changed. An existing row is written in those columns only, so a token another
    worker renewed meanwhile, and its renewal lease, stay (dingtalk/token_lease.py).
    """
    changed = set(changed)
    for name, value in (secrets or {}).items():
        if value:
            setattr(organization, name, value)
            changed.add(name)
    organization.api_base = canonical_api_base(organization.api_base)
    token_dropped = _forget_token_if_source_changed(organization, changed=changed)
    if organization.pk is None:
        organization.save()
        return organization
    columns = {field.name for field in Organization._meta.concrete_fields}
    # The expiry is an administrator's only for a pasted token; an app token's is DingTalk's.
    update_fields = (changed & columns) - {"access_token_expires_at"} | {"updated_at"}
    pasted = organization.auth_mode == Organization.AuthMode.ACCESS_TOKEN
    if token_dropped or (pasted and "access_token_expires_at" in changed):
        update_fields |= {"access_token", "access_token_expires_at"}
    try:
        with transaction.atomic():
            organization.save(update_fields=update_fields)
            if "api_base" in update_fields:
                Meeting.objects.filter(organization=organization).update(api_base=organization.api_base)
    except IntegrityError:
        raise OrganizationHostTaken(texts.ORGANIZATION_HOST_TAKEN % {"host": organization.api_base}) from None
    return organization


def _forget_token_if_source_changed(organization: Organization, *, changed: set[str]) -> bool:
    """Drop the cached token (not yet saved) when what it was obtained with changed; True if dropped."""
    if uses_app(organization) and changed & set(TOKEN_SOURCE_FIELDS):
        organization.access_token = ""
        organization.access_token_expires_at = None
        return True
    return False


def organization_check_connection(*, organization: Organization) -> datetime.datetime | None:
    """Prove the credentials work; returns when the token expires (None: a pasted token with no expiry).

    App credentials: asks DingTalk for a token now (and keeps it). A pasted token cannot be tested
    without a meeting, so only its presence and expiry are checked. Raises CredentialsError or
    DingTalkError.
    """
    if uses_app(organization):
        token_lease.expire_cached_token(organization)
    tokens.access_token_for(organization=organization)
    return organization.access_token_expires_at
