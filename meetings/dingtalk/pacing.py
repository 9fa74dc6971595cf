"""Pacing: stay under DingTalk's rate limit of about 20 calls per second per app and API.

DingTalk counts calls per app and per API (dingtalk-api.md, "Rate limits"); an organization is one app.
So the pace is kept per (organization, API): `paced(organization_id=..., api=..., call=...)` waits for the
next free slot of that pair, makes the call, and when DingTalk still answers with its throttling codes
(after the transport's own two retries) waits longer and tries again, instead of failing the work item.

Use it for work that makes many calls in a row -- imports, bulk changes -- not for a person's single save:

    from meetings.dingtalk import pacing
    conference = pacing.paced(
        organization_id=organization.pk, api="query",
        call=lambda: credentials.call_with_token(organization=organization, call=...),
    )

The pace is per process (one worker's calls are spaced `1 / DINGTALK_MAX_CALLS_PER_SECOND` apart). Several
workers working on one organization at once each keep that pace; the throttling retry covers the rest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from .errors import THROTTLE_DELAY, Code, DingTalkAPIError

logger = logging.getLogger("meetings.dingtalk")

T = TypeVar("T")

# How often a throttled call is tried again after the transport's own retries gave up, and the first wait.
THROTTLED_TRIES = 4
THROTTLED_WAIT = 2 * THROTTLE_DELAY


class Pacer:
    """At most `rate` calls per second per key, for every thread of this process."""

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
        self._next_free: dict[object, float] = {}
        self._lock = threading.Lock()

    def wait(self, key: object) -> float:
        """Block until the key's next slot; returns the seconds waited."""
        with self._lock:
            now = self.clock()
            slot = max(now, self._next_free.get(key, now))
            self._next_free[key] = slot + self.interval
        delay = slot - now
        if delay > 0:
            self.sleep(delay)
        return delay


_pacers: dict[float, Pacer] = {}
_pacers_lock = threading.Lock()


def pacer() -> Pacer:
    """The process's pacer at settings.DINGTALK_MAX_CALLS_PER_SECOND (one per rate, so tests may change it)."""
    rate = float(settings.DINGTALK_MAX_CALLS_PER_SECOND)
    with _pacers_lock:
        if rate not in _pacers:
            _pacers[rate] = Pacer(rate)
        return _pacers[rate]


def is_throttled(error: BaseException) -> bool:
    return isinstance(error, DingTalkAPIError) and error.code in Code.QPS_LIMITS


def paced(
    *,
    organization_id: int,
    api: str,
    call: Callable[[], T],
    pace: Pacer | None = None,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """`call()` in the (organization, api) pace; a throttled answer waits (2 s, 4 s, 8 s) and tries again."""
    pace = pace or pacer()
    sleep = sleep or pace.sleep
    for attempt in range(1, THROTTLED_TRIES + 1):
        pace.wait((organization_id, api))
        try:
            return call()
        except DingTalkAPIError as error:
            if not is_throttled(error) or attempt == THROTTLED_TRIES:
                raise
            delay = THROTTLED_WAIT * 2 ** (attempt - 1)
            logger.info("DingTalk throttled %s of organization %s; again in %.1f s", api, organization_id, delay)
            sleep(delay)
    raise AssertionError("unreachable: the last try returns or raises")
