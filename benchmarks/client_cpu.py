"""Benchmark 1: our DingTalk client against the official SDK, client CPU time per call.

Both update the same meeting on the sandbox, which runs in its own process, so `time.process_time()`
here counts only the client's work (user and system time: building the request, the socket calls,
parsing the reply). The SDK is alibabacloud-dingtalk's conference_1_0 `update_schedule_conference_with_options`,
configured for the sandbox's plain http. For scale, three ways to send the same PUT with the libraries
underneath are measured alongside: a default `requests.Session` (which reads proxies, netrc and CA
settings from the environment on every call), a Session with `trust_env` off, and bare urllib3.

    .venv/bin/python -m benchmarks.client_cpu [--rounds 21] [--repeat 100]

Target: ours / SDK <= 0.8.
"""

from __future__ import annotations

import argparse
import json
import time

import requests
import urllib3

from . import common, processes

PATH = "/v1.0/conference/scheduleConferences"
MEETING = "bench-cpu-meeting"
START_MS = 1_900_000_000_000
END_MS = START_MS + 3_600_000
TITLES = [f"CPU benchmark {n}" for n in range(7)]
TARGET = 0.8


def contenders(base_url: str) -> dict:
    """name -> a function making one update call (and checking DingTalk said yes)."""
    from alibabacloud_dingtalk.conference_1_0 import client as sdk_client
    from alibabacloud_dingtalk.conference_1_0 import models as sdk_models
    from alibabacloud_tea_openapi import models as openapi_models
    from alibabacloud_tea_util import models as util_models

    app = common.portal()
    DingTalkClient = app.DingTalkClient
    starts_at, ends_at = app.from_epoch_ms(START_MS), app.from_epoch_ms(END_MS)

    host = base_url.removeprefix("http://")
    sdk = sdk_client.Client(openapi_models.Config(protocol="http", endpoint=host))
    runtime = util_models.RuntimeOptions()
    ours = DingTalkClient(base_url, timeout=(3.05, 6.0), deadline=20.0)
    titles = iter(TITLES * 10**6)

    def call_sdk():
        reply = sdk.update_schedule_conference_with_options(
            sdk_models.UpdateScheduleConferenceRequest(
                creator_union_id=common.CREATOR,
                schedule_conference_id=MEETING,
                title=next(titles),
                start_time=START_MS,
                end_time=END_MS,
            ),
            sdk_models.UpdateScheduleConferenceHeaders(x_acs_dingtalk_access_token=common.SANDBOX_TOKEN),
            runtime,
        )
        assert reply.body.success is True

    def call_ours():
        ours.update_schedule_conference(
            access_token=common.SANDBOX_TOKEN,
            creator_union_id=common.CREATOR,
            schedule_conference_id=MEETING,
            title=next(titles),
            starts_at=starts_at,
            ends_at=ends_at,
        )

    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "x-acs-dingtalk-access-token": common.SANDBOX_TOKEN,
    }

    def body() -> bytes:
        return json.dumps(
            {
                "creatorUnionId": common.CREATOR,
                "scheduleConferenceId": MEETING,
                "title": next(titles),
                "startTime": START_MS,
                "endTime": END_MS,
            }
        ).encode()

    default_session = requests.Session()
    quiet_session = requests.Session()
    quiet_session.trust_env = False

    def via(session):
        def call():
            reply = session.put(base_url + PATH, data=body(), headers=headers, timeout=(3.05, 6.0))
            assert reply.json()["success"] is True

        return call

    pool = urllib3.HTTPConnectionPool(*host.split(":"), maxsize=1)

    def call_urllib3():
        reply = pool.urlopen(
            "PUT", PATH, body=body(), headers=headers, timeout=urllib3.Timeout(3.05, 6.0), retries=False
        )
        assert json.loads(reply.data)["success"] is True

    return {
        "official SDK": call_sdk,
        "ours (DingTalkClient)": call_ours,
        "requests.Session, default": via(default_session),
        "requests.Session, trust_env off": via(quiet_session),
        "urllib3 alone": call_urllib3,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--repeat", type=int, default=100, help="calls per contender per round")
    options = parser.parse_args(argv)
    # The portal's client reads Django's settings; no database is needed.
    common.setup_django(common.environment("sqlite://:memory:"), migrate=False)

    with processes.sandbox(latency_ms=0) as sandbox:
        sandbox.seed(schedule_conference_id=MEETING, title=TITLES[0], start_ms=START_MS, end_ms=END_MS)
        calls = contenders(sandbox.base_url)
        samples = common.interleaved(
            calls, rounds=options.rounds, repeat=options.repeat, warmup=20, clock=time.process_time
        )
    sdk = common.median_ms(samples["official SDK"])
    print(f"Client CPU per update call, median of {options.rounds} interleaved rounds x {options.repeat} calls")
    for name, values in samples.items():
        print(f"  {name:34s} {common.median_ms(values):6.3f} ms   {common.median_ms(values) / sdk:4.2f} x SDK")
    ok = common.verdict("client CPU, ours / SDK", common.median_ms(samples["ours (DingTalkClient)"]) / sdk, TARGET)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
