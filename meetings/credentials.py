"""Which access token the portal sends for an organization, and what to do when DingTalk refuses it."""

from collections.abc import Callable
from typing import TypeVar

from .models import Organization

T = TypeVar("T")


def access_token_for(*, organization: Organization) -> str:
    """The token to put in `x-acs-dingtalk-access-token` for this organization."""
    return organization.access_token


def call_with_token(*, organization: Organization, call: Callable[[str], T]) -> T:
    """Run `call(access_token)` for the organization; DingTalkError propagates to the caller."""
    return call(access_token_for(organization=organization))
