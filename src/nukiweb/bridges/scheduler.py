"""Timers for the simulated hardware: real time on the event loop, or a manual clock that only
moves when told to (tests, and ``serve --manual-clock``)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from nukiweb.clock import ManualClock
from nukiweb.store.faults import Backoff


class Timer(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` after ``delay`` seconds; callbacks due at the same time run in the
        order they were scheduled."""
        ...


class LoopScheduler:
    """Real time, on the running event loop (the server's)."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        loop = asyncio.get_running_loop()
        if delay <= 0:
            return loop.call_soon(callback)
        return loop.call_later(delay, callback)


def until_done(scheduler: Scheduler, attempt: Callable[[], bool]) -> Callable[[], None]:
    """``attempt``, run again after a pause (longer each time, up to ``Backoff``'s longest) for
    as long as it says it is not done: a step of the hardware that needs the store waits for
    it to come back instead of being lost."""
    backoff = Backoff()

    def run() -> None:
        if not attempt():
            scheduler.call_later(backoff.wait(), run)

    return run


@dataclass(order=True)
class _ManualTimer:
    due: float
    sequence: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class ManualScheduler:
    """Time stands still until ``advance``; then what fell due runs, in order, with the clock
    set to each callback's time."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self._elapsed = 0.0
        self._queue: list[_ManualTimer] = []
        self._sequence = itertools.count()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = _ManualTimer(self._elapsed + max(0.0, delay), next(self._sequence), callback)
        heapq.heappush(self._queue, timer)
        return timer

    def advance(self, seconds: float) -> None:
        target = self._elapsed + max(0.0, seconds)
        while self._queue and self._queue[0].due <= target:
            timer = heapq.heappop(self._queue)
            self._move_to(timer.due)
            if not timer.cancelled:
                timer.callback()
        self._move_to(target)

    def _move_to(self, elapsed: float) -> None:
        self.clock.advance(timedelta(seconds=elapsed - self._elapsed))
        self._elapsed = elapsed
