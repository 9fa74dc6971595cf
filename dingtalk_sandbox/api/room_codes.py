"""`GET /v1.0/conference/roomCodes/{roomCode}/infos`: the booked meetings behind a meeting number, in pages."""

from __future__ import annotations

import urllib.parse
from typing import Any

from ..state import SandboxState
from ..wire import Reply, Request, json_reply
from .errors import params_error

# The page size when `maxResults` is not given, and the largest it accepts.
ROOM_CODE_DEFAULT_PAGE = 20
ROOM_CODE_MAX_PAGE = 50


def room_code_lookup(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    """Pages of instances, oldest first; `nextToken` is an offset."""
    room_code = urllib.parse.unquote(params["room_code"])
    page_size = request.query.get("maxResults") or str(ROOM_CODE_DEFAULT_PAGE)
    if not page_size.isdigit() or not 1 <= int(page_size) <= ROOM_CODE_MAX_PAGE:
        raise params_error(f"maxResults must be an integer from 1 to {ROOM_CODE_MAX_PAGE}")
    next_token = request.query.get("nextToken") or "0"
    if not next_token.isdigit():
        raise params_error("nextToken is invalid")
    instances = state.instances_by_room_code(room_code)
    start, size = int(next_token), int(page_size)
    page = instances[start : start + size]
    has_more = start + size < len(instances)
    reply: dict[str, Any] = {"conferenceList": page, "hasMore": has_more, "totalCount": len(instances)}
    if has_more:
        reply["nextToken"] = str(start + size)
    return json_reply(200, reply)
