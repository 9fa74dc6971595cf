"""DingTalk's error replies as the endpoints raise them, and the state's refusals turned into them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ..records import Meeting
from ..state import MeetingCanceled, MeetingNotFound, NotCreator, SandboxState
from ..wire import Reply, error_reply

MEETING_CANCELED_MESSAGE = "Schedule conference has canceled"
QPS_LIMIT_CODE = "Forbidden.AccessDenied.QpsLimitForApi"


class ApiError(Exception):
    """A DingTalk error reply: HTTP status, `code`, `message` and optional extra body fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def reply(self, request_id: str) -> Reply:
        return error_reply(self.status, self.code, self.message, request_id, **self.extra)


def params_error(detail: str) -> ApiError:
    return ApiError(400, "paramsError", f"error:{detail}")


def permission_error(detail: str) -> ApiError:
    return ApiError(400, "permissionError", f"permissionError:{detail}")


def resource_cancel() -> ApiError:
    return ApiError(400, "resourceCancel", MEETING_CANCELED_MESSAGE)


def system_error(detail: str) -> ApiError:
    return ApiError(500, "systemError", f"systemError:{detail}")


def invalid_authentication() -> ApiError:
    # DingTalk answers 400 (not 401) for a missing, unknown or expired token.
    return ApiError(400, "InvalidAuthentication", "invalid or expired access token")


def missing_scope(scope: str) -> ApiError:
    return ApiError(
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        f"the app lacks the permission scope {scope}",
        accessdenieddetail={"requiredScopes": [scope]},
    )


def qps_limit() -> ApiError:
    return ApiError(403, QPS_LIMIT_CODE, "QPS limit exceeded for this api")


def invalid_credentials() -> ApiError:
    return ApiError(400, "invalidClientIdOrSecret", "invalid clientId or clientSecret")


def meeting_not_found() -> ApiError:
    return params_error("scheduleConferenceId does not exist")


def live_meeting(state: SandboxState, schedule_conference_id: str) -> Meeting:
    """The meeting, if it exists and is not canceled; else DingTalk's refusal."""
    meeting = state.get_meeting(schedule_conference_id)
    if meeting is None:
        raise meeting_not_found()
    if meeting.canceled:
        raise resource_cancel()
    return meeting


@contextlib.contextmanager
def refused_as_dingtalk(not_creator: str) -> Iterator[None]:
    """A change of a meeting the state refuses (unknown, not the creator's, canceled), answered as DingTalk
    does; `not_creator` is the permissionError's detail."""
    try:
        yield
    except MeetingNotFound:
        raise meeting_not_found() from None
    except NotCreator:
        raise permission_error(not_creator) from None
    except MeetingCanceled:
        raise resource_cancel() from None
