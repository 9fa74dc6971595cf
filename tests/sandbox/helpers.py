"""What the sandbox tests share that is not a fixture: the seeded meeting's values, the paths, a client that
reads as DingTalk calls, and the check of DingTalk's error body.

Test modules import from here, never from one another or from conftest.py (which holds the fixtures).
"""

from __future__ import annotations

from typing import Any

import requests

from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET, Sandbox

TOKEN = "test-token"
CREATOR = "creator-union-id"
MEETING_ID = "2a489000-0000-0000-0000-000000000001"
START = 1_687_924_800_000
END = START + 3_600_000

TOKEN_PATH = "/v1.0/oauth2/accessToken"
CORP_TOKEN_PATH = "/v1.0/oauth2/corpAccessToken"
CONFERENCES_PATH = "/v1.0/conference/scheduleConferences"
CANCEL_PATH = CONFERENCES_PATH + "/cancel"
CANCELED_MESSAGE = "Schedule conference has canceled"


def query_path(meeting_id: str = MEETING_ID) -> str:
    return f"{CONFERENCES_PATH}/{meeting_id}/infos"


def update_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "creatorUnionId": CREATOR,
        "scheduleConferenceId": MEETING_ID,
        "title": "Renamed sync",
        "startTime": START,
        "endTime": END,
    }
    body.update(overrides)
    return body


class Api:
    """A thin client over one keep-alive session, so tests read as DingTalk calls."""

    def __init__(self, sandbox: Sandbox, session: requests.Session) -> None:
        self.sandbox, self.session = sandbox, session

    def url(self, path: str) -> str:
        return self.sandbox.base_url + path

    def call(self, method: str, path: str, token: str | None = TOKEN, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["x-acs-dingtalk-access-token"] = token
        return self.session.request(method, self.url(path), headers=headers, timeout=5, **kwargs)

    def update(self, token: str | None = TOKEN, **overrides: Any) -> requests.Response:
        return self.call("PUT", CONFERENCES_PATH, token, json=update_body(**overrides))

    def query(
        self, meeting_id: str = MEETING_ID, token: str | None = TOKEN, union_id: str = CREATOR
    ) -> requests.Response:
        return self.call("GET", query_path(meeting_id), token, params={"requestUnionId": union_id})

    def create(self, token: str | None = TOKEN, **overrides: Any) -> requests.Response:
        body = {"creatorUnionId": CREATOR, "title": "New meeting", "startTime": START, "endTime": END}
        body.update(overrides)
        return self.call("POST", CONFERENCES_PATH, token, json=body)

    def cancel(self, token: str | None = TOKEN, **overrides: Any) -> requests.Response:
        body = {"creatorUnionId": CREATOR, "scheduleConferenceId": MEETING_ID, **overrides}
        return self.call("POST", CANCEL_PATH, token, json=body)

    def token(self, app_key: str = DEMO_APP_KEY, app_secret: str = DEMO_APP_SECRET) -> requests.Response:
        return self.call("POST", TOKEN_PATH, None, json={"appKey": app_key, "appSecret": app_secret})

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url("/_sandbox" + path), timeout=5, **kwargs)


def assert_error(response: requests.Response, status: int, code: str, message: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["requestid"] == response.headers["x-acs-request-id"]
    if message is not None:
        assert body["message"] == message
    return body
