"""Logged calls as people see them: tokens, app and suite secrets and suite tickets cut to a prefix.

The state keeps every call whole, so tests can assert what DingTalk received; the control page and the
control API's JSON show only `masked_request(...)`: a sandbox page left open on a shared screen, or
read by another local program, must not hand out a token that works (issue 15, point 5).
"""

from __future__ import annotations

import re
from typing import Any

from .api import TOKEN_HEADER

SHOWN_CHARS = 4
SECRET_HEADERS = frozenset({TOKEN_HEADER, "authorization"})
# Compared lower-cased: DingTalk's camelCase fields and the old API's access_token query parameter.
SECRET_FIELDS = frozenset(
    {"appsecret", "suitesecret", "suiteticket", "accesstoken", "access_token", "clientsecret", "code", "refreshtoken"}
)
_SECRET_IN_TEXT = re.compile(
    r"""((?:appSecret|suiteSecret|suiteTicket|accessToken|access_token|clientSecret|refreshToken)["']?\s*[:=]\s*["']?)([^"'&,;\s}]+)""",
    re.IGNORECASE,
)


def mask(value: object) -> str:
    """The first few characters then "…"; nothing of a value too short to spare them."""
    text = str(value)
    return text[:SHOWN_CHARS] + "…" if len(text) > 2 * SHOWN_CHARS else "…"


def masked_request(entry: dict[str, Any]) -> dict[str, Any]:
    """A copy of a logged call (see `SandboxState.requests`) with its secrets masked."""
    return {
        **entry,
        "headers": {name: mask(value) if name in SECRET_HEADERS else value for name, value in entry["headers"].items()},
        "query": _masked_fields(entry["query"]),
        "body": _masked_fields(entry["body"]),
        "rawBody": None if entry["rawBody"] is None else _SECRET_IN_TEXT.sub(_mask_match, entry["rawBody"]),
    }


def _masked_fields(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: mask(item) if str(key).lower() in SECRET_FIELDS else _masked_fields(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked_fields(item) for item in value]
    return value


def _mask_match(match: re.Match[str]) -> str:
    return match[1] + mask(match[2])
