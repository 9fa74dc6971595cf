"""Query and update a booked meeting (`/v1.0/conference/scheduleConferences`): what the portal edits with."""

from __future__ import annotations

import urllib.parse

from ..state import SandboxState
from ..wire import Reply, Request, json_reply
from .body import TITLE_MAX_CHARS, creator_and_meeting, json_object, times, title
from .errors import live_meeting, params_error, permission_error, refused_as_dingtalk


def query(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    if not request.query.get("requestUnionId"):
        raise params_error("requestUnionId is required")
    meeting = live_meeting(state, urllib.parse.unquote(params["id"]))
    # DingTalk answers only its creator: anyone else is refused as for an update (dingtalk-api.md).
    if request.query["requestUnionId"] != meeting.creator_union_id:
        raise permission_error("requestUnionId is not the creator of this conference")
    return json_reply(200, meeting.to_api())


def update(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = json_object(request)
    creator, meeting_id = creator_and_meeting(body)
    new_title = title(body, TITLE_MAX_CHARS)
    start_time, end_time = times(body)
    with refused_as_dingtalk("only the creator can update this conference"):
        state.update_meeting(meeting_id, by=creator, title=new_title, start_time=start_time, end_time=end_time)
    return json_reply(200, {"success": True})
