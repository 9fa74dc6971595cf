"""Reading a call's JSON body: each field's presence, type and range, refused as DingTalk does (paramsError)."""

from __future__ import annotations

from typing import Any

from meetings.dingtalk.limits import TITLE_MAX_LENGTH, title_length

from ..wire import Request
from .errors import params_error

TITLE_MAX_CHARS = TITLE_MAX_LENGTH


def json_object(request: Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise params_error("Content-Type must be application/json")
    try:
        body = request.json()
    except ValueError:
        raise params_error("body is not valid JSON") from None
    if not isinstance(body, dict):
        raise params_error("body must be a JSON object")
    return body


def string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise params_error(f"{name} is required")
    if not isinstance(value, str):
        raise params_error(f"{name} must be a string")
    if not value:
        raise params_error(f"{name} must not be empty")
    return value


def epoch_millis(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if value is None:
        raise params_error(f"{name} is required")
    # bool is an int subclass in Python but not a Long in DingTalk's Java.
    if isinstance(value, bool) or not isinstance(value, int):
        raise params_error(f"{name} must be an integer (epoch milliseconds)")
    if value < 0:
        raise params_error(f"{name} must not be negative")
    return value


def title(body: dict[str, Any], max_chars: int) -> str:
    value = string(body, "title")
    # Counted as DingTalk's Java backend does, in UTF-16 code units (meetings/dingtalk/limits.py).
    if title_length(value) > max_chars:
        raise params_error(f"title must be at most {max_chars} characters")
    return value


def times(body: dict[str, Any]) -> tuple[int, int]:
    start_time, end_time = epoch_millis(body, "startTime"), epoch_millis(body, "endTime")
    if end_time <= start_time:
        raise params_error("endTime must be after startTime")
    return start_time, end_time


def creator_and_meeting(body: dict[str, Any]) -> tuple[str, str]:
    """Who asks and which meeting, as every change of a meeting names them (`creatorUnionId` first)."""
    return string(body, "creatorUnionId"), string(body, "scheduleConferenceId")
