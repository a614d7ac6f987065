"""The emulated lock's behaviour without a broker: what it publishes for each command and each
thing done at the door, with time passed in by the test."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nukiweb.clock import ManualClock
from nukiweb.domain.devices import DeviceType, LockState, OpenerState
from nukiweb.domain.lock_physics import Timings
from nukiweb.domain.mqtt_api import STATE_TOPICS, Topic
from nukiweb.emulator.controls import apply_control, control_root, control_topic
from nukiweb.emulator.hardware import (
    BAD_PARAMETER,
    BUSY,
    CANCELED,
    ControlError,
    LockHardware,
    Publication,
)
from nukiweb.emulator.profile import LockProfile, scaled_timings

MOTOR = 1.0
TIMINGS = Timings(motor_time=MOTOR, unlatch_hold=2.0, lng_timeout=10.0)


def make_lock(**profile: object) -> LockHardware:
    return LockHardware(
        LockProfile(nuki_id=0x1A2B3C4D, timings=TIMINGS, **profile),  # type: ignore[arg-type]
        ManualClock(),
    )


def events(published: list[Publication]) -> list[str]:
    return [p.payload for p in published if p.name == Topic.LOCK_ACTION_EVENT]


def responses(published: list[Publication]) -> list[str]:
    return [p.payload for p in published if p.name == Topic.COMMAND_RESPONSE]


def states(published: list[Publication]) -> list[str]:
    return [p.payload for p in published if p.name == Topic.STATE]


def run_out(lock: LockHardware, until: float) -> list[Publication]:
    """Every timed step up to ``until``, as a session's timer would run them."""
    published: list[Publication] = []
    while (due := lock.due()) is not None and due <= until:
        published += lock.advance(due)
    return published


@pytest.mark.parametrize("device_type", [DeviceType.SMARTLOCK3, DeviceType.SMARTDOOR])
def test_a_new_lock_publishes_every_state_topic_but_the_openers(device_type: DeviceType) -> None:
    payloads = make_lock(device_type=device_type).state_payloads()
    wanted = STATE_TOPICS - {Topic.RINGACTION_TIMESTAMP, Topic.CONNECTED}
    assert set(payloads) == {str(name) for name in wanted}
    assert payloads[Topic.DEVICE_TYPE] == str(int(device_type))
    assert payloads[Topic.STATE] == "1"
    assert payloads[Topic.MODE] == "2"
    assert payloads[Topic.DOORSENSOR_STATE] == "2"
    assert payloads[Topic.BATTERY_CHARGE_STATE] == "100"
    assert payloads[Topic.BATTERY_CRITICAL] == "false"
    assert payloads[Topic.TIMESTAMP] == "2026-01-01T00:00:00+00:00"


def test_an_opener_is_online_without_a_door_sensor() -> None:
    payloads = make_lock(device_type=DeviceType.OPENER).state_payloads()
    assert payloads[Topic.STATE] == str(int(OpenerState.ONLINE))
    assert payloads[Topic.DOORSENSOR_STATE] == "1"


def test_only_the_mqtt_types_are_emulated() -> None:
    with pytest.raises(ValueError, match="does not speak MQTT"):
        LockProfile(nuki_id=1, device_type=DeviceType.BOX)


def test_unlock_announces_moves_and_answers_once_unlocked() -> None:
    lock = make_lock()
    started = lock.command(Topic.LOCK_ACTION, "1", now=0.0)
    assert [p.name for p in started][:2] == [Topic.LOCK_ACTION_EVENT, Topic.STATE]
    assert events(started) == ["1,172,0,0,0"]
    assert states(started) == [str(int(LockState.UNLOCKING))]
    assert Topic.TIMESTAMP in [p.name for p in started]
    assert responses(started) == []
    assert lock.due() == MOTOR
    arrived = run_out(lock, 100.0)
    assert states(arrived) == [str(int(LockState.UNLOCKED))]
    assert responses(arrived) == ["0"]
    # The answer comes after the state it reports.
    assert [p.name for p in arrived].index(Topic.COMMAND_RESPONSE) > [
        p.name for p in arrived
    ].index(Topic.STATE)
    assert lock.due() is None


