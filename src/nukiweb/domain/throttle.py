"""Throttling of repeated failures (sign-in attempts): after ``limit`` failures within
``window`` a key is refused until the oldest of them leaves the window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class FailureThrottle:
    limit: int = 5
    window: timedelta = timedelta(minutes=15)

    def retry_after(self, recent_failures: Sequence[datetime], now: datetime) -> timedelta | None:
        """How long to wait before the next attempt, given the failures since ``now - window``
        (oldest first), or ``None`` if the next attempt may go ahead."""
        if len(recent_failures) < self.limit:
            return None
        return recent_failures[-self.limit] + self.window - now
