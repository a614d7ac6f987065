"""Simulated bridges: run commands on their devices the way the hardware would.

An action becomes a plan (``domain.lock_physics``): state changes at given delays and a log
entry once the outcome is known. The plan's events run one after the other on the scheduler,
each in its own transaction, through the same device reports a real bridge would make.

The timers live in the process that accepted the command, but the device lives in the store,
which several server processes may share (``serve --workers``). So the store says which chain
of timed changes the device is carrying out (``Hardware.motion``): a command that moves the
device writes a new one, in the transaction that reads the state it plans from, and every
timed change of a chain is a compare-and-set on it. A chain superseded by a command another
process took (a button press, a turn by hand) changes nothing more, however late its timers
fire: its log entry and auto lock are dropped, and its operation, if it still holds the
device, is released with an error instead of hanging. Superseded in this process, its timers
are cancelled at once.

The store also says which process carries the device's latest command and its operation
(``Hardware.carrier``, ``carried_operation``, ``carried_command``), and which process holds the
device's operation: when a server process dies, its timers die with it, and whichever instance
finds it gone finishes what it left (services/abandoned_work.py).

Everything else that follows from what a device does goes through the reports of
``bridges.reports``, which services implement.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

from sqlalchemy import Connection

from nukiweb.bridges.hub import DeviceCommand
from nukiweb.bridges.reports import DeviceReports
from nukiweb.bridges.scheduler import Scheduler, Timer, until_done
from nukiweb.clock import Clock
from nukiweb.domain.device_state import Hardware, from_document, to_document
from nukiweb.domain.device_words import failure_words
from nukiweb.domain.devices import (
    CompletionState,
    LockAction,
    LockState,
    LogTrigger,
    StateTrigger,
)
from nukiweb.domain.errors import NotFound
from nukiweb.domain.lock_physics import (
    ActionPlan,
    MechanicalState,
    StateChange,
    Timings,
    plan_action,
)
from nukiweb.domain.smartlocks import Device
from nukiweb.store import smartlocks as store
from nukiweb.store.database import Database
from nukiweb.store.faults import Backoff, StoreUnavailable

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


ChainEvent = Callable[["_Chain"], None]


@dataclass
class _Chain:
    """The pending events of one device, run one after the other. A chain that moves the device
    has the ``motion`` id the store holds while it is the device's current one; once
    ``superseded``, only the release of its operation still runs."""

    events: list[tuple[float, int, ChainEvent]]
    motion: str | None
    timer: Timer | None = None
    superseded: bool = field(default=False)
    # While the store cannot answer, the chain waits for it (its next event first).
    pause: Backoff = field(default_factory=Backoff)


class SimulatedBridges:
    """Every simulated bridge of this process, and the hardware behind them: their devices live
    in ``db``, their time is ``clock``'s, what they do is told to ``reports``; in the store,
    the process is the carrier named ``carrier`` (its server instance's name)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        carrier: str,
        reports: DeviceReports,
        scheduler: Scheduler,
        speed: SimulationSpeed,
    ) -> None:
        self._db = db
        self._clock = clock
        self.carrier = carrier
        self._reports = reports
        self._scheduler = scheduler
        self.speed = speed
        self._chains: dict[int, _Chain] = {}

    def send(self, command: DeviceCommand) -> None:
        try:
            self._send(command, after=None)
        except StoreUnavailable:
            # The operation was taken, but the device never got the command: it is released
            # once the store answers again, not held by this live instance for ever.
            if command.operation_id is not None:
                release = until_done(self._scheduler, partial(self._release_unsent, command))
                self._scheduler.call_later(0.0, release)
            raise

    def _release_unsent(self, command: DeviceCommand) -> bool:
        assert command.operation_id is not None
        try:
            self._reports.operation_not_sent(command.smartlock_id, command.operation_id)
        except StoreUnavailable:
            return False
        return True

    def _send(self, command: DeviceCommand, after: str | None) -> None:
        """Plans the command from the device's state and makes it the device's current one, in
        one transaction; ``after``: only if the device still carries out that chain (the auto
        lock of a chain)."""
        smartlock_id = command.smartlock_id
        with self._db.transaction() as conn:
            device = store.lock_device(conn, smartlock_id)
            if device is None:
                raise NotFound("smartlock", smartlock_id)
            hardware = from_document(device.mechanics)
            if after is not None and hardware.motion != after:
                return
            now = self._clock.now()
            plans = self._plans(
                hardware.mechanics_at(now), command, hardware.next_fault, self.speed.timings(device)
            )
            # A plan that moves the device replaces whatever it still had pending.
            moves = any(plan.steps for plan in plans)
            motion = uuid.uuid4().hex if moves else None
            self._record(conn, device, hardware, command, motion, now)
        if moves:
            self.cancel(smartlock_id)
        events = self._timeline(command, plans)
        auto_lock = self._auto_lock(device, plans)
        if auto_lock is not None:
            events.append(auto_lock)
        self._start(smartlock_id, _Chain(events, motion), replace_pending=moves)

    def _record(
        self,
        conn: Connection,
        device: Device,
        hardware: Hardware,
        command: DeviceCommand,
        motion: str | None,
        now: datetime,
    ) -> None:
        """What the store must know of a command this process now carries; a provoked fault is
        used up (and reported, as any change of the hardware is)."""
        recorded = replace(hardware, next_fault=None)
        if motion is not None or command.operation_id is not None:
            recorded = replace(
                recorded,
                motion=motion or hardware.motion,
                carrier=self.carrier,
                carried_operation=command.operation_id,
                carried_command=command.carried(),
            )
        if recorded == hardware:
            return
        mechanics = to_document(recorded)
        if hardware.next_fault is None:
            store.update_device(conn, device.smartlock_id, {"mechanics": mechanics})
            return
        store.update_device(conn, device.smartlock_id, {"mechanics": mechanics, "update_date": now})
        moved = replace(device, mechanics=mechanics, update_date=now)
        self._reports.status_changed(conn, moved, now)

    def sync_authorization(
        self, smartlock_id: int, authorization_id: str, operation_id: str
    ) -> None:
        """The device stores the change and confirms it one radio round trip later."""
        confirm = partial(self._reports.authorization_confirmed, authorization_id, operation_id)
        self._scheduler.call_later(0.0, until_done(self._scheduler, _logged(smartlock_id, confirm)))

    def cancel(self, smartlock_id: int) -> None:
        """The device's pending chain in this process is superseded: its timers stop, and the
        operation it carries is released now."""
        chain = self._chains.pop(smartlock_id, None)
        if chain is None:
            return
        chain.superseded = True
        if chain.timer is not None:
            chain.timer.cancel()
        finishing = [callback for _at, kind, callback in chain.events if kind == _FINISH]
        chain.events.clear()
        for callback in finishing:  # released now, or once the store answers again
            until_done(self._scheduler, _logged(smartlock_id, partial(callback, chain)))()

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
    ) -> tuple[float, int, ChainEvent] | None:
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
        return done + timeout, _STEP, partial(self._lock_again, command)

    def _lock_again(self, command: DeviceCommand, chain: _Chain) -> None:
        self._send(command, after=chain.motion)

    def _timeline(
        self, command: DeviceCommand, plans: list[ActionPlan]
    ) -> list[tuple[float, int, ChainEvent]]:
        events: list[tuple[float, int, int, ChainEvent]] = []
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
                failure = plan.log.error or failure_words(plan.log.completion)
                failed = plan.log.completion
            offset = outcome
        if command.operation_id is not None:
            finish = partial(self._finish, command, failure, failed)
            events.append((offset, _FINISH, len(events), finish))
        events.sort(key=lambda event: event[:3])
        return [(at, kind, callback) for at, kind, _index, callback in events]

    def _start(self, smartlock_id: int, chain: _Chain, *, replace_pending: bool) -> None:
        if replace_pending or smartlock_id not in self._chains:
            self._chains[smartlock_id] = chain
        self._next(smartlock_id, chain, 0.0)

    def _next(self, smartlock_id: int, chain: _Chain, now: float) -> None:
        if not chain.events:
            if self._chains.get(smartlock_id) is chain:
                del self._chains[smartlock_id]
            return
        at = chain.events[0][0]

        def run() -> None:
            # Everything due at this moment runs in one go: no request is served between a
            # device's simultaneous changes (with motor time 0, the whole action).
            while chain.events and chain.events[0][0] <= at:
                event = chain.events.pop(0)
                _at, kind, callback = event
                runs = kind == _FINISH or not chain.superseded
                if runs and not _logged(smartlock_id, partial(callback, chain))():
                    # The store cannot answer: this event and the rest wait, in order.
                    chain.events.insert(0, event)
                    chain.timer = self._scheduler.call_later(chain.pause.wait(), run)
                    return
            chain.pause.reset()
            self._next(smartlock_id, chain, at)

        chain.timer = self._scheduler.call_later(at - now, run)

    def _apply(self, smartlock_id: int, change: StateChange, chain: _Chain) -> None:
        """One timed change, if the device still carries out this chain; otherwise the chain
        has been superseded (by another process: this one's would have been cancelled)."""
        now = self._clock.now()
        applied = self._reports.hardware_changed(
            smartlock_id,
            lambda h: h.with_mechanics(change.apply(h.mechanics), now),
            when=lambda h: h.motion == chain.motion,
        )
        if applied is None:
            chain.superseded = True

    def _finish(
        self,
        command: DeviceCommand,
        failure: str | None,
        failed: CompletionState | None,
        chain: _Chain,
    ) -> None:
        assert command.operation_id is not None
        if chain.superseded:
            self._reports.operation_superseded(
                command.smartlock_id, command.operation_id, command.request
            )
            return
        self._reports.operation_finished(
            command.smartlock_id, command.operation_id, failure, failed, command.request
        )

    def _log(self, command: DeviceCommand, plan: ActionPlan, _chain: _Chain) -> None:
        self._reports.logged(
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


def _logged(smartlock_id: int, callback: Callable[[], object]) -> Callable[[], bool]:
    """``callback``, whose failure is logged: one failing report must not stop the device's
    other events. Whether it is done: not if the store could not answer (to be tried again)."""

    def run() -> bool:
        try:
            callback()
        except StoreUnavailable as error:
            reason = error.reason
            log.warning("simulated device %s: event waits for the store: %s", smartlock_id, reason)
            return False
        except Exception:
            log.exception("simulated device %s: event failed", smartlock_id)
        return True

    return run
