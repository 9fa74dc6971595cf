"""Create and cancel a booked meeting, and read or change its settings (`scheduleConfSettingModel`)."""

from __future__ import annotations

from typing import Any

from ..state import SandboxState
from ..wire import Reply, Request, json_reply
from .body import TITLE_MAX_CHARS, creator_and_meeting, json_object, string, times, title
from .errors import live_meeting, params_error, refused_as_dingtalk

# Create cuts longer titles at 50 characters; past 256 it fails (per DingTalk's create API page).
CREATE_TITLE_HARD_MAX_CHARS = 256
CREATE_REPLY_FIELDS = ("scheduleConferenceId", "url", "roomCode", "phones")

# scheduleConfSettingModel fields the sandbox keeps, and what each must be (others are refused).
FLAG_SETTINGS = ("lockRoom", "screenShareForbidden")
EXTRA_SETTINGS = ("waitingRoom", "joinBeforeHost", "enableChat", "lockNick")


def create(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = json_object(request)
    creator = string(body, "creatorUnionId")
    new_title = title(body, CREATE_TITLE_HARD_MAX_CHARS)[:TITLE_MAX_CHARS]
    start_time, end_time = times(body)
    meeting = state.upsert_meeting(creator_union_id=creator, title=new_title, start_time=start_time, end_time=end_time)
    created = meeting.to_api()
    return json_reply(200, {key: created[key] for key in CREATE_REPLY_FIELDS})


def cancel(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    creator, meeting_id = creator_and_meeting(json_object(request))
    with refused_as_dingtalk("only the creator can cancel this conference"):
        state.cancel_meeting(meeting_id, by=creator)
    return json_reply(200, {"success": True})


def settings_query(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    meeting_id = request.query.get("scheduleConferenceId")
    if not meeting_id:
        raise params_error("scheduleConferenceId is required")
    meeting = live_meeting(state, meeting_id)
    return json_reply(200, {"scheduleConfSettingModel": meeting.current_settings()})


def settings_update(state: SandboxState, request: Request, params: dict[str, str]) -> Reply:
    body = json_object(request)
    creator, meeting_id = creator_and_meeting(body)
    changes = _settings_model(body)
    with refused_as_dingtalk("only the creator can change this conference's settings"):
        state.update_settings(meeting_id, by=creator, changes=changes)
    return json_reply(200, {"success": True})


def _settings_model(body: dict[str, Any]) -> dict[str, Any]:
    model = body.get("scheduleConfSettingModel")
    if not isinstance(model, dict):
        raise params_error("scheduleConfSettingModel must be an object")
    checked: dict[str, Any] = {}
    for name, value in model.items():
        if name == "hostUnionId":
            if not isinstance(value, str) or not value:
                raise params_error("hostUnionId must be a non-empty string")
        elif name == "cohostUnionIds":
            if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
                raise params_error("cohostUnionIds must be a list of strings")
        elif name in FLAG_SETTINGS:
            _flag(name, value)
        elif name == "muteOnJoin":
            if isinstance(value, bool) or not isinstance(value, int) or value < -1:
                raise params_error("muteOnJoin must be -1, 0 or a positive integer")
        elif name == "moziConfVirtualExtraSetting":
            if not isinstance(value, dict):
                raise params_error("moziConfVirtualExtraSetting must be an object")
            for extra_name, extra_value in value.items():
                if extra_name == "moziConfExtensionAppSettings":
                    # The official SDK always sends this list (empty unless set); kept, not interpreted.
                    if not isinstance(extra_value, list) or not all(isinstance(item, dict) for item in extra_value):
                        raise params_error("moziConfExtensionAppSettings must be a list of objects")
                    continue
                if extra_name not in EXTRA_SETTINGS:
                    raise params_error(f"moziConfVirtualExtraSetting.{extra_name} is not supported")
                _flag(extra_name, extra_value)
        else:
            raise params_error(f"{name} is not supported")
        checked[name] = value
    return checked


def _flag(name: str, value: Any) -> None:
    if isinstance(value, bool) or value not in (0, 1):
        raise params_error(f"{name} must be 0 or 1")
