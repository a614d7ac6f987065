"""Nuki locks that speak the MQTT API over a real broker (``nukiweb device emulate``): what a
lock is (``profile``), its behaviour without I/O (``hardware``), its MQTT session
(``session``), the control topics that provoke what people do at the door (``controls``), and
many locks in one process (``runner``)."""

from nukiweb.emulator.hardware import LockHardware, Publication
from nukiweb.emulator.profile import LockProfile, scaled_timings
from nukiweb.emulator.runner import make_locks, run_locks, run_until_signalled
from nukiweb.emulator.session import EmulatedLock

__all__ = [
    "EmulatedLock",
    "LockHardware",
    "LockProfile",
    "Publication",
    "make_locks",
    "run_locks",
    "run_until_signalled",
    "scaled_timings",
]
