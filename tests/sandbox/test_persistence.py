"""The state file: what survives a restart, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from dingtalk_sandbox import Sandbox, SandboxState

from .helpers import Api

# --- persistence ----------------------------------------------------------------------------------


def test_it_keeps_meetings_and_tokens_across_a_restart(tmp_path):
    state_file = tmp_path / "sandbox.json"
    with Sandbox(state_file=str(state_file)) as first, requests.Session() as session:
        api = Api(first, session)
        token = api.token().json()["accessToken"]
        created = api.create(token=token, title="Survives").json()["scheduleConferenceId"]
        assert api.update(token=token, scheduleConferenceId=created, title="Edited").status_code == 200

    with Sandbox(state_file=str(state_file)) as second, requests.Session() as session:
        api = Api(second, session)
        assert api.query(created, token=token).json()["title"] == "Edited"
        assert api.token().json()["accessToken"] == token


def test_it_saves_the_state_file_atomically(tmp_path, monkeypatch):
    state_file = tmp_path / "sandbox.json"
    replaced: list[tuple[str, str]] = []
    real_replace = __import__("os").replace

    def spy(src: str, dst: Any) -> None:
        replaced.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr("dingtalk_sandbox.state_file.os.replace", spy)
    state = SandboxState(state_file=state_file)

    state.upsert_meeting(schedule_conference_id="m", creator_union_id="u", title="t", start_time=1, end_time=2)

    assert [dst for _, dst in replaced] == [str(state_file)]
    assert Path(replaced[0][0]).parent == tmp_path
    assert json.loads(state_file.read_text())["meetings"]["m"]["title"] == "t"
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]  # no temp file left behind


def test_it_refuses_a_corrupt_state_file(tmp_path):
    state_file = tmp_path / "sandbox.json"
    state_file.write_text("{not json")

    with pytest.raises(ValueError, match="sandbox.json"):
        SandboxState(state_file=state_file)


def test_it_keeps_a_meetings_organization_and_time_zone_across_a_restart(tmp_path):
    state_file = tmp_path / "sandbox.json"
    SandboxState(state_file=state_file).upsert_meeting(
        schedule_conference_id="m",
        creator_union_id="u",
        title="t",
        start_time=1,
        end_time=2,
        organization="Demo Berlin",
        time_zone="Europe/Berlin",
    )

    meeting = SandboxState(state_file=state_file).get_meeting("m")

    assert (meeting.organization, meeting.time_zone) == ("Demo Berlin", "Europe/Berlin")
