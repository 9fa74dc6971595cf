"""Conformance: the sandbox answers as DingTalk does, judged by DingTalk's own SDK.

The official SDK (alibabacloud-dingtalk: `oauth2_1_0` and `conference_1_0` clients, requirements-bench.txt)
and the portal's client each make the same call to a local sandbox (dingtalk_sandbox.Sandbox on
127.0.0.1), for every API the portal calls. For each, it fails when

- the SDK cannot make the call, or its reply does not parse into the SDK's model: a field the model does
  not know, a value of another type than the model declares, anything lost between the reply and the model;
- what the portal's client reads differs from what the SDK's model holds;
- the two clients' requests differ (method, path, query, JSON body), as the sandbox received them.

What the portal reads is compared with the SDK's model of the same reply: the portal's own reply parsed
into the SDK's model (a create books two meetings, one per client, with two IDs). An API the portal comes
to call is one more entry in APIS: its SDK call, the portal's call, and what the portal reads in the SDK's
terms.

    .venv/bin/python -m benchmarks.conformance
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
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
ROOM_CODE = "123456789"
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
    # Run before each client's call: what the call changes (a cancel) is put back for the other client.
    before: Callable[[object], None] = lambda sandbox: None


@dataclass
class Clients:
    sdk_oauth2: object
    sdk_conference: object
    sdk_models: object  # conference_1_0.models
    oauth2_models: object
    runtime: object
    portal: object  # the portal's DingTalkClient
    token: str  # an access token for the conference APIs
    room_code_page_size: int  # what the portal asks for per page of a room-code lookup


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
    Api(
        name="room_code",
        sdk=lambda c: c.sdk_conference.query_conference_info_by_room_code_with_options(
            ROOM_CODE,
            c.sdk_models.QueryConferenceInfoByRoomCodeRequest(max_results=c.room_code_page_size),
            c.sdk_models.QueryConferenceInfoByRoomCodeHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.find_conferences_by_room_code(access_token=c.token, room_code=ROOM_CODE),
        reads=lambda body: [
            (
                entry.schedule_conference_id,
                entry.conference_id,
                entry.title,
                entry.start_time,
                entry.end_time,
                entry.status,
                entry.creator_id,
                entry.creator_nick,
                entry.room_code,
                entry.external_link_url,
            )
            for entry in body.conference_list
        ],
    ),
    Api(
        name="settings_query",
        sdk=lambda c: c.sdk_conference.query_schedule_conf_settings_with_options(
            c.sdk_models.QueryScheduleConfSettingsRequest(schedule_conference_id=MEETING),
            c.sdk_models.QueryScheduleConfSettingsHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.get_conference_settings(access_token=c.token, schedule_conference_id=MEETING),
        reads=lambda body: sdk_settings(body.schedule_conf_setting_model),
    ),
    Api(
        name="settings_update",
        sdk=lambda c: c.sdk_conference.update_schedule_conf_settings_with_options(
            c.sdk_models.UpdateScheduleConfSettingsRequest(
                creator_union_id=common.CREATOR,
                schedule_conference_id=MEETING,
                schedule_conf_setting_model=c.sdk_models.UpdateScheduleConfSettingsRequestScheduleConfSettingModel(
                    lock_room=1,
                    mute_on_join=5,
                    cohost_union_ids=["conformance-cohost"],
                    mozi_conf_virtual_extra_setting=(
                        c.sdk_models.UpdateScheduleConfSettingsRequestScheduleConfSettingModelMoziConfVirtualExtraSetting(
                            waiting_room=1, enable_chat=0
                        )
                    ),
                ),
            ),
            c.sdk_models.UpdateScheduleConfSettingsHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.update_conference_settings(
            access_token=c.token,
            creator_union_id=common.CREATOR,
            schedule_conference_id=MEETING,
            changes={
                "lock_room": True,
                "mute_on_join": 5,
                "cohost_union_ids": ("conformance-cohost",),
                "waiting_room": True,
                "enable_chat": False,
            },
        ),
        reads=lambda body: body.success is True,
    ),
    Api(
        name="create",
        sdk=lambda c: c.sdk_conference.create_schedule_conference_with_options(
            c.sdk_models.CreateScheduleConferenceRequest(
                creator_union_id=common.CREATOR, title="Conformance (new)", start_time=START_MS, end_time=END_MS
            ),
            c.sdk_models.CreateScheduleConferenceHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.create_schedule_conference(
            access_token=c.token,
            creator_union_id=common.CREATOR,
            title="Conformance (new)",
            starts_at=moment(START_MS),
            ends_at=moment(END_MS),
        ),
        reads=lambda body: (body.schedule_conference_id, body.url, body.room_code, tuple(body.phones or ())),
    ),
    Api(
        name="cancel",
        sdk=lambda c: c.sdk_conference.cancel_schedule_conference_with_options(
            c.sdk_models.CancelScheduleConferenceRequest(
                creator_union_id=common.CREATOR, schedule_conference_id=MEETING
            ),
            c.sdk_models.CancelScheduleConferenceHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.cancel_schedule_conference(
            access_token=c.token, creator_union_id=common.CREATOR, schedule_conference_id=MEETING
        ),
        reads=lambda body: body.success is True,
        before=lambda sandbox: book(sandbox),  # the first client's cancel would make the second's resourceCancel
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
    "room_code": lambda instances: [
        (
            instance.schedule_conference_id,
            instance.conference_id,
            instance.title,
            millis(instance.starts_at),
            millis(instance.ends_at),
            instance.status,
            instance.creator_id,
            instance.creator_nick,
            instance.room_code,
            instance.url,
        )
        for instance in instances
    ],
    "settings_query": dataclasses.asdict,
    "settings_update": lambda request_id: True,
    "create": lambda created: (created.schedule_conference_id, created.url, created.room_code, created.phones),
    "cancel": lambda request_id: True,
}
DEMO: dict[str, str] = {}


def sdk_settings(model) -> dict:
    """The SDK's scheduleConfSettingModel in the portal's ConferenceSettings terms: a flag is on when not 0,
    a value not sent is the default."""
    extra = model.mozi_conf_virtual_extra_setting
    flag = bool
    return {
        "host_union_id": model.host_union_id or "",
        "cohost_union_ids": tuple(model.cohost_union_ids or ()),
        "lock_room": flag(model.lock_room),
        "screen_share_forbidden": flag(model.screen_share_forbidden),
        "mute_on_join": model.mute_on_join or 0,
        "waiting_room": flag(extra and extra.waiting_room),
        "join_before_host": flag(extra and extra.join_before_host),
        "enable_chat": flag(extra and extra.enable_chat),
        "lock_nick": flag(extra and extra.lock_nick),
    }


def book(sandbox) -> None:
    """The meeting every conference API works on, booked afresh (not canceled, its settings the defaults)."""
    sandbox.state.upsert_meeting(
        schedule_conference_id=MEETING,
        creator_union_id=common.CREATOR,
        title="Conformance",
        start_time=START_MS,
        end_time=END_MS,
        room_code=ROOM_CODE,
    )


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
        book(sandbox)
        clients = make_clients(sandbox.base_url)
        print(f"The official SDK and the portal's client against the sandbox, {len(APIS)} APIs")
        for api in APIS:
            problems = check(api, clients, sandbox)
            print(f"  {api.name:16s} {'ok' if not problems else 'FAILED'}")
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
        room_code_page_size=common.portal().ROOM_CODE_PAGE_SIZE,
    )


def check(api: Api, clients: Clients, sandbox) -> list[str]:
    sandbox.state.clear_requests()
    api.before(sandbox)
    with replies() as sdk_replies:
        try:
            response = api.sdk(clients)
        except Exception as error:  # noqa: BLE001 -- the SDK's failure is the finding
            return [f"the SDK's call failed: {type(error).__name__}: {error}"]
    raw = json.loads(sdk_replies[-1]) if sdk_replies else None
    if not isinstance(raw, dict):
        return [f"the reply is not a JSON object: {sdk_replies[-1:]!r}"]
    problems = model_problems(response.body, raw)
    api.before(sandbox)
    with replies() as portal_replies:
        try:
            portal_read = PORTAL_READS[api.name](api.portal(clients))
        except Exception as error:  # noqa: BLE001
            return [*problems, f"the portal's call failed: {type(error).__name__}: {error}"]
    # What the SDK's model holds of the reply the portal read (the same reply, for a create too).
    sdk_read = api.reads(type(response.body)().from_map(json.loads(portal_replies[-1])))
    if portal_read != sdk_read:
        problems.append(f"the portal read {portal_read!r}, the SDK's model holds {sdk_read!r}")
    sent = [request for request in sandbox.state.requests() if request["api"] == api.name]
    if len(sent) != 2:
        problems.append(f"expected one call from each client, the sandbox received {len(sent)}")
    else:
        # The SDK adds an empty list for every list-of-models field (moziConfExtensionAppSettings in a
        # settings update); the portal leaves out what it does not change.
        sdk_request, portal_request = (
            {key: as_sent(r[key]) for key in ("method", "path", "query", "body")} for r in sent
        )
        if sdk_request != portal_request:
            problems.append(f"the clients sent different requests: SDK {sdk_request}, portal {portal_request}")
    return problems


def model_problems(model, raw: dict) -> list[str]:
    """How the SDK's model of a reply differs from the reply: unknown fields, other types, lost values,
    nested models included."""
    problems = []
    parsed = model.to_map()
    unknown = set(raw) - set(parsed) - {key for key, value in raw.items() if value is None}
    if unknown:
        problems.append(f"fields the SDK's {type(model).__name__} does not know: {sorted(unknown)}")
    lost = {key for key in parsed if as_sent(parsed[key]) != as_sent(raw.get(key))}
    if lost:
        problems.append(f"values the SDK's model changed or dropped: {sorted(lost)}")
    hints = typing.get_type_hints(type(model).__init__)
    for name in inspect.signature(type(model).__init__).parameters:
        value = getattr(model, name, None)
        if name == "self" or value is None or name in SDK_ENVELOPE:
            continue
        problems += type_problems(value, hints.get(name), f"{type(model).__name__}.{name}")
    return problems


def as_sent(value):
    """A value without the empty lists and nulls the SDK's to_map() writes for fields never sent."""
    if isinstance(value, dict):
        return {key: as_sent(item) for key, item in value.items() if item is not None and item != []}
    if isinstance(value, list):
        return [as_sent(item) for item in value]
    return value


def type_problems(value, hint, where: str) -> list[str]:
    """Where a reply's value has another type than the SDK's model declares (in its lists and nested models)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list and isinstance(value, list):
        return [problem for i, item in enumerate(value) for problem in type_problems(item, args[0], f"{where}[{i}]")]
    if isinstance(hint, type) and hasattr(hint, "to_map") and isinstance(value, hint):  # a nested model
        return model_problems(value, value.to_map())
    return [] if matches(value, hint) else [f"{where} is {value!r}, the SDK declares {hint}"]


def matches(value, hint) -> bool:
    """Whether a value has the scalar type the SDK's model declares."""
    if hint is None:
        return True
    if typing.get_origin(hint) is dict:
        return isinstance(value, dict)
    if typing.get_origin(hint) is list:
        return False  # not a list: type_problems looked into the lists
    if hint is int:
        return type(value) is int
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
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
