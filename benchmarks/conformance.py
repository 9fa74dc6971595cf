"""Conformance: the sandbox answers as DingTalk does, judged by DingTalk's own SDK.

The official SDK (alibabacloud-dingtalk: `oauth2_1_0` and `conference_1_0` clients, requirements-bench.txt)
and the portal's client each make the same call to a local sandbox (dingtalk_sandbox.Sandbox on
127.0.0.1), for every API the portal calls. For each, it fails when

- the SDK cannot make the call, or its reply does not parse into the SDK's model: a field the model does
  not know, a value of another type than the model declares, anything lost between the reply and the model;
- what the portal's client reads differs from what the SDK's model holds;
- the two clients' requests differ (method, path, query, JSON body), as the sandbox received them.

What the portal reads is compared with the SDK's model of the same reply: the portal's own reply parsed
into the SDK's model (a create books two meetings, one per client, with two IDs). The APIs, each with its
SDK call, the portal's call and what the portal reads in the SDK's terms, are in conformance_apis.APIS.

    .venv/bin/python -m benchmarks.conformance
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import json
import typing
from collections.abc import Iterator

import requests

from . import common
from .conformance_apis import APIS, DEMO, PORTAL_READS, Api, Clients, book

# Present in every SDK reply model, filled by the SDK itself rather than read from the body.
SDK_ENVELOPE = {"headers", "status_code", "body"}


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


class _Replay:
    """A streamed reply's body, already read, read again the way the portal's transport reads a stream."""

    def __init__(self, body: bytes):
        self._body = io.BytesIO(body)

    def read1(self, amount: int = -1, decode_content: bool | None = None) -> bytes:
        return self._body.read1(amount)

    def close(self) -> None:
        self._body.close()


@contextlib.contextmanager
def replies() -> Iterator[list[bytes]]:
    """The raw body of every reply requests' HTTPAdapter receives meanwhile (the SDK sends through one).

    The portal's transport streams its replies to bound them (issue 20): a streamed body is read here and
    handed to its reader again as a stream (_Replay), as it came."""
    bodies: list[bytes] = []
    original = requests.adapters.HTTPAdapter.send

    def send(adapter, request, *args, **kwargs):
        response = original(adapter, request, *args, **kwargs)
        if kwargs.get("stream"):
            body = response.raw.read(decode_content=False)
            response.raw.release_conn()
            response.raw = _Replay(body)
        else:
            body = response.content
        bodies.append(body)
        return response

    requests.adapters.HTTPAdapter.send = send
    try:
        yield bodies
    finally:
        requests.adapters.HTTPAdapter.send = original


if __name__ == "__main__":
    raise SystemExit(main())
