"""A device's simulated hardware as the store keeps it (a JSON document), and the
``Smartlock.State`` the API shows of it."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from nukiweb.domain.devices import DeviceType
from nukiweb.domain.lock_physics import Fault, MechanicalState

# Smartlock.State.lastAction lists 1..5 only: the opener's continuous-mode actions (6, 7) are
# shown as the spec allows, by the last ring-to-open action they imply.
_SHOWN_LAST_ACTION = {6: 1, 7: 2}


@dataclass(frozen=True, slots=True)
class Hardware:
    """The mechanics plus what the simulator keeps beside them."""

    mechanics: MechanicalState
    has_handle: bool = False  # doc §6.1: a door with a handle unlocks, one with a knob unlatches
    next_fault: Fault | None = None  # provoked through the simulator control API
    ring_to_open_end: datetime | None = None
    keypad_battery_critical: bool = False
    doorsensor_battery_critical: bool = False
    battery_charging: bool = False  # reported by locks on the MQTT broker; simulated ones don't
    # The simulated bridge's bookkeeping, for several server processes sharing the store: the
    # id of the chain of timed changes the device is carrying out (a chain whose id is no
    # longer this one was superseded and changes nothing), the process holding the timers of
    # the device's latest command, the operation that command carries, and what is needed to
    # log and report its outcome if that process dies first.
    motion: str | None = None
    carrier: str | None = None
    carried_operation: str | None = None
    carried_command: dict[str, Any] | None = None

    @classmethod
    def initial(cls, device_type: DeviceType) -> Hardware:
        return cls(MechanicalState.initial(device_type))

    def with_mechanics(self, mechanics: MechanicalState, now: datetime) -> Hardware:
        """The new mechanics; a ring-to-open timer becomes the time it ends."""
        end = self.ring_to_open_end
        if mechanics.ring_to_open_timer != self.mechanics.ring_to_open_timer:
            timer = mechanics.ring_to_open_timer
            end = now + timedelta(seconds=timer) if timer else None
        return replace(self, mechanics=mechanics, ring_to_open_end=end)

    def mechanics_at(self, now: datetime) -> MechanicalState:
        """The mechanics with ``ring_to_open_timer`` as the seconds of ring to open left at
        ``now`` (the stored timer is the one set when ring to open began), for a new plan."""
        end = self.ring_to_open_end
        if end is None or not self.mechanics.ring_to_open_timer:
            return self.mechanics
        left = max(0, math.ceil((end - now).total_seconds()))
        return replace(self.mechanics, ring_to_open_timer=left)


def to_document(hardware: Hardware) -> dict[str, Any]:
    document = asdict(hardware)
    document["mechanics"]["device_type"] = int(hardware.mechanics.device_type)
    end = hardware.ring_to_open_end
    document["ring_to_open_end"] = None if end is None else end.isoformat()
    return document


def from_document(document: dict[str, Any]) -> Hardware:
    values = dict(document)
    mechanics = dict(values.pop("mechanics"))
    mechanics["device_type"] = DeviceType(mechanics["device_type"])
    end = values.pop("ring_to_open_end", None)
    return Hardware(
        mechanics=MechanicalState(**mechanics),
        ring_to_open_end=None if end is None else datetime.fromisoformat(end),
        **values,
    )


def state_view(hardware: Hardware, operation_id: str | None, now: datetime) -> dict[str, Any]:
    """``Smartlock.State`` as the API answers it."""
    mechanics = hardware.mechanics
    end = hardware.ring_to_open_end
    remaining = max(0, int((end - now).total_seconds())) if end is not None else 0
    last_action = mechanics.last_action or 0
    view: dict[str, Any] = {
        "mode": int(mechanics.mode),
        "state": int(mechanics.state),
        "trigger": int(mechanics.trigger),
        "lastAction": _SHOWN_LAST_ACTION.get(last_action, last_action),
        "batteryCritical": mechanics.battery_critical,
        "batteryCharging": hardware.battery_charging,
        "batteryCharge": mechanics.reported_battery_charge,
        "keypadBatteryCritical": hardware.keypad_battery_critical,
        "doorsensorBatteryCritical": hardware.doorsensor_battery_critical,
        "doorState": int(mechanics.door_state),
        "ringToOpenTimer": remaining,
        "nightMode": mechanics.night_mode,
    }
    if end is not None and remaining > 0:
        view["ringToOpenEnd"] = end
    if operation_id is not None:
        view["operationId"] = operation_id
    return view
