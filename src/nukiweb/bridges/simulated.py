"""Simulated bridges: run commands on their devices the way the hardware would.

An action becomes a plan (``domain.lock_physics``): state changes at given delays and a log
entry once the outcome is known. The plan's events run one after the other on the scheduler,
each in its own transaction, through the same device reports a real bridge would make.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from nukiweb.bridges.hub import DeviceCommand
from nukiweb.bridges.scheduler import Scheduler, Timer
from nukiweb.domain.devices import (
    CompletionState,
    LockAction,
    LockState,
    LogTrigger,
    StateTrigger,
)
from nukiweb.domain.lock_physics import (
    ActionPlan,
    MechanicalState,
    StateChange,
    Timings,
    plan_action,
)
from nukiweb.domain.smartlocks import Device
from nukiweb.services import device_reports
from nukiweb.services.context import ServiceContext

log = logging.getLogger(__name__)

# At equal times, state changes come before the log entry, which comes before the release.
_STEP, _LOG, _FINISH = 0, 1, 2


@dataclass(frozen=True, slots=True)
class SimulationSpeed:
    """How fast simulated hardware moves. ``motor_time`` is one motor movement in seconds; the
    delays a device's configuration sets (unlatch hold, lock 'n' go, ring to open, electric
    strike) are taken from it and multiplied by ``time_scale``: 0 makes everything instant."""

    motor_time: float = 1.5
    time_scale: float = 1.0

    @classmethod
    def instant(cls) -> SimulationSpeed:
        return cls(0.0, 0.0)

    def timings(self, device: Device) -> Timings:
        advanced = device.advanced_config or device.smartdoor_advanced_config or {}
        opener = device.opener_advanced_config or {}
        scale = self.time_scale
        return Timings(
            motor_time=self.motor_time,
            unlatch_hold=float(advanced.get("unlatchDuration") or 3) * scale,
            lng_timeout=float(advanced.get("lngTimeout") or 20) * scale,
            rto_timeout=float(opener.get("rtoTimeout") or 20) * 60 * scale,
            electric_strike_delay=float(opener.get("electricStrikeDelay") or 0) / 1000 * scale,
            electric_strike_duration=float(opener.get("electricStrikeDuration") or 3000)
            / 1000
            * scale,
        )


@dataclass
class _Chain:
    """The pending events of one device, run one after the other."""

    events: list[tuple[float, Callable[[], None]]]
    timer: Timer | None = None
    cancelled: bool = field(default=False)

    def cancel(self) -> None:
        self.cancelled = True
        if self.timer is not None:
            self.timer.cancel()


class SimulatedBridges:
    """Every simulated bridge of this process, and the hardware behind them."""

    def __init__(self, ctx: ServiceContext, scheduler: Scheduler, speed: SimulationSpeed) -> None:
        self._ctx = ctx
        self._scheduler = scheduler
        self.speed = speed
        self._chains: dict[int, _Chain] = {}

    def send(self, command: DeviceCommand) -> None:
        with self._ctx.db.read() as conn:
            device, hardware = device_reports.load_hardware(conn, command.smartlock_id)
        timings = self.speed.timings(device)
        mechanics = hardware.mechanics_at(self._ctx.clock.now())
        plans = self._plans(mechanics, command, hardware.next_fault, timings)
        if hardware.next_fault is not None:
            device_reports.change_hardware(
                self._ctx, command.smartlock_id, lambda h: replace(h, next_fault=None)
            )
        runs = bool(plans[0].steps)
        if runs:  # a plan that moves the device replaces whatever it still had pending
            self.cancel(command.smartlock_id)
        events = self._timeline(command, plans)
        auto_lock = self._auto_lock(device, plans)
        if auto_lock is not None:
            events.append(auto_lock)
        self._start(command.smartlock_id, events, replace_pending=runs)

    def sync_authorization(
        self, smartlock_id: int, authorization_id: str, operation_id: str
    ) -> None:
        """The device stores the change and confirms it one radio round trip later."""
        confirm = partial(
            device_reports.confirm_authorization, self._ctx, authorization_id, operation_id
        )
        self._scheduler.call_later(0.0, _logged(smartlock_id, confirm))

    def cancel(self, smartlock_id: int) -> None:
        chain = self._chains.pop(smartlock_id, None)
        if chain is not None:
            chain.cancel()

    def _plans(
        self,
        mechanics: MechanicalState,
        command: DeviceCommand,
        fault: str | None,
        timings: Timings,
    ) -> list[ActionPlan]:
        """One plan per action, each from where the previous left the device; a failure stops
        the rest."""
        plans = []
        for index, action in enumerate(command.actions):
            plan = plan_action(
                mechanics,
                action,
                command.option,
                timings,
                fault="motor_blocked" if fault == "motor_blocked" and index == 0 else None,
                trigger=command.state_trigger,
            )
            plans.append(plan)
            if plan.log.completion != CompletionState.SUCCESS:
                break
            mechanics = plan.final
        return plans

    def _auto_lock(
        self, device: Device, plans: list[ActionPlan]
    ) -> tuple[float, Callable[[], None]] | None:
        """With auto lock on (advanced config), a lock left unlocked locks itself after
        ``autoLockTimeout`` seconds, unless something moves it first (which replaces this)."""
        config = device.advanced_config or device.smartdoor_advanced_config or {}
        last = plans[-1]
        if not config.get("autoLock") or last.log.completion != CompletionState.SUCCESS:
            return None
        if last.final.state != LockState.UNLOCKED:
            return None
        done = sum(step.after_seconds for plan in plans for step in plan.steps)
        timeout = float(config.get("autoLockTimeout") or 0) * self.speed.time_scale
        command = DeviceCommand(
            smartlock_id=device.smartlock_id,
            actions=(int(LockAction.LOCK),),
            option=0,
            state_trigger=StateTrigger.AUTO_LOCK,
            log_trigger=LogTrigger.AUTO_LOCK,
            actor=device.name,
        )
        return done + timeout, partial(self.send, command)

    def _timeline(
        self, command: DeviceCommand, plans: list[ActionPlan]
    ) -> list[tuple[float, Callable[[], None]]]:
        events: list[tuple[float, int, int, Callable[[], None]]] = []
        offset = 0.0
        failure: str | None = None
        failed: CompletionState | None = None
        for plan in plans:
            at = offset
            for step in plan.steps:
                at += step.after_seconds
                apply = partial(self._apply, command.smartlock_id, step.change)
                events.append((at, _STEP, len(events), apply))
            outcome = offset + plan.log.after_seconds
            write = partial(self._log, command, plan)
            events.append((outcome, _LOG, len(events), write))
            if plan.log.completion != CompletionState.SUCCESS:
                failure = plan.log.error or f"The action failed ({plan.log.completion.name})."
                failed = plan.log.completion
            offset = outcome
        if command.operation_id is not None:
            finish = partial(
                device_reports.finish_operation,
                self._ctx,
                command.smartlock_id,
                command.operation_id,
                failure,
                failed,
                command.request,
            )
            events.append((offset, _FINISH, len(events), finish))
        events.sort(key=lambda event: event[:3])
        return [(at, callback) for at, _kind, _index, callback in events]

    def _start(
        self,
        smartlock_id: int,
        events: list[tuple[float, Callable[[], None]]],
        *,
        replace_pending: bool,
    ) -> None:
        chain = _Chain(events)
        if replace_pending or smartlock_id not in self._chains:
            self._chains[smartlock_id] = chain
        self._next(smartlock_id, chain, 0.0)

    def _next(self, smartlock_id: int, chain: _Chain, now: float) -> None:
        if chain.cancelled or not chain.events:
            if self._chains.get(smartlock_id) is chain:
                del self._chains[smartlock_id]
            return
        at = chain.events[0][0]

        def run() -> None:
            # Everything due at this moment runs in one go: no request is served between a
            # device's simultaneous changes (with motor time 0, the whole action).
            while chain.events and chain.events[0][0] <= at and not chain.cancelled:
                _at, callback = chain.events.pop(0)
                _logged(smartlock_id, callback)()
            self._next(smartlock_id, chain, at)

        chain.timer = self._scheduler.call_later(at - now, run)

    def _apply(self, smartlock_id: int, change: StateChange) -> None:
        now = self._ctx.clock.now()
        device_reports.change_hardware(
            self._ctx, smartlock_id, lambda h: h.with_mechanics(change.apply(h.mechanics), now)
        )

    def _log(self, command: DeviceCommand, plan: ActionPlan) -> None:
        device_reports.record_log(
            self._ctx,
            command.smartlock_id,
            name=command.actor,
            action=plan.log.action,
            trigger=command.log_trigger,
            state=int(plan.log.completion),
            source=command.source,
            error=plan.log.error,
            auth_id=command.auth_id,
            account_user_id=command.account_user_id,
        )


def _logged(smartlock_id: int, callback: Callable[[], object]) -> Callable[[], None]:
    """``callback``, whose failure is logged: one failing report must not stop the device's
    other events."""

    def run() -> None:
        try:
            callback()
        except Exception:
            log.exception("simulated device %s: event failed", smartlock_id)

    return run
