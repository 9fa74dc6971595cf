"""Pacing: one DingTalk budget for the whole deployment, kept in the database.

DingTalk throttles each app per API (about 20 calls/s on the standard edition, dingtalk-api.md) and
answers 403 QpsLimitFor... past it, whoever in the deployment sends the calls: every gunicorn worker and
job worker on every host spends the same budget. So every attempt the transport makes -- retries too --
first takes a turn for (organization, API) from a row in the shared database (models.DingTalkBudget),
advanced with one atomic UPDATE against the database's clock (`Now()`): however many processes run,
turns of one organization's API start at most settings.DINGTALK_MAX_CALLS_PER_SECOND a second.

People come first. The budget is cut in two shares with their own rows: background work (imports, bulk
renames, the sync) gets floor(DINGTALK_BACKGROUND_SHARE x the budget) calls a second, at least one;
people's requests the rest. A person's call takes its own share's turn when it is free, else a free
background turn, else waits its turn among people only: it never queues behind a job's reserved turns.
Each share's turns are 1 / (its calls x SAFETY_MARGIN) seconds apart, so neither share ever has more
than its whole number of calls in any one second, and the two together no more than the budget. A call
whose thread wakes more than LATE_LIMIT after its turn (a busy host) lets it go and takes the next one:
sent late, it would reach DingTalk in the same second as the turns after it, which start on time.

Which share a call draws from is the block it runs in: `paced(organization)` for a person (what every
call with an organization's token does, tokens.py), `paced(organization, background=True)`
for a job; an inner person's block keeps an outer job's share. Calls outside any block (the benchmarks'
bare client) are not paced. `paced_call` also waits out throttling that outlasts the transport's retries
(background work: a throttled item waits instead of failing).

Why not a rate-limit library: the ones with a shared backend (limits, django-ratelimit) count fixed
windows in a cache such as Redis or memcached -- a server this deployment does not have -- and answer "over
the limit" rather than "your turn is at t"; windows let 2 x the limit through across a window's edge.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import datetime
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Value
from django.db.models.functions import Greatest, Now

from .errors import THROTTLE_DELAY, Code, DingTalkAPIError

logger = logging.getLogger("meetings.dingtalk")

T = TypeVar("T")

# A margin under each share: replies reach DingTalk's counter a little irregularly (network jitter, a busy
# host), so turns spaced exactly 1/limit apart would now and then put one call too many in DingTalk's second.
SAFETY_MARGIN = 0.95

# A call whose thread wakes this long after its turn takes another turn instead (at most LATE_TRIES turns):
# SAFETY_MARGIN leaves 1 / SAFETY_MARGIN - 1 of a second (53 ms) between the budget's (N+1)th turn and a second.
LATE_LIMIT = 0.02
LATE_TRIES = 3

PEOPLE = "people"
BACKGROUND = "background"


class _Block(NamedTuple):
    organization: int
    share: str


_block: contextvars.ContextVar[_Block | None] = contextvars.ContextVar("dingtalk_paced_for", default=None)

# Injectable, like the client's: tests record the waits instead of sleeping.
sleep: Callable[[float], None] = time.sleep


@contextlib.contextmanager
def paced(organization: int, *, background: bool = False) -> Iterator[None]:
    """DingTalk calls in this block (this thread or task) take their turns from the organization's budget:
    a person's share, or with `background` the jobs' share. A person's block inside a job's block for the
    same organization keeps the job's share (a bulk rename's saves go through the person's save)."""
    outer = _block.get()
    if not background and outer is not None and outer.organization == organization:
        yield
        return
    token = _block.set(_Block(organization, BACKGROUND if background else PEOPLE))
    try:
        yield
    finally:
        _block.reset(token)


def shares(calls_per_second: float, background_share: float) -> dict[str, int]:
    """Whole calls a second for each share: background at least one, people the rest (maybe none)."""
    budget = max(1, math.floor(calls_per_second))
    background = min(budget, max(1, math.floor(background_share * budget)))
    return {PEOPLE: budget - background, BACKGROUND: background}


def wait_for_turn(api: str) -> None:
    """Called by the transport before every attempt: waits for the call's turn inside a `paced` block."""
    block = _block.get()
    if block is None:
        return
    for _ in range(LATE_TRIES):
        turn = take_turn(organization=block.organization, api=api, background=block.share == BACKGROUND)
        delay = turn - time.monotonic()
        if delay > 0:
            sleep(delay)
        if time.monotonic() - turn <= LATE_LIMIT:
            return
        # Woken too late (a busy host): sent now, the call would crowd the turns after it, which start on
        # time, into DingTalk's second. This turn is lost; the next one is taken.
    logger.info("DingTalk %s: late for %d turns in a row; calling now", api, LATE_TRIES)


