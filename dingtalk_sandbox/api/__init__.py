"""DingTalk's v1.0 endpoints, as documented in shared/dingtalk-api.md.

Checks run in the order a gateway would: route, armed fault, access token, scope, body, business
rules. Where DingTalk documents no exact code (a non-JSON body, an unknown route, a bad suite
ticket) the sandbox picks the nearest documented one and says so here, so nobody mistakes it for
DingTalk's word:

- non-JSON or non-object body, missing or mistyped field: 400 `paramsError` `error:<detail>`;
- unknown path or method: 404 `InvalidAction.NotFound`;
- third-party token for a corp that has not authorized the suite, or a wrong suite ticket:
  400 `paramsError`;
- a settings field of the wrong type or out of range: 400 `paramsError`;
- more than `state.qps` calls to one API within a second (`DINGTALK_SANDBOX_QPS`, off by default):
  403 `Forbidden.AccessDenied.QpsLimitForApi`, checked first, as a gateway would.

Rooms: `gateway` (routes, rate limit, faults, token and scope, the request log), `errors` (DingTalk's
error replies), `body` (reading a call's JSON body), and one module per API family: `tokens`,
`meetings` (query and update, what the portal edits with), `scheduling` (create, cancel, settings),
`room_codes` (the lookup by meeting number).
"""

from .errors import MEETING_CANCELED_MESSAGE, QPS_LIMIT_CODE, ApiError
from .gateway import FAULT_DETAIL, HANDLERS, REQUIRED_SCOPE, ROUTES, TOKEN_HEADER, fault_reply, handle_api, route

__all__ = [
    "FAULT_DETAIL",
    "HANDLERS",
    "MEETING_CANCELED_MESSAGE",
    "QPS_LIMIT_CODE",
    "REQUIRED_SCOPE",
    "ROUTES",
    "TOKEN_HEADER",
    "ApiError",
    "fault_reply",
    "handle_api",
    "route",
]
