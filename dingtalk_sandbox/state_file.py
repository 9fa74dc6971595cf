"""The state file: the durable part of the sandbox (apps, suites, tokens, meetings) as JSON, so a demo
survives a restart. Written atomically after every change; a file that can't be read stops the start."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .records import App, Meeting, Suite, Token

STATE_FILE_VERSION = 1


@dataclass
class Durable:
    """What the state file holds, keyed as in `SandboxState`."""

    apps: dict[str, App] = field(default_factory=dict)
    suites: dict[str, Suite] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)


def write_state_file(path: Path, durable: Durable) -> None:
    """Replace the file in one step: a crash mid-write must not lose a demo's edits."""
    data = json.dumps(
        {
            "version": STATE_FILE_VERSION,
            "apps": {key: app.to_json() for key, app in durable.apps.items()},
            "suites": {key: suite.to_json() for key, suite in durable.suites.items()},
            "tokens": {value: token.to_json() for value, token in durable.tokens.items()},
            "meetings": {key: meeting.to_json() for key, meeting in durable.meetings.items()},
        },
        indent=2,
        ensure_ascii=False,
    )
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def read_state_file(path: Path) -> Durable:
    """The file's records. A broken file raises ValueError: silently starting empty would throw away the
    demo's data."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_FILE_VERSION:
            raise ValueError(f"unsupported version {data.get('version')!r}")
        return Durable(
            apps={key: App.from_json(key, app) for key, app in data.get("apps", {}).items()},
            suites={key: Suite.from_json(key, suite) for key, suite in data.get("suites", {}).items()},
            tokens={value: Token.from_json(value, token) for value, token in data.get("tokens", {}).items()},
            meetings={key: Meeting.from_json(meeting) for key, meeting in data.get("meetings", {}).items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"cannot load sandbox state file {path}: {exc}") from exc