def test_events_and_answers_are_not_retained_state_is() -> None:
    assert not Publication(Topic.COMMAND_RESPONSE, "0").retained
    assert Publication(Topic.LOCK_ACTION_EVENT, "1,172,0,0,0").qos == 2
    assert Publication(Topic.STATE, "1").retained
    assert Publication(Topic.STATE, "1").qos == 0


def test_a_command_while_another_moves_is_busy() -> None:
    lock = make_lock()
    lock.command(Topic.LOCK_ACTION, "1", now=0.0)
    assert lock.command(Topic.LOCK, "true", now=0.5) == [Publication(Topic.COMMAND_RESPONSE, "69")]
    assert responses(run_out(lock, 100.0)) == ["0"]
    assert BUSY == 0x45


def test_a_command_during_the_unlatch_hold_is_busy() -> None:
    lock = make_lock()
    run_out(lock, 0.0)
    lock.command(Topic.LOCK_ACTION, "3", now=0.0)
    published = lock.advance(MOTOR)  # unlatched, answered, the latch still held
    assert states(published) == [str(int(LockState.UNLATCHED))]
    assert responses(published) == ["0"]
    assert responses(lock.command(Topic.LOCK_ACTION, "2", now=MOTOR + 0.5)) == ["69"]
    assert states(run_out(lock, 100.0)) == [str(int(LockState.UNLOCKED))]


def test_lock_n_go_answers_once_unlocked_and_relocks_by_itself() -> None:
    lock = make_lock()
    lock.command(Topic.LOCK_ACTION, "4", now=0.0)
    first = lock.advance(MOTOR)
    assert states(first) == [str(int(LockState.UNLOCKED_LOCK_N_GO))]
    assert responses(first) == ["0"]
    relock = run_out(lock, 100.0)
    assert states(relock) == [str(int(LockState.LOCKING)), str(int(LockState.LOCKED))]
    assert responses(relock) == []


def test_a_command_during_lock_n_go_replaces_the_relock() -> None:
    lock = make_lock()
    lock.command(Topic.LOCK_ACTION, "4", now=0.0)
    lock.advance(MOTOR)
    unlocking = lock.command(Topic.LOCK_ACTION, "2", now=2.0)
    assert events(unlocking) == ["2,172,0,0,0"]
    assert states(run_out(lock, 100.0)) == [str(int(LockState.LOCKED))]
    assert lock.due() is None


def test_a_blocked_motor_ends_in_state_254_and_answer_66() -> None:
    lock = make_lock()
    lock.provoke_fault("motor_blocked")
    started = lock.command(Topic.LOCK_ACTION, "1", now=0.0)
    assert events(started) == ["1,172,0,0,0"]
    stalled = run_out(lock, 100.0)
    assert states(stalled) == [str(int(LockState.MOTOR_BLOCKED))]
    assert responses(stalled) == [str(0x42)]
    assert lock.next_fault is None  # used up


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        (Topic.LOCK_ACTION, "0"),
        (Topic.LOCK_ACTION, "7"),
        (Topic.LOCK_ACTION, "80"),
        (Topic.LOCK_ACTION, "unlock"),
        (Topic.LOCK_ACTION, ""),
        (Topic.LOCK, "false"),
        (Topic.UNLOCK, "1"),
        (Topic.UNLOCK, ""),
    ],
)
def test_a_payload_the_lock_does_not_read_is_a_bad_parameter(name: str, payload: str) -> None:
    lock = make_lock()
    assert lock.command(name, payload, now=0.0) == [
        Publication(Topic.COMMAND_RESPONSE, str(BAD_PARAMETER))
    ]
    assert lock.due() is None


@pytest.mark.parametrize(
    ("profile", "name", "action"),
    [
        ({}, Topic.UNLOCK, 3),  # a knob: unlatch
        ({"has_handle": True}, Topic.UNLOCK, 1),
        ({}, Topic.LOCK, 2),
        ({"device_type": DeviceType.OPENER}, Topic.UNLOCK, 3),  # open
        ({"device_type": DeviceType.OPENER}, Topic.LOCK, 2),  # ring to open off
    ],
)
def test_the_simple_topics_ask_for_what_the_door_needs(
    profile: dict[str, object], name: str, action: int
) -> None:
    assert make_lock(**profile).command_action(name, "true") == action


