"""The sandbox tests' fixtures: a sandbox with one meeting, and a client over it (helpers.py).

The tests run the DingTalk sandbox over real HTTP on loopback: wire contract, faults, control,
persistence, speed. Pure pytest (no Django, no database). Run with:
    .venv/bin/python -m pytest tests/sandbox -q -p no:django
"""

from __future__ import annotations

import pytest
import requests

from dingtalk_sandbox import Sandbox

from .helpers import CREATOR, END, MEETING_ID, START, TOKEN, Api


@pytest.fixture
def sandbox():
    with Sandbox(tokens=[TOKEN]) as started:
        started.state.upsert_meeting(
            schedule_conference_id=MEETING_ID,
            creator_union_id=CREATOR,
            title="Weekly sync",
            start_time=START,
            end_time=END,
        )
        yield started


@pytest.fixture
def api(sandbox):
    with requests.Session() as session:
        yield Api(sandbox, session)
