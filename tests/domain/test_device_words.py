"""The words the web pages show for Nuki's codes (doc §5, spec SmartlockLog, SmartlockAuth)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from nukiweb.domain.device_words import (
    COMMAND_WAITING,
    LOG_ACTION_CHOICES,
    battery_words,
    door_words,
    failure_words,
    in_flight_words,
    is_log_action,
    log_action_words,
    simple_action_labels,
    state_words,
    time_limits,
)
from nukiweb.domain.devices import CompletionState, DeviceType, LockState, OpenerState
from nukiweb.domain.smartlocks import Authorization

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("device_type", "state", "words"),
    [
        (DeviceType.KEYTURNER, 1, "locked"),
        (DeviceType.SMARTLOCK3, 3, "unlocked"),
        (DeviceType.KEYTURNER, 6, "unlocked (lock'n'go)"),
        (DeviceType.KEYTURNER, 254, "motor blocked"),
        (DeviceType.OPENER, 3, "rto active"),
        (DeviceType.OPENER, 1, "online"),
        (DeviceType.SMARTDOOR, 0, "not activated"),  # where the Smart Door's column differs
        (DeviceType.SMARTDOOR, 253, "boot run"),
        (DeviceType.KEYTURNER, 0, "uncalibrated"),
        (DeviceType.KEYTURNER, 77, "state 77"),  # an unknown code is shown, not hidden
    ],
)
def test_states_in_the_docs_words(device_type: DeviceType, state: int, words: str) -> None:
    assert state_words(device_type, state) == words


def test_a_box_has_no_state_door_or_lock_button() -> None:
    assert state_words(DeviceType.BOX, 1) is None
    assert door_words(DeviceType.BOX, 2) is None
    assert simple_action_labels(DeviceType.BOX).lock is None


def test_an_openers_buttons_say_what_its_simple_actions_do() -> None:
    labels = simple_action_labels(DeviceType.OPENER)
    assert (labels.lock, labels.unlock) == ("Deactivate ring to open", "Open")


def test_door_and_battery() -> None:
    assert door_words(DeviceType.SMARTLOCK3, 2) == "closed"
    assert door_words(DeviceType.SMARTLOCK3, 3) == "open"
    assert battery_words(DeviceType.SMARTLOCK3, {"batteryCritical": True, "batteryCharge": 9}) == (
        "critical, 9 %"
    )
    assert battery_words(DeviceType.SMARTLOCK3, {"batteryCritical": False}) is None


def test_an_openers_log_entry_reads_its_own_action_numbers() -> None:
    assert log_action_words(0, 1) == "unlock"  # a Smart Lock's entry
    assert log_action_words(2, 1) == "activate ring to open"  # an opener's
    assert log_action_words(2, 3) == "open (electric strike)"
    assert log_action_words(0, 999) == "action 999"
    assert is_log_action(2)
    assert not is_log_action(999)
    assert all(is_log_action(code) for code, _label in LOG_ACTION_CHOICES)


def _authorization(**fields: object) -> Authorization:
    base = Authorization(
        id="a" * 24, account_id=1, smartlock_id=1, auth_id=1, account_user_id=None, type=0,
        name="n", code=None, enabled=True, remote_allowed=False, smart_actions_enabled=False,
        lock_count=0, allowed_from_date=None, allowed_until_date=None, allowed_week_days=None,
        allowed_from_time=None, allowed_until_time=None, last_active_date=None, device_copy=None,
        pending=None, operation_id=None, error=None, request_id=None, creation_date=NOW,
        update_date=NOW,
    )  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


def test_time_limits_name_each_restriction_and_none_when_there_is_none() -> None:
    assert time_limits(_authorization()) == []
    assert time_limits(_authorization(allowed_week_days=127, allowed_from_time=0)) == []
    limits = time_limits(
        _authorization(
            allowed_from_date=datetime(2026, 2, 1, 8, tzinfo=UTC),
            allowed_week_days=64 | 1,
            allowed_from_time=8 * 60,
            allowed_until_time=17 * 60 + 30,
        )
    )
    assert limits == ["from 2026-02-01 08:00 UTC", "Mon, Sun", "08:00 to 17:30 UTC"]


@pytest.mark.parametrize(
    ("device_type", "state", "busy", "words"),
    [
        # Moving: the motion, whoever started it.
        (DeviceType.SMARTLOCK3, LockState.UNLOCKING, True, "unlocking…"),
        (DeviceType.KEYTURNER, LockState.LOCKING, False, "locking…"),
        (DeviceType.SMARTDOOR, LockState.UNLATCHING, True, "unlatching…"),
        (DeviceType.OPENER, OpenerState.OPENING, True, "opening…"),
        # An operation that has not moved the device yet: the state, and that it waits.
        (DeviceType.SMARTLOCK3, LockState.LOCKED, True, f"locked; {COMMAND_WAITING}"),
        (DeviceType.OPENER, OpenerState.ONLINE, True, f"online; {COMMAND_WAITING}"),
        (DeviceType.BOX, LockState.UNDEFINED, True, COMMAND_WAITING),
        # Nothing under way.
        (DeviceType.SMARTLOCK3, LockState.UNLOCKED, False, None),
        (DeviceType.BOX, LockState.UNDEFINED, False, None),
        # An opener's state 2 is ring to open, not a lock's "unlocking".
        (DeviceType.OPENER, OpenerState.RING_TO_OPEN_ACTIVE, False, None),
    ],
)
def test_in_flight_words(
    device_type: DeviceType, state: int, busy: bool, words: str | None
) -> None:
    assert in_flight_words(device_type, state, busy) == words


def test_failure_words_are_a_sentence() -> None:
    assert failure_words(CompletionState.MOTOR_BLOCKED) == "The action failed: motor blocked."
    assert failure_words(CompletionState.BUSY) == "The action failed: busy."