def test_an_opener_takes_no_lock_n_go() -> None:
    opener = make_lock(device_type=DeviceType.OPENER)
    assert responses(opener.command(Topic.LOCK_ACTION, "4", now=0.0)) == [str(BAD_PARAMETER)]


def test_the_button_runs_lock_n_go_and_a_double_press_nothing() -> None:
    lock = make_lock()
    assert events(lock.press_button(1, now=0.0)) == ["4,2,0,0,0"]
    run_out(lock, 100.0)
    double = lock.press_button(2, now=100.0)
    assert double == [Publication(Topic.LOCK_ACTION_EVENT, "90,2,0,0,2")]
    with pytest.raises(ControlError):
        lock.press_button(3, now=100.0)


def test_a_keypad_code_unlatches_with_its_auth_and_code() -> None:
    lock = make_lock()
    published = lock.enter_code(54321, 12345, now=0.0)
    assert events(published) == ["3,0,54321,12345,1"]
    assert states(published) == [str(int(LockState.UNLATCHING))]
    assert responses(run_out(lock, 100.0)) == []  # nobody asked over MQTT


@pytest.mark.parametrize(("presses", "action"), [(1, 1), (2, 4), (3, 3)])
def test_a_fob_does_what_its_presses_say(presses: int, action: int) -> None:
    lock = make_lock()
    assert events(lock.use_fob(54322, presses, now=0.0)) == [f"{action},3,54322,0,{presses}"]


def test_a_fob_locks_a_lock_that_is_not_locked() -> None:
    lock = make_lock()
    lock.turn_by_hand(locked=False)
    assert events(lock.use_fob(7, 1, now=0.0)) == ["2,3,7,0,1"]


def test_auto_unlock_names_the_app() -> None:
    lock = make_lock()
    assert events(lock.auto_unlock(54322, now=0.0)) == ["1,0,54322,0,1"]


def test_a_turn_by_hand_changes_the_state_without_an_event() -> None:
    lock = make_lock()
    published = lock.turn_by_hand(locked=False)
    assert events(published) == []
    assert states(published) == [str(int(LockState.UNLOCKED))]
    assert lock.turn_by_hand(locked=False) == []  # nothing changed: nothing published


def test_a_turn_by_hand_cancels_the_command_under_way() -> None:
    lock = make_lock()
    lock.command(Topic.LOCK_ACTION, "1", now=0.0)
    published = lock.turn_by_hand(locked=True)
    assert responses(published) == [str(CANCELED)]
    assert states(published) == [str(int(LockState.LOCKED))]
    assert lock.due() is None


def test_the_door_sensor_reports_open_and_closed() -> None:
    lock = make_lock()
    assert states(lock.set_door(is_open=True)) == []
    assert lock.state_payloads()[Topic.DOORSENSOR_STATE] == "3"
    lock.set_door(is_open=False)
    assert lock.state_payloads()[Topic.DOORSENSOR_STATE] == "2"
    with pytest.raises(ControlError):
        make_lock(door_sensor=False).set_door(is_open=True)


def test_a_low_battery_is_critical() -> None:
    lock = make_lock()
    published = {p.name: p.payload for p in lock.set_battery(15)}
    assert published[Topic.BATTERY_CHARGE_STATE] == "15"
    assert published[Topic.BATTERY_CRITICAL] == "true"
    with pytest.raises(ControlError):
        lock.set_battery(101)


def test_a_change_moves_the_timestamp_and_no_change_publishes_nothing() -> None:
    clock = ManualClock()
    lock = LockHardware(LockProfile(nuki_id=1, timings=TIMINGS), clock)
    clock.advance(timedelta(minutes=5))
    published = lock.set_charging(charging=True)
    assert published[-1] == Publication(Topic.TIMESTAMP, "2026-01-01T00:05:00+00:00")
    assert lock.set_charging(charging=True) == []