def take_turn(*, organization: int, api: str, background: bool) -> float:
    """Take the next turn for one call to `api` of the organization: when it starts, on this process's
    time.monotonic() clock (read as the database answered, so a slow commit does not make the call late)."""
    calls = shares(float(settings.DINGTALK_MAX_CALLS_PER_SECOND), float(settings.DINGTALK_BACKGROUND_SHARE))
    for _ in range(2):  # a second time once the rows exist
        if not background and calls[PEOPLE]:
            # The usual case for a person: a share's turn is free now -- one statement, no wait.
            if _take_free_turn(organization, api, PEOPLE, calls[PEOPLE]):
                return time.monotonic()
            if _take_free_turn(organization, api, BACKGROUND, calls[BACKGROUND]):
                return time.monotonic()
            turn = _reserve_turn(organization, api, PEOPLE, calls[PEOPLE])
        else:
            turn = _reserve_turn(organization, api, BACKGROUND, calls[BACKGROUND])
        if turn is not None:
            return turn
        _create_rows(organization, api)
    raise AssertionError("unreachable: the rows exist after _create_rows")


def _interval(calls: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=1 / (calls * SAFETY_MARGIN))


def _rows(organization: int, api: str, share: str):
    from ..models import DingTalkBudget  # the client package imports no models at import time

    return DingTalkBudget.objects.filter(organization_id=organization, api=api, share=share)


def _after(start, interval: datetime.timedelta) -> ExpressionWrapper:
    return ExpressionWrapper(start + Value(interval), output_field=DateTimeField())


def _take_free_turn(organization: int, api: str, share: str, calls: int) -> bool:
    """The share's turn if it is free now (a conditional UPDATE); False when taken or the row is missing."""
    return bool(
        _rows(organization, api, share)
        .filter(next_turn_at__lte=Now())
        .update(next_turn_at=_after(Now(), _interval(calls)))
    )


def _reserve_turn(organization: int, api: str, share: str, calls: int) -> float | None:
    """The share's next turn, now or later, on time.monotonic(); None: no row yet.

    The UPDATE moves the row's next turn one interval past max(its next turn, now) and holds the row until
    the transaction ends; the SELECT reads back what it wrote and the database's time, so the turn is
    decided on the database's clock, not this host's, and placed on this process's clock by _database_clock."""
    interval = _interval(calls)
    rows = _rows(organization, api, share)
    with transaction.atomic():
        if not rows.update(next_turn_at=_after(Greatest(F("next_turn_at"), Now()), interval)):
            return None
        asked = time.monotonic()
        next_turn_at, now = rows.annotate(now=Now()).values_list("next_turn_at", "now").get()
        answered = time.monotonic()
    offset = _database_clock.offset(now.timestamp(), asked=asked, answered=answered)
    return (next_turn_at - interval).timestamp() - offset


class _DatabaseClock:
    """Where the database's clock stands against this process's time.monotonic(), as NTP estimates it.

    The database read its clock somewhere between the moment the SELECT was sent and the moment its answer
    was read; on a busy host that answer waits tens of milliseconds for the CPU or the GIL. Counting the
    turn from the answer made the turn that much late, by a different amount in each process, and two turns
    one interval apart on the database's clock could start 1 ms apart (21 calls in a second,
    benchmarks/bulk_rename.py). So each reading is a sample -- the database's time against the middle of
    the round trip, uncertain by half of it -- and the turn is placed with the sample of the shortest round
    trip in the last WINDOW seconds (a minimum filter), kept only while it agrees with the newest sample."""

    WINDOW = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._best: collections.deque[tuple[float, float, float]] = collections.deque()  # (at, round trip, offset)

    def offset(self, database_time: float, *, asked: float, answered: float) -> float:
        """The database's time minus time.monotonic(), from this sample and the best recent ones."""
        round_trip = answered - asked
        sample = database_time - (asked + answered) / 2
        with self._lock:
            best = self._best
            while best and best[-1][1] >= round_trip:  # a later sample as good or better replaces them
                best.pop()
            best.append((answered, round_trip, sample))
            while best[0][0] < answered - self.WINDOW:
                best.popleft()
            estimate = best[0][2]
        # The newest sample bounds where the database's clock is now (a step or drift shows here first).
        return min(max(estimate, database_time - answered), database_time - asked)


_database_clock = _DatabaseClock()


def _create_rows(organization: int, api: str) -> None:
    from ..models import DingTalkBudget

    long_ago = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    DingTalkBudget.objects.bulk_create(
        [
            DingTalkBudget(organization_id=organization, api=api, share=share, next_turn_at=long_ago)
            for share in (PEOPLE, BACKGROUND)
        ],
        ignore_conflicts=True,  # another process created them first
    )


# How often a throttled call is tried again after the transport's own retries gave up, and the first wait.
THROTTLED_TRIES = 4
THROTTLED_WAIT = 2 * THROTTLE_DELAY


def paced_call(*, organization: int, call: Callable[[], T]) -> T:
    """`call()` as background work in the organization's budget (see `paced`); when DingTalk still answers
    with its throttling codes after the transport's own retries, wait longer (2 s, 4 s, 8 s) and try again
    instead of failing the work item. For background jobs only: these waits ignore a web request's deadline."""
    with paced(organization, background=True):
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
