"""What actions do to devices: the plans, their timing, failures as data, and the battery."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nukiweb.domain.devices import (
    ActionOption,
    CompletionState,
    DeviceType,
    LockAction,
    LockState,
    Mode,
    OpenerAction,
    OpenerState,
    StateTrigger,
    accepted_actions,
    device_kind,
    trigger_for_web_action,
)
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.lock_physics import (
    BATTERY_CRITICAL_CHARGE,
    MOTOR_MOVEMENT_DRAIN,
    OPENER_ACTION_DRAIN,
    UNLATCH_DRAIN,
    ActionPlan,
    MechanicalState,
    StateChange,
    Timings,
    action_drain,
    is_stable,
    plan_action,
    settled,
)

LOCK_TYPES = (DeviceType.KEYTURNER, DeviceType.SMARTDOOR, DeviceType.SMARTLOCK3)
DEFAULT = Timings()
MOTOR = DEFAULT.motor_time
HOLD = DEFAULT.unlatch_hold
LNG = DEFAULT.lng_timeout
RTO = DEFAULT.rto_timeout
STRIKE = DEFAULT.electric_strike_duration
CONTINUOUS_MODE_ACTIONS = {
    OpenerAction.ACTIVATE_CONTINUOUS_MODE,
    OpenerAction.DEACTIVATE_CONTINUOUS_MODE,
}


def lock(device_type: DeviceType = DeviceType.SMARTLOCK3, **fields: Any) -> MechanicalState:
    return replace(MechanicalState.initial(device_type), **fields)


def opener(**fields: Any) -> MechanicalState:
    return replace(MechanicalState.initial(DeviceType.OPENER), **fields)


def timeline(plan: ActionPlan) -> list[tuple[float, int]]:
    """(delay, state) of every step, the state as it is after the step."""
    return [
        (step.after_seconds, state.state)
        for step, state in zip(plan.steps, plan.states(), strict=True)
    ]


# --- timings and the device record -----------------------------------------------------------


def test_default_timings() -> None:
    assert Timings(1.5, 3.0, 20.0, 1200.0, 0.0, 3.0) == DEFAULT


def test_instant_timings_are_all_zero() -> None:
    assert all(getattr(Timings.instant(), name) == 0 for name in Timings.__dataclass_fields__)


@pytest.mark.parametrize("name", list(Timings.__dataclass_fields__))
@pytest.mark.parametrize("value", [-0.001, -1, math.nan, math.inf])
def test_timings_refuse_negative_and_non_finite(name: str, value: float) -> None:
    with pytest.raises(InvalidParameter) as raised:
        Timings(**{name: value})
    assert raised.value.parameter == name


@pytest.mark.parametrize(
    ("device_type", "state"),
    [
        (DeviceType.KEYTURNER, LockState.LOCKED),
        (DeviceType.BOX, LockState.UNDEFINED),
        (DeviceType.OPENER, OpenerState.ONLINE),
        (DeviceType.SMARTDOOR, LockState.LOCKED),
        (DeviceType.SMARTLOCK3, LockState.LOCKED),
    ],
)
def test_initial_state(device_type: DeviceType, state: int) -> None:
    device = MechanicalState.initial(device_type)
    assert device.state == state
    assert device.mode == Mode.DOOR
    assert device.battery_charge == 100
    assert not device.battery_critical
    assert device.ring_to_open_timer == 0
    assert device.last_action is None


@pytest.mark.parametrize(
    ("charge", "reported"), [(100.0, 100), (99.95, 99), (20.0, 20), (0.04, 0), (0.0, 0)]
)
def test_reported_battery_charge_rounds_down(charge: float, reported: int) -> None:
    assert lock(battery_charge=charge).reported_battery_charge == reported


def test_a_state_change_sets_only_its_fields() -> None:
    device = lock(battery_charge=50.0, night_mode=True)
    changed = StateChange(state=LockState.UNLOCKED, last_action=1).apply(device)
    assert changed == replace(device, state=LockState.UNLOCKED, last_action=1)
    assert StateChange().apply(device) == device


# --- locks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("device_type", LOCK_TYPES)
@pytest.mark.parametrize(
    ("action", "option", "start", "expected"),
    [
        (LockAction.LOCK, 0, LockState.UNLOCKED,
         [(0, LockState.LOCKING), (MOTOR, LockState.LOCKED)]),
        (LockAction.LOCK, ActionOption.FULL_LOCK, LockState.UNLOCKED,
         [(0, LockState.LOCKING), (2 * MOTOR, LockState.LOCKED)]),
        (LockAction.UNLOCK, 0, LockState.LOCKED,
         [(0, LockState.UNLOCKING), (MOTOR, LockState.UNLOCKED)]),
        (LockAction.UNLATCH, 0, LockState.LOCKED,
         [(0, LockState.UNLATCHING), (MOTOR, LockState.UNLATCHED), (HOLD, LockState.UNLOCKED)]),
        (LockAction.UNLATCH, 0, LockState.UNLOCKED,
         [(0, LockState.UNLATCHING), (MOTOR, LockState.UNLATCHED), (HOLD, LockState.UNLOCKED)]),
        (LockAction.LOCK_N_GO, 0, LockState.LOCKED,
         [(0, LockState.UNLOCKING), (MOTOR, LockState.UNLOCKED_LOCK_N_GO),
          (LNG, LockState.LOCKING), (MOTOR, LockState.LOCKED)]),
        (LockAction.LOCK_N_GO_WITH_UNLATCH, 0, LockState.LOCKED,
         [(0, LockState.UNLATCHING), (MOTOR, LockState.UNLATCHED),
          (HOLD, LockState.UNLOCKED_LOCK_N_GO), (LNG, LockState.LOCKING),
          (MOTOR, LockState.LOCKED)]),
        # From motor blocked or undefined, the lock tries again.
        (LockAction.LOCK, 0, LockState.MOTOR_BLOCKED,
         [(0, LockState.LOCKING), (MOTOR, LockState.LOCKED)]),
        (LockAction.UNLOCK, 0, LockState.UNDEFINED,
         [(0, LockState.UNLOCKING), (MOTOR, LockState.UNLOCKED)]),
        # Waiting to relock after lock 'n' go: a lock replaces the pending relock.
        (LockAction.LOCK, 0, LockState.UNLOCKED_LOCK_N_GO,
         [(0, LockState.LOCKING), (MOTOR, LockState.LOCKED)]),
        # "Force" moves the motor even where the lock already is.
        (LockAction.LOCK, ActionOption.FORCE, LockState.LOCKED,
         [(0, LockState.LOCKING), (MOTOR, LockState.LOCKED)]),
        (LockAction.UNLOCK, ActionOption.FORCE, LockState.UNLOCKED,
         [(0, LockState.UNLOCKING), (MOTOR, LockState.UNLOCKED)]),
    ],
)  # fmt: skip
def test_lock_timelines(
    device_type: DeviceType,
    action: LockAction,
    option: int,
    start: LockState,
    expected: list[tuple[float, int]],
) -> None:
    device = lock(device_type, state=start)
    plan = plan_action(device, action, option)
    assert timeline(plan) == expected
    assert plan.total_seconds == sum(delay for delay, _ in expected)
    assert plan.log.action == action
    assert plan.log.completion is CompletionState.SUCCESS
    assert plan.log.error is None
    # Logged when the first movement ends, not when a lock 'n' go relocks.
    assert plan.log.after_seconds == expected[1][0]
    assert plan.final.last_action == action
    assert plan.states()[0].last_action == action  # recorded as the action starts


@pytest.mark.parametrize("device_type", LOCK_TYPES)
@pytest.mark.parametrize(
    ("action", "state"),
    [(LockAction.LOCK, LockState.LOCKED), (LockAction.UNLOCK, LockState.UNLOCKED)],
)
def test_a_lock_already_there_completes_at_once(
    device_type: DeviceType, action: LockAction, state: LockState
) -> None:
    device = lock(device_type, state=state, battery_charge=50.0)
    plan = plan_action(device, action)
    assert timeline(plan) == [(0, state)]
    assert plan.battery_drain == 0
    assert plan.final.battery_charge == 50.0
    assert plan.final.last_action == action
    assert plan.log.completion is CompletionState.SUCCESS


@pytest.mark.parametrize("device_type", LOCK_TYPES)
@pytest.mark.parametrize("action", list(LockAction))
def test_instant_timings_complete_everything_at_once(
    device_type: DeviceType, action: LockAction
) -> None:
    plan = plan_action(lock(device_type, state=LockState.UNLOCKED), action, 0, Timings.instant())
    assert all(step.after_seconds == 0 for step in plan.steps)
    assert plan.total_seconds == 0
    assert plan.log.after_seconds == 0


def test_timings_are_honoured() -> None:
    timings = Timings(motor_time=0.25, unlatch_hold=5, lng_timeout=45)
    plan = plan_action(lock(), LockAction.LOCK_N_GO_WITH_UNLATCH, 0, timings)
    assert [step.after_seconds for step in plan.steps] == [0, 0.25, 5, 45, 0.25]


@pytest.mark.parametrize("device_type", list(DeviceType))
def test_the_trigger_is_recorded_in_state_and_log(device_type: DeviceType) -> None:
    trigger = trigger_for_web_action(device_type)
    device = MechanicalState.initial(device_type)
    plan = plan_action(device, 1, trigger=trigger)
    assert plan.final.trigger == trigger
    assert plan.log.trigger == trigger


# --- refusals, as data -----------------------------------------------------------------------

BUSY_LOCK_STATES = [
    LockState.UNLOCKING, LockState.LOCKING, LockState.UNLATCHING, LockState.UNLATCHED,
    LockState.BOOT_RUN,
]  # fmt: skip


def assert_refused(plan: ActionPlan, completion: CompletionState) -> None:
    assert plan.log.completion is completion
    assert plan.log.error
    assert plan.steps == ()
    assert plan.final == plan.device
    assert plan.battery_drain == 0
    assert plan.log.after_seconds == 0


@pytest.mark.parametrize("device_type", LOCK_TYPES)
@pytest.mark.parametrize("action", list(LockAction))
def test_an_uncalibrated_lock_refuses(device_type: DeviceType, action: LockAction) -> None:
    plan = plan_action(lock(device_type, state=LockState.UNCALIBRATED), action)
    assert_refused(plan, CompletionState.OTHER_ERROR)
    assert plan.log.error == "The lock is not calibrated."


@pytest.mark.parametrize("device_type", LOCK_TYPES)
@pytest.mark.parametrize("state", BUSY_LOCK_STATES)
@pytest.mark.parametrize("action", list(LockAction))
def test_a_moving_lock_is_busy(device_type: DeviceType, state: int, action: LockAction) -> None:
    assert_refused(plan_action(lock(device_type, state=state), action), CompletionState.BUSY)


@pytest.mark.parametrize("device_type", LOCK_TYPES)
@pytest.mark.parametrize(
    "mode", [Mode.UNINITIALIZED, Mode.PAIRING, Mode.CONTINUOUS, Mode.MAINTENANCE, Mode.TEST]
)
def test_a_lock_out_of_door_mode_rejects(device_type: DeviceType, mode: Mode) -> None:
    plan = plan_action(lock(device_type, mode=mode), LockAction.UNLOCK)
    assert_refused(plan, CompletionState.REJECTED)


@pytest.mark.parametrize("device_type", LOCK_TYPES)
@pytest.mark.parametrize("action", list(LockAction))
def test_a_flat_battery_cannot_move_the_motor(device_type: DeviceType, action: LockAction) -> None:
    drain = action_drain(device_type, action, 0)
    device = lock(device_type, state=LockState.UNDEFINED, battery_charge=drain - 0.01)
    assert_refused(plan_action(device, action), CompletionState.LOW_MOTOR_VOLTAGE)
    just_enough = replace(device, battery_charge=drain)
    plan = plan_action(just_enough, action)
    assert plan.log.completion is CompletionState.SUCCESS
    assert plan.final.battery_charge == 0
    assert plan.final.battery_critical


@pytest.mark.parametrize("device_type", LOCK_TYPES)
@pytest.mark.parametrize(
    "action",
    [
        LockAction.UNLOCK,
        LockAction.UNLATCH,
        LockAction.LOCK_N_GO,
        LockAction.LOCK_N_GO_WITH_UNLATCH,
    ],
)
def test_night_mode_rejects_auto_unlock(device_type: DeviceType, action: LockAction) -> None:
    device = lock(device_type, night_mode=True)
    plan = plan_action(device, action, trigger=StateTrigger.AUTOMATIC)
    assert_refused(plan, CompletionState.REJECTED_NIGHT_MODE)
    # Anything else still works at night.
    ok = plan_action(device, action, trigger=StateTrigger.SYSTEM)
    assert ok.log.completion is CompletionState.SUCCESS


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_night_mode_still_locks_automatically(device_type: DeviceType) -> None:
    device = lock(device_type, state=LockState.UNLOCKED, night_mode=True)
    plan = plan_action(device, LockAction.LOCK, trigger=StateTrigger.AUTOMATIC)
    assert plan.final.state == LockState.LOCKED


# --- provoked faults -------------------------------------------------------------------------


@pytest.mark.parametrize("device_type", LOCK_TYPES)
@pytest.mark.parametrize("action", list(LockAction))
@pytest.mark.parametrize("start", [LockState.LOCKED, LockState.UNLOCKED])
def test_motor_blocked(device_type: DeviceType, action: LockAction, start: LockState) -> None:
    device = lock(device_type, state=start)
    plan = plan_action(device, action, fault="motor_blocked")
    normal = plan_action(device, action, ActionOption.FORCE)
    assert timeline(plan) == [(0, timeline(normal)[0][1]), (MOTOR, LockState.MOTOR_BLOCKED)]
    assert plan.log.completion is CompletionState.MOTOR_BLOCKED
    assert plan.log.after_seconds == MOTOR
    assert plan.battery_drain == action_drain(device_type, action, 0)
    assert plan.final.last_action == action


@pytest.mark.parametrize("device_type", [DeviceType.OPENER, DeviceType.BOX])
def test_only_a_motor_can_block(device_type: DeviceType) -> None:
    with pytest.raises(InvalidParameter) as raised:
        plan_action(MechanicalState.initial(device_type), 1, fault="motor_blocked")
    assert raised.value.parameter == "fault"


@pytest.mark.parametrize("device_type", LOCK_TYPES)
def test_a_refusal_wins_over_a_fault(device_type: DeviceType) -> None:
    device = lock(device_type, state=LockState.UNCALIBRATED)
    plan = plan_action(device, LockAction.UNLOCK, fault="motor_blocked")
    assert_refused(plan, CompletionState.OTHER_ERROR)


# --- the opener ------------------------------------------------------------------------------


def test_ring_to_open_runs_until_its_timeout() -> None:
    plan = plan_action(opener(), OpenerAction.ACTIVATE_RING_TO_OPEN)
    assert timeline(plan) == [(0, OpenerState.RING_TO_OPEN_ACTIVE), (RTO, OpenerState.ONLINE)]
    assert [s.ring_to_open_timer for s in plan.states()] == [1200, 0]
    assert plan.log.after_seconds == 0


def test_ring_to_open_timer_is_whole_seconds_within_the_specs_maximum() -> None:
    plan = plan_action(opener(), 1, 0, Timings(rto_timeout=0.5))
    assert plan.states()[0].ring_to_open_timer == 1
    plan = plan_action(opener(), 1, 0, Timings(rto_timeout=100_000))
    assert plan.states()[0].ring_to_open_timer == 65535
    assert plan.steps[1].after_seconds == 100_000


@pytest.mark.parametrize("start", [OpenerState.ONLINE, OpenerState.RING_TO_OPEN_ACTIVE])
def test_deactivate_ring_to_open(start: OpenerState) -> None:
    plan = plan_action(opener(state=start, ring_to_open_timer=300), 2)
    assert timeline(plan) == [(0, OpenerState.ONLINE)]
    assert plan.final.ring_to_open_timer == 0


def test_electric_strike_opens_then_goes_back_online() -> None:
    plan = plan_action(opener(), OpenerAction.ELECTRIC_STRIKE_ACTUATION)
    assert timeline(plan) == [
        (0, OpenerState.OPENING),
        (0, OpenerState.OPEN),
        (STRIKE, OpenerState.ONLINE),
    ]
    assert plan.log.action == OpenerAction.ELECTRIC_STRIKE_ACTUATION
    assert plan.log.after_seconds == 0


def test_electric_strike_honours_its_delay() -> None:
    plan = plan_action(opener(), 3, 0, Timings(electric_strike_delay=4, electric_strike_duration=2))
    assert timeline(plan) == [
        (0, OpenerState.OPENING),
        (4, OpenerState.OPEN),
        (2, OpenerState.ONLINE),
    ]
    assert plan.log.after_seconds == 4


def test_ring_to_open_runs_on_through_an_electric_strike() -> None:
    device = opener(state=OpenerState.RING_TO_OPEN_ACTIVE, ring_to_open_timer=600)
    plan = plan_action(device, OpenerAction.ELECTRIC_STRIKE_ACTUATION)
    assert timeline(plan) == [
        (0, OpenerState.OPENING),
        (0, OpenerState.OPEN),
        (STRIKE, OpenerState.RING_TO_OPEN_ACTIVE),
        (600 - STRIKE, OpenerState.ONLINE),
    ]
    assert [s.ring_to_open_timer for s in plan.states()] == [600, 600, 597, 0]


def test_ring_to_open_ending_during_an_electric_strike() -> None:
    device = opener(state=OpenerState.RING_TO_OPEN_ACTIVE, ring_to_open_timer=2)
    plan = plan_action(device, OpenerAction.ELECTRIC_STRIKE_ACTUATION)
    assert timeline(plan)[-1] == (STRIKE, OpenerState.ONLINE)
    assert plan.final.ring_to_open_timer == 0


@pytest.mark.parametrize(
    ("action", "start_mode", "mode"),
    [
        (OpenerAction.ACTIVATE_CONTINUOUS_MODE, Mode.DOOR, Mode.CONTINUOUS),
        (OpenerAction.ACTIVATE_CONTINUOUS_MODE, Mode.CONTINUOUS, Mode.CONTINUOUS),
        (OpenerAction.DEACTIVATE_CONTINUOUS_MODE, Mode.CONTINUOUS, Mode.DOOR),
        (OpenerAction.DEACTIVATE_CONTINUOUS_MODE, Mode.DOOR, Mode.DOOR),
    ],
)
def test_continuous_mode(action: OpenerAction, start_mode: Mode, mode: Mode) -> None:
    plan = plan_action(opener(mode=start_mode), action)
    assert len(plan.steps) == 1
    assert plan.final.mode == mode
    assert plan.final.state == OpenerState.ONLINE
    assert plan.log.action == action  # the Web API's 6/7, not the bridge's 4/5


@pytest.mark.parametrize("action", sorted(CONTINUOUS_MODE_ACTIONS))
def test_continuous_mode_leaves_ring_to_open_to_its_timer(action: OpenerAction) -> None:
    # The new plan replaces the pending end of ring to open, so it must carry it on.
    plan = plan_action(
        opener(state=OpenerState.RING_TO_OPEN_ACTIVE, ring_to_open_timer=300), action
    )
    assert timeline(plan)[-2:] == [(0, OpenerState.RING_TO_OPEN_ACTIVE), (300, OpenerState.ONLINE)]
    assert plan.states()[0].ring_to_open_timer == 300


def test_the_simple_lock_of_an_opener_ends_ring_to_open_and_continuous_mode() -> None:
    device = opener(mode=Mode.CONTINUOUS, state=OpenerState.RING_TO_OPEN_ACTIVE)
    for action in (OpenerAction.DEACTIVATE_RING_TO_OPEN, OpenerAction.DEACTIVATE_CONTINUOUS_MODE):
        device = plan_action(device, action).final
    assert (device.mode, device.state, device.ring_to_open_timer) == (Mode.DOOR, 1, 0)


@pytest.mark.parametrize("action", list(OpenerAction))
def test_an_untrained_opener_refuses(action: OpenerAction) -> None:
    plan = plan_action(opener(state=OpenerState.UNTRAINED), action)
    assert_refused(plan, CompletionState.OTHER_ERROR)


@pytest.mark.parametrize("state", [OpenerState.OPENING, OpenerState.OPEN, OpenerState.BOOT_RUN])
@pytest.mark.parametrize("action", list(OpenerAction))
def test_a_busy_opener_refuses(state: OpenerState, action: OpenerAction) -> None:
    assert_refused(plan_action(opener(state=state), action), CompletionState.BUSY)


@pytest.mark.parametrize("mode", [Mode.UNINITIALIZED, Mode.PAIRING, Mode.MAINTENANCE])
def test_an_opener_out_of_service_rejects(mode: Mode) -> None:
    assert_refused(plan_action(opener(mode=mode), 3), CompletionState.REJECTED)


# --- the box ---------------------------------------------------------------------------------


def test_the_box_unlocks_at_once_and_has_no_state() -> None:
    box = MechanicalState.initial(DeviceType.BOX)
    plan = plan_action(box, 1, trigger=StateTrigger.WEB)
    assert timeline(plan) == [(0, LockState.UNDEFINED)]
    assert plan.final == replace(box, last_action=1, trigger=StateTrigger.WEB)
    assert plan.log.completion is CompletionState.SUCCESS
    assert plan.battery_drain == 0


# --- actions a type lacks --------------------------------------------------------------------


@pytest.mark.parametrize("device_type", list(DeviceType))
def test_actions_the_type_lacks_are_invalid_parameters(device_type: DeviceType) -> None:
    device = MechanicalState.initial(device_type)
    for action in set(range(9)) - accepted_actions(device_type):
        with pytest.raises(InvalidParameter) as raised:
            plan_action(device, action)
        assert raised.value.parameter == "action"
    with pytest.raises(InvalidParameter) as raised:
        plan_action(device, 1, 1)
    assert raised.value.parameter == "option"


# --- battery ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "action", "option", "drain"),
    [
        *[(t, LockAction.UNLOCK, 0, MOTOR_MOVEMENT_DRAIN) for t in LOCK_TYPES],
        *[(t, LockAction.LOCK, 0, MOTOR_MOVEMENT_DRAIN) for t in LOCK_TYPES],
        *[(t, LockAction.LOCK, 4, 2 * MOTOR_MOVEMENT_DRAIN) for t in LOCK_TYPES],
        *[(t, LockAction.UNLATCH, 0, MOTOR_MOVEMENT_DRAIN + UNLATCH_DRAIN) for t in LOCK_TYPES],
        *[(t, LockAction.LOCK_N_GO, 0, 2 * MOTOR_MOVEMENT_DRAIN) for t in LOCK_TYPES],
        *[(t, LockAction.LOCK_N_GO_WITH_UNLATCH, 0, 2 * MOTOR_MOVEMENT_DRAIN + UNLATCH_DRAIN)
          for t in LOCK_TYPES],
        *[(DeviceType.OPENER, a, 0, OPENER_ACTION_DRAIN) for a in OpenerAction],
        (DeviceType.BOX, 1, 0, 0.0),
    ],
)  # fmt: skip
def test_drain_per_action(device_type: DeviceType, action: int, option: int, drain: float) -> None:
    assert action_drain(device_type, action, option) == pytest.approx(drain)
    device = replace(MechanicalState.initial(device_type), state=_start_for(device_type))
    plan = plan_action(device, action, option)
    assert plan.battery_drain == pytest.approx(drain)
    assert plan.final.battery_charge == pytest.approx(100 - drain)


def _start_for(device_type: DeviceType) -> int:
    """A state from which every action of the type moves something."""
    if device_type is DeviceType.OPENER:
        return OpenerState.ONLINE
    return LockState.UNDEFINED


@pytest.mark.parametrize("device_type", [*LOCK_TYPES, DeviceType.OPENER])
@pytest.mark.parametrize(
    ("after", "critical"), [(99.0, False), (25.0, False), (20.5, False), (19.5, True), (5, True)]
)
def test_battery_critical_at_or_below_twenty_percent(
    device_type: DeviceType, after: float, critical: bool
) -> None:
    start = after + action_drain(device_type, 1, 0)
    device = replace(MechanicalState.initial(device_type), state=_start_for(device_type))
    plan = plan_action(replace(device, battery_charge=start), 1)
    assert plan.final.battery_charge == pytest.approx(after)
    assert plan.final.battery_critical is critical


def test_an_opener_with_an_empty_battery_still_acts() -> None:
    # It may run on USB power; only a motor needs the battery's voltage.
    plan = plan_action(opener(battery_charge=0.0), OpenerAction.ELECTRIC_STRIKE_ACTUATION)
    assert plan.log.completion is CompletionState.SUCCESS
    assert plan.final.battery_charge == 0
    assert plan.final.battery_critical


# --- stability -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "state", "stable"),
    [
        *[(t, s, s not in {2, 4, 5, 6, 7, 253}) for t in LOCK_TYPES for s in LockState],
        *[(DeviceType.OPENER, s, s not in {3, 5, 7, 253}) for s in OpenerState],
        (DeviceType.BOX, LockState.UNDEFINED, True),
    ],
)
def test_is_stable(device_type: DeviceType, state: int, stable: bool) -> None:
    assert is_stable(device_type, state) is stable


# --- properties over every type, action, option and starting point ---------------------------

OPTIONS = st.sampled_from([0, 2, 4, 6])
durations = st.floats(min_value=0, max_value=3600, allow_nan=False, allow_infinity=False)
timings_strategy = st.builds(
    Timings, durations, durations, durations, durations, durations, durations
)


def states_of(device_type: DeviceType) -> list[int]:
    if device_type is DeviceType.OPENER:
        return list(OpenerState)
    if device_type is DeviceType.BOX:
        return [LockState.UNDEFINED]
    return list(LockState)


@st.composite
def devices(draw: st.DrawFn, *, stable_only: bool) -> MechanicalState:
    device_type = draw(st.sampled_from(DeviceType))
    choices = states_of(device_type)
    if stable_only:
        choices = [state for state in choices if is_stable(device_type, state)]
    state = draw(st.sampled_from(choices))
    # The spec: "0 if ring to open is not active".
    timer = 0
    if device_type is DeviceType.OPENER and state == OpenerState.RING_TO_OPEN_ACTIVE:
        timer = draw(st.integers(min_value=0, max_value=65535))
    return MechanicalState(
        device_type=device_type,
        state=state,
        mode=draw(st.sampled_from(Mode)),
        battery_charge=draw(st.floats(min_value=0, max_value=100)),
        night_mode=draw(st.booleans()),
        ring_to_open_timer=timer,
        trigger=draw(st.sampled_from(StateTrigger)),
    )


@st.composite
def plans(draw: st.DrawFn, *, stable_only: bool) -> ActionPlan:
    device = draw(devices(stable_only=stable_only))
    action = draw(st.sampled_from(sorted(accepted_actions(device.device_type))))
    trigger = draw(st.sampled_from(StateTrigger))
    return plan_action(device, action, draw(OPTIONS), draw(timings_strategy), trigger=trigger)


@given(plans(stable_only=True))
def test_every_accepted_action_ends_in_a_stable_state(plan: ActionPlan) -> None:
    assert is_stable(plan.device.device_type, plan.final.state)


@given(plans(stable_only=False))
def test_from_anywhere_a_plan_ends_stable_or_leaves_the_device_alone(plan: ActionPlan) -> None:
    assert is_stable(plan.device.device_type, plan.final.state) or plan.final == plan.device


@given(plans(stable_only=False))
def test_plans_are_well_formed(plan: ActionPlan) -> None:
    assert all(step.after_seconds >= 0 for step in plan.steps)
    assert 0 <= plan.log.after_seconds <= plan.total_seconds
    assert (plan.log.completion is CompletionState.SUCCESS) == (plan.log.error is None)
    valid_states = set(states_of(plan.device.device_type))
    assert all(state.state in valid_states for state in plan.states())
    assert all(state.device_type is plan.device.device_type for state in plan.states())


@given(plans(stable_only=False))
def test_the_battery_only_drains_and_flags_critical_below_the_threshold(plan: ActionPlan) -> None:
    charges = [plan.device.battery_charge, *(s.battery_charge for s in plan.states())]
    assert all(later <= earlier for earlier, later in itertools.pairwise(charges))
    assert all(charge >= 0 for charge in charges)
    if plan.steps:
        has_battery = device_kind(plan.device.device_type).has_battery
        expected = has_battery and plan.final.battery_charge <= BATTERY_CRITICAL_CHARGE
        assert plan.final.battery_critical is expected
        assert plan.final.last_action == plan.log.action
        assert plan.final.trigger == plan.log.trigger


LOCK_OUTCOMES = {
    LockAction.UNLOCK: LockState.UNLOCKED,
    LockAction.LOCK: LockState.LOCKED,
    LockAction.UNLATCH: LockState.UNLOCKED,
    LockAction.LOCK_N_GO: LockState.LOCKED,
    LockAction.LOCK_N_GO_WITH_UNLATCH: LockState.LOCKED,
}


@given(plans(stable_only=True))
def test_a_successful_action_leaves_the_device_where_it_says(plan: ActionPlan) -> None:
    if plan.log.completion is not CompletionState.SUCCESS:
        return
    device_type, final = plan.device.device_type, plan.final
    if device_kind(device_type).has_motor:
        assert final.state == LOCK_OUTCOMES[LockAction(plan.log.action)]
    elif device_type is DeviceType.OPENER:
        assert final.ring_to_open_timer == 0
        action = OpenerAction(plan.log.action)
        if action is OpenerAction.ACTIVATE_CONTINUOUS_MODE:
            assert final.mode == Mode.CONTINUOUS
        elif action is OpenerAction.DEACTIVATE_CONTINUOUS_MODE:
            assert final.mode == Mode.DOOR
        else:
            assert final.state == OpenerState.ONLINE
        if action in CONTINUOUS_MODE_ACTIONS:  # the state is left alone but for ring to open
            assert final.state in {plan.device.state, OpenerState.ONLINE}


@given(devices(stable_only=True), st.sampled_from(LockAction), OPTIONS, timings_strategy)
def test_a_provoked_motor_fault_always_ends_blocked_or_refused(
    device: MechanicalState, action: LockAction, option: int, timings: Timings
) -> None:
    if not device_kind(device.device_type).has_motor:
        return
    plan = plan_action(device, action, option, timings, fault="motor_blocked")
    if plan.steps:
        assert plan.final.state == LockState.MOTOR_BLOCKED
        assert plan.log.completion is CompletionState.MOTOR_BLOCKED
    else:
        assert plan.log.completion is not CompletionState.SUCCESS


@pytest.mark.parametrize("device_type", list(DeviceType))
@pytest.mark.parametrize("state", [*LockState, *OpenerState])
def test_settled_devices_are_stable(device_type: DeviceType, state: int) -> None:
    device = replace(MechanicalState.initial(device_type), state=state)
    rested = settled(device)
    assert is_stable(device_type, rested.state)
    if is_stable(device_type, state):
        assert rested == device
