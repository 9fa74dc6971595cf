"""Which access token the portal sends for an organization."""

from .models import Organization


def access_token_for(*, organization: Organization) -> str:
    """The token to put in `x-acs-dingtalk-access-token` for this organization."""
    return organization.access_token
