"""The sign-in throttle's rule: ``limit`` failures within ``window``, then a wait until the
oldest of them leaves the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nukiweb.domain.throttle import FailureThrottle, SignInThrottle

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
THROTTLE = FailureThrottle(limit=3, window=timedelta(minutes=15))


def minutes_ago(*minutes: int) -> list[datetime]:
    return sorted(NOW - timedelta(minutes=m) for m in minutes)


def test_fewer_failures_than_the_limit_may_go_on() -> None:
    assert THROTTLE.retry_after([], NOW) is None
    assert THROTTLE.retry_after(minutes_ago(10, 5), NOW) is None


def test_at_the_limit_the_wait_ends_when_the_oldest_counted_failure_leaves_the_window() -> None:
    assert THROTTLE.retry_after(minutes_ago(10, 5, 1), NOW) == timedelta(minutes=5)
    # More failures than the limit: the newest `limit` decide.
    assert THROTTLE.retry_after(minutes_ago(14, 10, 5, 1), NOW) == timedelta(minutes=5)


def test_sign_ins_wait_for_the_longer_of_the_per_address_and_per_email_rules() -> None:
    rules = SignInThrottle(
        per_address=FailureThrottle(limit=2, window=timedelta(minutes=15)),
        per_email=FailureThrottle(limit=4, window=timedelta(minutes=15)),
    )
    assert rules.retry_after(minutes_ago(3), minutes_ago(14, 9, 3), NOW) is None
    # One address's failures alone.
    assert rules.retry_after(minutes_ago(5, 3), minutes_ago(5, 3), NOW) == timedelta(minutes=10)
    # The email's failures from every address, while this address has few.
    assert rules.retry_after([], minutes_ago(14, 9, 5, 3), NOW) == timedelta(minutes=1)
    assert rules.retry_after(minutes_ago(9, 3), minutes_ago(14, 9, 5, 3), NOW) == timedelta(
        minutes=6
    )
