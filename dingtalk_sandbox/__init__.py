"""A local DingTalk sandbox: a small standard-library HTTP server speaking DingTalk's wire contract.

For demos and end-to-end tests, never production. It implements the v1.0 endpoints in
shared/dingtalk-api.md (internal-app and third-party access tokens; create, query, update and
cancel a booked meeting) with DingTalk's error bodies, plus `/_sandbox/` control endpoints and an
HTML page to seed meetings and arm faults.

Rooms: `server` (HTTP, the Host check), `api` (DingTalk's endpoints and faults), `control` (the
`/_sandbox/` API) and `page` (its HTML, from `templates/`), `state` (the world, behind one lock) with
its `records` and `state_file`, `gateway_state` (rate limit, armed faults, request log: what the state
keeps about calls), `masking` (secrets in the request log as shown), `wire` (request and reply values).

Every sandbox knows a demo internal app and a demo third-party suite, both granted
`VideoConference.Conference.Read` and `VideoConference.Conference.Write`:

- appKey `sandbox-app-key`, appSecret `sandbox-app-secret`;
- suiteKey `sandbox-suite-key`, suiteSecret `sandbox-suite-secret` (any authCorpId, any suiteTicket).

and a login app, `sandbox-login-client-id` / `sandbox-login-client-secret`, whose login page (`/oauth2/auth`,
`login_page.py`) lists the demo people (`signin_state.DEMO_PEOPLE`) of each demo organization's corp and one
of a corp the portal does not know; `POST /v1.0/oauth2/userAccessToken` and `GET /v1.0/contact/users/me`
answer as DingTalk does (`api/signin.py`).

In tests:

    from dingtalk_sandbox import Sandbox

    with Sandbox(tokens=["test-token"]) as sandbox:
        sandbox.state.upsert_meeting(schedule_conference_id="m1", creator_union_id="u1",
                                     title="Standup", start_time=1_700_000_000_000,
                                     end_time=1_700_000_900_000)
        sandbox.state.arm_fault("qpsLimit", api="update", count=2)
        ...  # point the client at sandbox.base_url
        assert sandbox.state.requests("update")[0]["body"]["title"] == "..."

From a shell: `python -m dingtalk_sandbox --port 8001 --state-file var/sandbox.json --token dev`
(or `python manage.py dingtalk_sandbox`, allowed only when settings.DINGTALK_SANDBOX_ENABLED).
"""

from .records import ANY_API, APIS, CONFERENCE_SCOPES, FAULTS, READ_SCOPE, WRITE_SCOPE, Fault, Meeting
from .server import Sandbox, SandboxHTTPServer, SandboxRequestHandler
from .signin_state import (
    DEMO_CORP_IDS,
    DEMO_LOGIN_CLIENT_ID,
    DEMO_LOGIN_CLIENT_SECRET,
    DEMO_PEOPLE,
    UNKNOWN_CORP_ID,
    LoginPerson,
)
from .state import DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_SUITE_KEY, DEMO_SUITE_SECRET, SandboxState

__all__ = [
    "ANY_API",
    "APIS",
    "CONFERENCE_SCOPES",
    "DEMO_APP_KEY",
    "DEMO_APP_SECRET",
    "DEMO_CORP_IDS",
    "DEMO_LOGIN_CLIENT_ID",
    "DEMO_LOGIN_CLIENT_SECRET",
    "DEMO_PEOPLE",
    "DEMO_SUITE_KEY",
    "DEMO_SUITE_SECRET",
    "FAULTS",
    "UNKNOWN_CORP_ID",
    "LoginPerson",
    "READ_SCOPE",
    "WRITE_SCOPE",
    "Fault",
    "Meeting",
    "Sandbox",
    "SandboxHTTPServer",
    "SandboxRequestHandler",
    "SandboxState",
]
