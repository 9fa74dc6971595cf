"""`python -m dingtalk_sandbox`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from .helpers import CONFERENCES_PATH, CREATOR, END, START

# --- command line ---------------------------------------------------------------------------------


def test_the_command_line_serves_with_preloaded_tokens(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "dingtalk_sandbox", "--port", "0", "--token", "cli-token", "--quiet"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        base_url = first_line.rsplit(" ", 1)[1].strip()
        assert base_url.startswith("http://127.0.0.1:")

        response = requests.post(
            base_url + CONFERENCES_PATH,
            json={"creatorUnionId": CREATOR, "title": "CLI", "startTime": START, "endTime": END},
            headers={"x-acs-dingtalk-access-token": "cli-token"},
            timeout=5,
        )

        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()


def test_the_control_page_is_found_when_started_from_another_directory(tmp_path):
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "dingtalk_sandbox", "--port", "0", "--quiet"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(root), "PATH": ""},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().rsplit(" ", 1)[1].strip()

        response = requests.get(base_url + "/_sandbox/", timeout=5)

        assert response.status_code == 200
        assert "<h1>DingTalk sandbox</h1>" in response.text
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()
