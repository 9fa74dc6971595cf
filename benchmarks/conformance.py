"""Conformance: the sandbox answers as DingTalk does, judged by DingTalk's own SDK.

The official SDK (alibabacloud-dingtalk: `oauth2_1_0` and `conference_1_0` clients, requirements-bench.txt)
and the portal's client each make the same call to a local sandbox (dingtalk_sandbox.Sandbox on
127.0.0.1), for every API the portal calls. For each, it fails when

- the SDK cannot make the call, or its reply does not parse into the SDK's model: a field the model does
  not know, a value of another type than the model declares, anything lost between the reply and the model;
- what the portal's client reads differs from what the SDK's model holds;
- the two clients' requests differ (method, path, query, JSON body), as the sandbox received them.

An API another issue adds is one more entry in APIS: its SDK call, the portal's call, and what the portal
reads in the SDK's terms. Not in the sandbox yet (so not here): the meeting-number lookup
(GET /v1.0/conference/roomCodes/{roomCode}/infos) and the meeting settings (GET and PUT
/v1.0/conference/scheduleConferences/settings). In the sandbox, but not called by the portal yet: create
(POST scheduleConferences) and cancel (POST scheduleConferences/cancel).

    .venv/bin/python -m benchmarks.conformance
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import inspect
import json
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import requests

from . import common


def moment(ms: int) -> datetime.datetime:
    """DingTalk's epoch milliseconds as the aware datetime the portal's client takes and returns."""
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)


def millis(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


MEETING = "conformance-meeting"
START_MS = 1_924_992_000_000
END_MS = START_MS + 45 * 60_000
# Present in every SDK reply model, filled by the SDK itself rather than read from the body.
SDK_ENVELOPE = {"headers", "status_code", "body"}


@dataclass(frozen=True)
class Api:
    """One DingTalk API, called through both clients; `reads` turns the SDK's reply body into what the
    portal's call returns."""

    name: str  # the sandbox's name of the API (its request log)
    sdk: Callable[[Clients], object]  # the SDK's call; returns its response model
    portal: Callable[[Clients], object]  # the portal's client's call; returns what it read
    reads: Callable[[object], object]  # the SDK's reply body -> the portal's reading


@dataclass
class Clients:
    sdk_oauth2: object
    sdk_conference: object
    sdk_models: object  # conference_1_0.models
    oauth2_models: object
    runtime: object
    portal: object  # the portal's DingTalkClient
    token: str  # an access token for the conference APIs


