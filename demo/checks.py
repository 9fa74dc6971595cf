"""`check --deploy`: the local DingTalk sandbox (plain http, demo credentials) is never on in production.

Its counterpart, that no stored organization points at the sandbox while it is off, stays with the
product (meetings/checks.py): this app is not even installed then.
"""

from django.conf import settings
from django.core import checks


def check_sandbox_is_for_development(app_configs=None, **kwargs):
    if settings.DINGTALK_SANDBOX_ENABLED and not settings.DEBUG:
        return [
            checks.Warning(
                "DINGTALK_SANDBOX_ENABLED is on: organizations may point at the local DingTalk sandbox over "
                "plain http.",
                hint="Unset DINGTALK_SANDBOX_ENABLED in production (it defaults to DJANGO_DEBUG).",
                # The id people may have silenced, kept from when the check lived in meetings.
                id="meetings.W001",
            )
        ]
    return []
