"""Pacing: a bulk job's calls to one DingTalk API for one organization, spread to stay under the rate limit.

DingTalk throttles each app per API (about 20 calls/s on the standard edition, dingtalk-api.md) and
answers 403 QpsLimitFor... past it. A job that knows it will make hundreds of calls spaces them instead:
inside `paced(organization)`, every attempt the transport makes -- retries too -- first waits its turn
for (organization, API), at most settings.DINGTALK_MAX_CALLS_PER_SECOND a second. Calls outside a
`paced` block (a person's single save) are not delayed. `paced_call` also waits out throttling that
outlasts the transport's retries (imports, bulk work: a throttled item waits instead of failing).

The turns are kept per process (a dict behind a lock), which is where bulk jobs run: one db_worker
task with its threads. Several workers on one organization would each keep their own pace.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from functools import lru_cache
from typing import TypeVar

from django.conf import settings

from .errors import THROTTLE_DELAY, Code, DingTalkAPIError

logger = logging.getLogger("meetings.dingtalk")

T = TypeVar("T")

# A margin under the limit: replies reach DingTalk's counter a little irregularly (network jitter), so
# calls spaced exactly 1/limit apart would now and then be 21 in DingTalk's second.
SAFETY_MARGIN = 0.95

_organization: contextvars.ContextVar[Hashable | None] = contextvars.ContextVar("dingtalk_paced_for", default=None)


class Pacer:
    """Turns for keys such as (organization, api): each key's calls start at least 1/rate seconds apart."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.clock, self.sleep = clock, sleep
        self._next: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def wait(self, key: Hashable) -> float:
        """Wait for the key's next turn; returns the seconds waited."""
        with self._lock:
            now = self.clock()
            turn = max(now, self._next.get(key, now))
            self._next[key] = turn + self.interval
        delay = turn - now
        if delay > 0:
            self.sleep(delay)
        return delay


@lru_cache(maxsize=4)
def _pacer(rate: float) -> Pacer:
    return Pacer(rate * SAFETY_MARGIN)


@contextlib.contextmanager
def paced(organization: Hashable) -> Iterator[None]:
    """DingTalk calls in this block (this thread or task) wait their turn for (organization, API)."""
    token = _organization.set(organization)
    try:
        yield
    finally:
        _organization.reset(token)


def wait_for_turn(api: str) -> None:
    """Called by the transport before every attempt; waits only inside a `paced` block."""
    organization = _organization.get()
    if organization is not None:
        _pacer(float(settings.DINGTALK_MAX_CALLS_PER_SECOND)).wait((organization, api))


# How often a throttled call is tried again after the transport's own retries gave up, and the first wait.
THROTTLED_TRIES = 4
THROTTLED_WAIT = 2 * THROTTLE_DELAY


# Injectable, like the client's: tests record the waits instead of sleeping.
sleep: Callable[[float], None] = time.sleep


def paced_call(*, organization: Hashable, call: Callable[[], T]) -> T:
    """`call()` in the organization's pace (see `paced`); when DingTalk still answers with its throttling
    codes after the transport's own retries, wait longer (2 s, 4 s, 8 s) and try again instead of failing
    the work item. For background jobs only: these waits ignore a web request's deadline."""
    with paced(organization):
        for attempt in range(1, THROTTLED_TRIES + 1):
            try:
                return call()
            except DingTalkAPIError as error:
                if error.code not in Code.QPS_LIMITS or attempt == THROTTLED_TRIES:
                    raise
                delay = THROTTLED_WAIT * 2 ** (attempt - 1)
                logger.info("DingTalk throttled organization %s; again in %.1f s", organization, delay)
                sleep(delay)
    raise AssertionError("unreachable: the last try returns or raises")