APIS: tuple[Api, ...] = (
    Api(
        name="token",
        sdk=lambda c: c.sdk_oauth2.get_access_token(
            c.oauth2_models.GetAccessTokenRequest(app_key=DEMO["app_key"], app_secret=DEMO["app_secret"])
        ),
        portal=lambda c: c.portal.get_access_token(app_key=DEMO["app_key"], app_secret=DEMO["app_secret"]),
        reads=lambda body: (body.access_token, body.expire_in),
    ),
    Api(
        name="corp_token",
        sdk=lambda c: c.sdk_oauth2.get_corp_access_token(
            c.oauth2_models.GetCorpAccessTokenRequest(
                suite_key=DEMO["suite_key"],
                suite_secret=DEMO["suite_secret"],
                auth_corp_id="conformance-corp",
                suite_ticket="conformance-ticket",
            )
        ),
        portal=lambda c: c.portal.get_corp_access_token(
            suite_key=DEMO["suite_key"],
            suite_secret=DEMO["suite_secret"],
            auth_corp_id="conformance-corp",
            suite_ticket="conformance-ticket",
        ),
        reads=lambda body: (body.access_token, body.expire_in),
    ),
    Api(
        name="query",
        sdk=lambda c: c.sdk_conference.query_schedule_conference_with_options(
            MEETING,
            c.sdk_models.QueryScheduleConferenceRequest(request_union_id=common.CREATOR),
            c.sdk_models.QueryScheduleConferenceHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.get_schedule_conference(
            access_token=c.token, schedule_conference_id=MEETING, request_union_id=common.CREATOR
        ),
        reads=lambda body: (
            body.schedule_conference_id,
            body.title,
            body.start_time,
            body.end_time,
            body.url,
            body.room_code,
        ),
    ),
    Api(
        name="update",
        sdk=lambda c: c.sdk_conference.update_schedule_conference_with_options(
            c.sdk_models.UpdateScheduleConferenceRequest(
                creator_union_id=common.CREATOR,
                schedule_conference_id=MEETING,
                title="Conformance (moved)",
                start_time=START_MS + 3_600_000,
                end_time=END_MS + 3_600_000,
            ),
            c.sdk_models.UpdateScheduleConferenceHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.update_schedule_conference(
            access_token=c.token,
            creator_union_id=common.CREATOR,
            schedule_conference_id=MEETING,
            title="Conformance (moved)",
            starts_at=moment(START_MS + 3_600_000),
            ends_at=moment(END_MS + 3_600_000),
        ),
        # The portal's call returns the request ID when DingTalk confirmed with "success": true, else raises.
        reads=lambda body: body.success is True,
    ),
)
# What the portal's call returns, in the same terms as Api.reads.
PORTAL_READS: dict[str, Callable[[object], object]] = {
    "token": lambda token: (token.token, token.expires_in),
    "corp_token": lambda token: (token.token, token.expires_in),
    "query": lambda conference: (
        MEETING,
        conference.title,
        millis(conference.starts_at),
        millis(conference.ends_at),
        conference.url,
        conference.room_code,
    ),
    "update": lambda request_id: True,
}
DEMO: dict[str, str] = {}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    import dingtalk_sandbox

    DEMO.update(
        app_key=dingtalk_sandbox.DEMO_APP_KEY,
        app_secret=dingtalk_sandbox.DEMO_APP_SECRET,
        suite_key=dingtalk_sandbox.DEMO_SUITE_KEY,
        suite_secret=dingtalk_sandbox.DEMO_SUITE_SECRET,
    )
    # The portal's client reads Django's settings; no database is needed.
    common.setup_django(common.environment("sqlite://:memory:"), migrate=False)
    failures = []
    with dingtalk_sandbox.Sandbox(host=common.LOOPBACK, tokens=[common.SANDBOX_TOKEN]) as sandbox:
        sandbox.state.upsert_meeting(
            schedule_conference_id=MEETING,
            creator_union_id=common.CREATOR,
            title="Conformance",
            start_time=START_MS,
            end_time=END_MS,
        )
        clients = make_clients(sandbox.base_url)
        print(f"The official SDK and the portal's client against the sandbox, {len(APIS)} APIs")
        for api in APIS:
            problems = check(api, clients, sandbox)
            print(f"  {api.name:11s} {'ok' if not problems else 'FAILED'}")
            failures += [f"{api.name}: {problem}" for problem in problems]
    for failure in failures:
        print(f"FAILED: {failure}")
    conforming = len(APIS) - len({failure.split(":")[0] for failure in failures})
    print(
        f"RESULT sandbox replies the SDK and the portal read alike: {conforming} of {len(APIS)} APIs "
        f"{'ok' if not failures else 'FAILED'}",
        flush=True,
    )
    return 1 if failures else 0


def make_clients(base_url: str) -> Clients:
    from alibabacloud_dingtalk.conference_1_0 import client as conference_client
    from alibabacloud_dingtalk.conference_1_0 import models as conference_models
    from alibabacloud_dingtalk.oauth2_1_0 import client as oauth2_client
    from alibabacloud_dingtalk.oauth2_1_0 import models as oauth2_models
    from alibabacloud_tea_openapi import models as openapi_models
    from alibabacloud_tea_util import models as util_models

    config = openapi_models.Config(protocol="http", endpoint=base_url.removeprefix("http://"))
    return Clients(
        sdk_oauth2=oauth2_client.Client(config),
        sdk_conference=conference_client.Client(config),
        sdk_models=conference_models,
        oauth2_models=oauth2_models,
        runtime=util_models.RuntimeOptions(),
        portal=common.portal().DingTalkClient(base_url, timeout=(3.05, 6.0), deadline=20.0),
        token=common.SANDBOX_TOKEN,
    )


def check(api: Api, clients: Clients, sandbox) -> list[str]:
    problems = []
    sandbox.state.clear_requests()
    with replies() as sdk_replies:
        try:
            response = api.sdk(clients)
        except Exception as error:  # noqa: BLE001 -- the SDK's failure is the finding
            return [f"the SDK's call failed: {type(error).__name__}: {error}"]
    raw = json.loads(sdk_replies[-1]) if sdk_replies else None
    if not isinstance(raw, dict):
        return [f"the reply is not a JSON object: {sdk_replies[-1:]!r}"]
    problems += model_problems(response.body, raw)
    try:
        portal_read = PORTAL_READS[api.name](api.portal(clients))
    except Exception as error:  # noqa: BLE001
        return [*problems, f"the portal's call failed: {type(error).__name__}: {error}"]
    if portal_read != api.reads(response.body):
        problems.append(f"the portal read {portal_read!r}, the SDK's model holds {api.reads(response.body)!r}")
    sent = [request for request in sandbox.state.requests() if request["api"] == api.name]
    if len(sent) != 2:
        problems.append(f"expected one call from each client, the sandbox received {len(sent)}")
    else:
        sdk_request, portal_request = ({key: r[key] for key in ("method", "path", "query", "body")} for r in sent)
        if sdk_request != portal_request:
            problems.append(f"the clients sent different requests: SDK {sdk_request}, portal {portal_request}")
    return problems


def model_problems(model, raw: dict) -> list[str]:
    """How the SDK's model of a reply differs from the reply: unknown fields, other types, lost values."""
    problems = []
    parsed = model.to_map()
    unknown = set(raw) - set(parsed) - {key for key, value in raw.items() if value is None}
    if unknown:
        problems.append(f"fields the SDK's {type(model).__name__} does not know: {sorted(unknown)}")
    lost = {key for key in parsed if parsed[key] != raw.get(key)}
    if lost:
        problems.append(f"values the SDK's model changed: {sorted(lost)}")
    hints = typing.get_type_hints(type(model).__init__)
    for name in inspect.signature(type(model).__init__).parameters:
        value = getattr(model, name, None)
        if name == "self" or value is None or name in SDK_ENVELOPE:
            continue
        if not matches(value, hints.get(name)):
            problems.append(f"{type(model).__name__}.{name} is {value!r}, the SDK declares {hints.get(name)}")
    return problems


def matches(value, hint) -> bool:
    """Whether a reply's value has the type the SDK's model declares (its lists and dicts included)."""
    if hint is None:
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        return isinstance(value, list) and all(matches(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict)
    if hint is int:
        return type(value) is int
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(hint, type) and hasattr(hint, "to_map"):  # a nested model
        return not model_problems(value, value.to_map())
    return isinstance(value, hint)


@contextlib.contextmanager
def replies() -> Iterator[list[bytes]]:
    """The raw body of every reply requests' HTTPAdapter receives meanwhile (the SDK sends through one)."""
    bodies: list[bytes] = []
    original = requests.adapters.HTTPAdapter.send

    def send(adapter, request, *args, **kwargs):
        response = original(adapter, request, *args, **kwargs)
        bodies.append(response.content)
        return response

    requests.adapters.HTTPAdapter.send = send
    try:
        yield bodies
    finally:
        requests.adapters.HTTPAdapter.send = original


if __name__ == "__main__":
    raise SystemExit(main())
