"""Command line: `python -m dingtalk_sandbox --port 8001 ...` (the Django command reuses this)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from .server import Sandbox
from .state import DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_SUITE_KEY, DEMO_SUITE_SECRET

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sandbox's options, shared by the CLI and `manage.py dingtalk_sandbox`."""
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port, 0 for any free one (default: %(default)s)"
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="sleep this long before every DingTalk API reply")
    parser.add_argument(
        "--qps",
        type=int,
        default=_qps_from_environment(),
        help="answer QpsLimitForApi past this many calls per second to one API "
        "(default: $DINGTALK_SANDBOX_QPS, else no limit)",
    )
    parser.add_argument("--state-file", default=None, help="JSON file to load at start and save after every change")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        dest="tokens",
        metavar="TOKEN",
        help="preload a non-expiring access token with both conference scopes (repeatable)",
    )
    parser.add_argument("--quiet", action="store_true", help="don't log each request to stderr")


def _qps_from_environment() -> int | None:
    value = os.environ.get("DINGTALK_SANDBOX_QPS", "").strip()
    return int(value) if value and int(value) > 0 else None


def serve(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    latency_ms: int = 0,
    qps: int | None = None,
    state_file: str | None = None,
    tokens: Sequence[str] = (),
    quiet: bool = False,
    out: TextIO = sys.stdout,
) -> None:
    """Run the sandbox in the foreground until Ctrl-C, announcing its URL on the first line."""
    sandbox = Sandbox(
        host=host,
        port=port,
        latency_ms=latency_ms,
        qps=qps,
        state_file=state_file,
        tokens=tokens,
        verbose=not quiet,
    )

    def announce(started: Sandbox) -> None:
        out.write(
            f"DingTalk sandbox listening on {started.base_url}\n"
            f"  control page: {started.base_url}/_sandbox/\n"
            f"  demo app:     appKey={DEMO_APP_KEY} appSecret={DEMO_APP_SECRET}\n"
            f"  demo suite:   suiteKey={DEMO_SUITE_KEY} suiteSecret={DEMO_SUITE_SECRET}\n"
        )
        out.flush()

    sandbox.serve_forever(on_ready=announce)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dingtalk_sandbox", description="A local DingTalk API sandbox.")
    add_arguments(parser)
    options = parser.parse_args(argv)
    serve(
        host=options.host,
        port=options.port,
        latency_ms=options.latency_ms,
        qps=options.qps,
        state_file=options.state_file,
        tokens=options.tokens,
        quiet=options.quiet,
    )
    return 0
