"""What the sandbox keeps about the calls it receives, as DingTalk's gateway would: the per-API rate limit,
the added latency, the faults armed for the next calls, and the log of calls received.

`SandboxState` (state.py) is a `GatewayState` with DingTalk's world added, behind the same lock. None of
this goes to the state file.
"""

from __future__ import annotations

import collections
import copy
import threading
import time
from collections.abc import Callable
from typing import Any

from .records import ANY_API, Fault

# The log is for tests and demos; a sandbox left running for days must not grow without bound.
MAX_LOGGED_REQUESTS = 10_000


class GatewayState:
    """The rate limit's counters, latency, armed faults and request log, behind one re-entrant lock."""

    def __init__(self, *, latency_ms: int = 0, qps: int | None = None) -> None:
        self._lock = threading.RLock()
        self.latency_ms = latency_ms
        # DingTalk's per-API rate limit: at most `qps` calls to one API in any second; None: no limit.
        self.qps = qps
        self._calls_per_api: dict[str, collections.deque[float]] = {}
        # The rate limit counts real seconds, not the sandbox clock `advance()` moves; tests may replace it.
        self.rate_clock: Callable[[], float] = time.monotonic
        self._faults: list[Fault] = []
        self._next_fault_id = 1
        self._requests: list[dict[str, Any]] = []

    # --- rate limit -------------------------------------------------------------------------------

    def admit(self, api: str) -> bool:
        """Count a call to `api`; False when it is over the per-API limit (a sliding second, real time,
        as a gateway counts -- `advance()` does not move it). A refused call is not counted."""
        if not self.qps:
            return True
        with self._lock:
            now = self.rate_clock()
            calls = self._calls_per_api.setdefault(api, collections.deque())
            while calls and calls[0] <= now - 1.0:
                calls.popleft()
            admitted = len(calls) < self.qps
            if admitted:
                calls.append(now)
            return admitted

    # --- faults -----------------------------------------------------------------------------------

    def arm_fault(
        self,
        fault: str,
        api: str = "update",
        count: int = 1,
        seconds: float | None = None,
        status: int | None = None,
    ) -> Fault:
        """Make the next `count` calls to `api` ("*" for any) fail with `fault`. ValueError if bad."""
        with self._lock:
            armed = Fault.checked(self._next_fault_id, fault, api, count, seconds, status)
            self._next_fault_id += 1
            self._faults.append(armed)
            return copy.copy(armed)

    def take_fault(self, api: str) -> Fault | None:
        """Consume one use of the oldest fault armed for this api, if any."""
        with self._lock:
            for armed in self._faults:
                if armed.api in (api, ANY_API):
                    armed.remaining -= 1
                    if armed.remaining == 0:
                        self._faults.remove(armed)
                    return copy.copy(armed)
            return None

    def faults(self) -> list[Fault]:
        with self._lock:
            return [copy.copy(f) for f in self._faults]

    def clear_faults(self) -> int:
        with self._lock:
            cleared = len(self._faults)
            self._faults.clear()
            return cleared

    # --- request log ------------------------------------------------------------------------------

    def record_request(self, entry: dict[str, Any]) -> None:
        """Log a received DingTalk call; the caller fills in "status"/"fault" via `finish_request`."""
        with self._lock:
            self._requests.append(entry)
            del self._requests[:-MAX_LOGGED_REQUESTS]

    def finish_request(self, entry: dict[str, Any], *, status: int | None, fault: str | None) -> None:
        with self._lock:
            entry["status"] = status
            entry["fault"] = fault

    def requests(self, api: str | None = None) -> list[dict[str, Any]]:
        """What DingTalk received, oldest first; optionally only calls to one api."""
        with self._lock:
            return [copy.deepcopy(e) for e in self._requests if api is None or e["api"] == api]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _forget_calls(self) -> None:
        """Clear the armed faults and the log (for `reset()`, which holds the lock)."""
        self._faults.clear()
        self._requests.clear()
