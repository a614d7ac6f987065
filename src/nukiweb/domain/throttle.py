"""Throttling of repeated failures (sign-in attempts): after ``limit`` failures within
``window`` a key is refused until the oldest of them leaves the window."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class FailureThrottle:
    limit: int = 5
    window: timedelta = timedelta(minutes=15)
    max_keys: int = 100_000
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)

    def retry_after(self, key: str, now: datetime) -> timedelta | None:
        """How long ``key`` must wait before its next attempt, or ``None`` if it may go on."""
        failures = self._recent(key, now)
        if len(failures) < self.limit:
            return None
        return failures[0] + self.window - now

    def failed(self, key: str, now: datetime) -> None:
        if key not in self._failures and len(self._failures) >= self.max_keys:
            self._forget_expired(now)
        self._failures.setdefault(key, deque()).append(now)
        self._recent(key, now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        while len(failures) > self.limit:
            failures.popleft()
        return failures

    def _forget_expired(self, now: datetime) -> None:
        for key in [key for key, times in self._failures.items() if times[-1] <= now - self.window]:
            del self._failures[key]
