"""What an emulated lock is, as opposed to the state it is in: its id, type, name, firmware,
door and settings, and how fast its mechanics run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from nukiweb.domain.devices import DeviceType, smartlock_id
from nukiweb.domain.lock_physics import Timings

# The types that speak the MQTT API (the box has no lock state to publish, and the Smart Lock
# 1.0/2.0 no MQTT).
EMULATED_TYPES: Final = frozenset({DeviceType.OPENER, DeviceType.SMARTDOOR, DeviceType.SMARTLOCK3})
DEFAULT_FIRMWARE: Final = "4.2.1"


@dataclass(frozen=True, slots=True)
class LockProfile:
    """What a lock is, as opposed to what state it is in."""

    nuki_id: int
    device_type: DeviceType = DeviceType.SMARTLOCK3
    name: str = "Emulated lock"
    firmware: str = DEFAULT_FIRMWARE
    # A handle outside: ``unlock`` unlocks; with a knob it unlatches.
    has_handle: bool = False
    door_sensor: bool = True
    # "Allow locking" in the app: only then does the lock take commands over MQTT.
    allow_locking: bool = True
    timings: Timings = field(default_factory=Timings)

    def __post_init__(self) -> None:
        if DeviceType(self.device_type) not in EMULATED_TYPES:
            raise ValueError(f"device type {self.device_type} does not speak MQTT (2, 3 or 4)")
        smartlock_id(self.device_type, self.nuki_id)  # checks the id's range

    @property
    def smartlock_id(self) -> int:
        return smartlock_id(self.device_type, self.nuki_id)

    @property
    def is_opener(self) -> bool:
        return DeviceType(self.device_type) is DeviceType.OPENER


def scaled_timings(motor_time: float) -> Timings:
    """The lock's delays at the pace of ``motor_time`` (1.5 s is real time): the unlatch hold,
    lock 'n' go's wait and the opener's timers shrink or grow with it; 0 is instant."""
    if motor_time == 0:
        return Timings.instant()
    base = Timings()
    scale = motor_time / base.motor_time
    return Timings(
        motor_time=motor_time,
        unlatch_hold=base.unlatch_hold * scale,
        lng_timeout=base.lng_timeout * scale,
        rto_timeout=base.rto_timeout * scale,
        electric_strike_delay=base.electric_strike_delay * scale,
        electric_strike_duration=base.electric_strike_duration * scale,
    )