def test_an_opener_rung_with_ring_to_open_opens() -> None:
    opener = make_lock(device_type=DeviceType.OPENER)
    quiet = opener.ring(now=0.0)
    assert {p.name for p in quiet} == {Topic.RINGACTION_TIMESTAMP, Topic.TIMESTAMP}
    assert Topic.RINGACTION_TIMESTAMP in opener.state_payloads()
    opener.command(Topic.LOCK_ACTION, "1", now=0.0)  # ring to open on
    run_out(opener, 0.0)
    assert opener.mechanics.state == OpenerState.RING_TO_OPEN_ACTIVE
    assert events(opener.ring(now=1.0)) == ["3,0,0,0,0"]


def test_an_opener_has_no_motor_to_block_or_hand_to_turn() -> None:
    opener = make_lock(device_type=DeviceType.OPENER)
    with pytest.raises(ControlError):
        opener.provoke_fault("motor_blocked")
    with pytest.raises(ControlError):
        opener.turn_by_hand(locked=True)
    with pytest.raises(ControlError):
        make_lock().ring(now=0.0)


def test_timings_scale_with_the_motor() -> None:
    assert scaled_timings(0) == Timings.instant()
    assert scaled_timings(1.5) == Timings()
    fast = scaled_timings(0.15)
    assert fast.lng_timeout == pytest.approx(2.0)
    assert fast.unlatch_hold == pytest.approx(0.3)


def test_control_topics_sit_beside_the_nuki_root() -> None:
    assert control_root("nuki") == "nukiweb-emulator"
    assert control_root("t-1/nuki") == "t-1/nukiweb-emulator"
    assert control_topic("a/b/nuki", 0x2BB28570, "door") == "a/b/nukiweb-emulator/2BB28570/door"


@pytest.mark.parametrize(
    ("control", "payload", "event"),
    [
        ("button", "", "4,2,0,0,0"),
        ("button", "2", "90,2,0,0,2"),
        ("keypad", "54321,12345", "3,0,54321,12345,1"),
        ("keypad", "54321,12345,1", "1,0,54321,12345,1"),
        ("fob", "54322,3", "3,3,54322,0,3"),
        ("fob", "54322", "1,3,54322,0,1"),
        ("auto-unlock", "54322", "1,0,54322,0,1"),
    ],
)
def test_controls_provoke_events(control: str, payload: str, event: str) -> None:
    assert events(apply_control(make_lock(), control, payload, now=0.0)) == [event]


@pytest.mark.parametrize(
    ("control", "payload", "topic", "value"),
    [
        ("door", "open", Topic.DOORSENSOR_STATE, "3"),
        ("turn", "unlock", Topic.STATE, "3"),
        ("battery", "12.5", Topic.BATTERY_CHARGE_STATE, "12"),
        ("charging", "true", Topic.BATTERY_CHARGING, "true"),
        ("keypad-battery-critical", "true", Topic.KEYPAD_BATTERY_CRITICAL, "true"),
        ("doorsensor-battery-critical", "true", Topic.DOORSENSOR_BATTERY_CRITICAL, "true"),
        ("server-connected", "false", Topic.SERVER_CONNECTED, "false"),
    ],
)
def test_controls_change_state(control: str, payload: str, topic: str, value: str) -> None:
    lock = make_lock()
    published = apply_control(lock, control, payload, now=0.0)
    assert Publication(topic, value) in published


def test_the_fault_control_blocks_the_next_action() -> None:
    lock = make_lock()
    assert apply_control(lock, "fault", "motor_blocked", now=0.0) == []
    lock.command(Topic.LOCK_ACTION, "1", now=0.0)
    assert responses(run_out(lock, 100.0)) == ["66"]


@pytest.mark.parametrize(
    ("control", "payload"),
    [
        ("explode", ""),
        ("door", "ajar"),
        ("turn", "sideways"),
        ("keypad", "1"),
        ("keypad", "a,b"),
        ("fob", "1,2,3"),
        ("fob", "1,4"),
        ("battery", "full"),
        ("charging", "maybe"),
        ("fault", "clutch"),
        ("auto-unlock", "-1"),
    ],
)
def test_controls_refuse_what_they_do_not_read(control: str, payload: str) -> None:
    with pytest.raises(ControlError):
        apply_control(make_lock(), control, payload, now=0.0)
