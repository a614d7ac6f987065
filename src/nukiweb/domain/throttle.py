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


@dataclass(frozen=True, slots=True)
class SignInThrottle:
    """Failed sign-ins are counted twice: for an email from one client address, and for the
    email from every address together, with a higher limit. The first stops one client
    guessing; the second stops a client that changes its address after every few guesses."""

    per_address: FailureThrottle = FailureThrottle(limit=5, window=timedelta(minutes=15))
    per_email: FailureThrottle = FailureThrottle(limit=20, window=timedelta(minutes=15))

    def retry_after(
        self,
        address_failures: Sequence[datetime],
        email_failures: Sequence[datetime],
        now: datetime,
    ) -> timedelta | None:
        """The longer of the two rules' waits, or ``None`` if neither asks for one."""
        waits = [
            wait
            for wait in (
                self.per_address.retry_after(address_failures, now),
                self.per_email.retry_after(email_failures, now),
            )
            if wait is not None
        ]
        return max(waits, default=None)
