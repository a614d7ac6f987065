"""Many emulated locks in one process: each its own MQTT client, connected in batches so that a
thousand locks do not all knock on the broker at once, and all stopped cleanly together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import secrets
import signal
from collections.abc import Sequence
from typing import Final

from nukiweb.bridges.broker import BrokerSettings
from nukiweb.clock import Clock, SystemClock
from nukiweb.domain.devices import DeviceType
from nukiweb.domain.lock_physics import Timings
from nukiweb.emulator.hardware import LockHardware
from nukiweb.emulator.profile import DEFAULT_FIRMWARE, LockProfile
from nukiweb.emulator.session import EmulatedLock

log = logging.getLogger(__name__)

CONNECT_BATCH: Final = 50
BATCH_DEADLINE_S: Final = 15.0  # a batch that takes longer (broker away) lets the next one go
STOP_DEADLINE_S: Final = 30.0
_SPARE_FILES: Final = 64  # beside one socket per lock: the interpreter's own, logs, the loop


def make_locks(
    count: int,
    *,
    device_type: DeviceType = DeviceType.SMARTLOCK3,
    first_nuki_id: int | None = None,
    name: str = "Emulated lock",
    firmware: str = DEFAULT_FIRMWARE,
    has_handle: bool = False,
    allow_locking: bool = True,
    timings: Timings | None = None,
    clock: Clock | None = None,
) -> list[EmulatedLock]:
    """``count`` locks alike, with consecutive nukiIds from ``first_nuki_id`` (random ones
    without); named ``name``, or ``name 1`` … ``name N`` when there are several."""
    clock = clock or SystemClock()
    if first_nuki_id is None:
        ids = _random_ids(count)
    else:
        ids = [first_nuki_id + offset for offset in range(count)]
    locks = []
    for number, nuki_id in enumerate(ids, start=1):
        profile = LockProfile(
            nuki_id=nuki_id,
            device_type=device_type,
            name=name if count == 1 else f"{name} {number}",
            firmware=firmware,
            has_handle=has_handle,
            allow_locking=allow_locking,
            timings=timings or Timings(),
        )
        locks.append(EmulatedLock(LockHardware(profile, clock)))
    return locks


def _random_ids(count: int) -> list[int]:
    ids: dict[int, None] = {}
    while len(ids) < count:
        ids[secrets.randbits(32) or 1] = None
    return list(ids)


async def run_locks(
    settings: BrokerSettings,
    locks: Sequence[EmulatedLock],
    *,
    stop: asyncio.Event | None = None,
    batch: int = CONNECT_BATCH,
) -> None:
    """Runs ``locks`` on the broker until ``stop`` is set (or the task is cancelled); then each
    publishes ``connected`` = ``false`` and disconnects."""
    raise_open_files_limit(len(locks) + _SPARE_FILES)
    tasks: list[asyncio.Task[None]] = []
    try:
        for start in range(0, len(locks), batch):
            group = locks[start : start + batch]
            tasks += [asyncio.create_task(lock.run(settings)) for lock in group]
            attempts = [asyncio.create_task(lock.attempted.wait()) for lock in group]
            _done, late = await asyncio.wait(attempts, timeout=BATCH_DEADLINE_S)
            for attempt in late:
                attempt.cancel()
        offline = sum(not lock.connected.is_set() for lock in locks)
        if offline:
            log.warning(
                "%d of %d locks could not connect to %s yet; they keep trying",
                offline,
                len(locks),
                settings.redacted(),
            )
        await (stop.wait() if stop is not None else asyncio.Future())
    finally:
        await _stop_all(locks, tasks)


async def run_until_signalled(settings: BrokerSettings, locks: Sequence[EmulatedLock]) -> None:
    """``run_locks`` until the process gets SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await run_locks(settings, locks, stop=stop)


async def _stop_all(locks: Sequence[EmulatedLock], tasks: list[asyncio.Task[None]]) -> None:
    for lock in locks:
        lock.stop()
    if not tasks:
        return
    _done, late = await asyncio.wait(tasks, timeout=STOP_DEADLINE_S)
    for task in late:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            error = await asyncio.gather(task, return_exceptions=True)
            if error and isinstance(error[0], Exception):
                log.warning("an emulated lock stopped with an error: %s", error[0])


def raise_open_files_limit(needed: int) -> None:
    """One socket per lock: the soft limit on open files goes up to the hard one if needed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        if raised < needed:
            log.warning("only %d files may be open: %d locks may not all connect", raised, needed)
