"""The emulator's control topics: what a running ``nukiweb device emulate`` is asked to make its
locks do by themselves, over MQTT, outside the ``nuki`` root so that nothing reading the locks
mistakes them for the lock's own topics.

``<prefix>/nukiweb-emulator/<ID>/<control>`` (no prefix: ``nukiweb-emulator/<ID>/<control>``):

========================== ==================================== ==============================
control                    payload                              what the lock does
========================== ==================================== ==============================
button                     ``1`` (or empty) / ``2`` presses     lock 'n' go / nothing (event 90)
turn                       ``lock`` / ``unlock``                turned by hand: state, no event
door                       ``open`` / ``closed``                doorsensorState 3 / 2
keypad                     ``authId,codeId[,action]``           event ``A,0,auth,code,1``, runs A
fob                        ``authId[,presses]``                 event ``A,3,auth,0,presses``
auto-unlock                ``authId``                           event ``1,0,auth,0,1``, unlocks
battery                    percent ``0``-``100``                batteryChargeState, …Critical
charging                   ``true`` / ``false``                 batteryCharging
keypad-battery-critical    ``true`` / ``false``                 keypadBatteryCritical
doorsensor-battery-critical ``true`` / ``false``                doorsensorBatteryCritical
server-connected           ``true`` / ``false``                 serverConnected
fault                      ``motor_blocked``                    the next action blocks (254)
ring                       anything                             opener: ringactionTimestamp
========================== ==================================== ==============================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from nukiweb.domain.mqtt_api import parse_bool, parse_int
from nukiweb.emulator.hardware import ControlError, LockHardware, Publication

CONTROL_ROOT: Final = "nukiweb-emulator"
_FOB_FIELDS: Final = 2
_KEYPAD_FIELDS: Final = (2, 3)

_Control = Callable[[LockHardware, str, float], list[Publication]]


def control_root(lock_root: str) -> str:
    """The control topics' root beside the locks' ``<prefix>/nuki``."""
    prefix = lock_root.rpartition("/")[0]
    return f"{prefix}/{CONTROL_ROOT}" if prefix else CONTROL_ROOT


def control_topic(lock_root: str, nuki_id: int, control: str) -> str:
    return f"{control_root(lock_root)}/{nuki_id:08X}/{control}"


def apply_control(
    hardware: LockHardware, control: str, payload: str, now: float
) -> list[Publication]:
    """What ``control`` with ``payload`` makes the lock publish; ``ControlError`` when the lock
    does not take it."""
    handler = _CONTROLS.get(control)
    if handler is None:
        raise ControlError(f"no control {control!r}: one of {', '.join(sorted(_CONTROLS))}")
    return handler(hardware, payload.strip(), now)


def _button(hardware: LockHardware, payload: str, now: float) -> list[Publication]:
    presses = 1 if not payload else _number(payload, "presses")
    return hardware.press_button(presses, now)


def _turn(hardware: LockHardware, payload: str, _now: float) -> list[Publication]:
    words = {"lock": True, "locked": True, "unlock": False, "unlocked": False}
    if payload.lower() not in words:
        raise ControlError("turn takes lock or unlock")
    return hardware.turn_by_hand(locked=words[payload.lower()])


def _door(hardware: LockHardware, payload: str, _now: float) -> list[Publication]:
    words = {"open": True, "opened": True, "closed": False, "close": False}
    if payload.lower() not in words:
        raise ControlError("door takes open or closed")
    return hardware.set_door(is_open=words[payload.lower()])


def _keypad(hardware: LockHardware, payload: str, now: float) -> list[Publication]:
    fields = _numbers(payload, "authId,codeId[,action]")
    if len(fields) not in _KEYPAD_FIELDS:
        raise ControlError("keypad takes authId,codeId[,action]")
    if len(fields) == _KEYPAD_FIELDS[0]:
        return hardware.enter_code(fields[0], fields[1], now)
    return hardware.enter_code(fields[0], fields[1], now, action=fields[2])


def _fob(hardware: LockHardware, payload: str, now: float) -> list[Publication]:
    fields = _numbers(payload, "authId[,presses]")
    if not 1 <= len(fields) <= _FOB_FIELDS:
        raise ControlError("fob takes authId[,presses]")
    presses = fields[1] if len(fields) == _FOB_FIELDS else 1
    return hardware.use_fob(fields[0], presses, now)


def _auto_unlock(hardware: LockHardware, payload: str, now: float) -> list[Publication]:
    return hardware.auto_unlock(_number(payload, "authId"), now)


def _battery(hardware: LockHardware, payload: str, _now: float) -> list[Publication]:
    try:
        percent = float(payload)
    except ValueError:
        raise ControlError("battery takes a percentage") from None
    return hardware.set_battery(percent)


def _flag(setter: Callable[[LockHardware, bool], list[Publication]]) -> _Control:
    def control(hardware: LockHardware, payload: str, _now: float) -> list[Publication]:
        value = parse_bool(payload)
        if value is None:
            raise ControlError("takes true or false")
        return setter(hardware, value)

    return control


def _fault(hardware: LockHardware, payload: str, _now: float) -> list[Publication]:
    hardware.provoke_fault(payload)
    return []


def _ring(hardware: LockHardware, _payload: str, now: float) -> list[Publication]:
    return hardware.ring(now)


def _number(payload: str, what: str) -> int:
    value = parse_int(payload)
    if value is None or value < 0:
        raise ControlError(f"expected {what}, a whole number")
    return value


def _numbers(payload: str, what: str) -> list[int]:
    return [_number(part, what) for part in payload.split(",")]


_CONTROLS: Final[dict[str, _Control]] = {
    "button": _button,
    "turn": _turn,
    "door": _door,
    "keypad": _keypad,
    "fob": _fob,
    "auto-unlock": _auto_unlock,
    "battery": _battery,
    "charging": _flag(LockHardware.set_charging),
    "keypad-battery-critical": _flag(LockHardware.set_keypad_battery_critical),
    "doorsensor-battery-critical": _flag(LockHardware.set_doorsensor_battery_critical),
    "server-connected": _flag(LockHardware.set_server_connected),
    "fault": _fault,
    "ring": _ring,
}
