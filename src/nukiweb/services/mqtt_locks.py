"""Locks on the MQTT broker: claiming one for an account, and what their reports do to the store
(``BrokerLockReports``, the ``LockReports`` that bridges/mqtt.py defines).

A lock seen on the broker belongs to no one until an operator claims it; its retained values
are kept meanwhile, so that it shows its state from the moment it is claimed. A claimed lock is
its own bridge (kind ``mqtt``), online while its ``connected`` topic says ``true``.

A command's operation is held by ``BROKER`` rather than by the instance that published it: the
lock's answer may reach any instance, and the operation ends wherever it lands — or at its
deadline, a durable job, if none comes. The lock's ``lockActionEvent`` for a command of ours
(trigger 172) and its ``commandResponse`` may reach two instances in either order; the log
entry is written once, at the answer, with the event's action if it came first, and an event
coming after its answer is taken as that command's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from nukiweb.bridges.hub import BROKER, MQTT, AdvancedRequest, DeviceCommand
from nukiweb.domain import mqtt_api
from nukiweb.domain.device_state import Hardware, from_document, to_document
from nukiweb.domain.devices import (
    CompletionState,
    DeviceType,
    LogSource,
    LogTrigger,
    ServerState,
    nuki_id_from_hex,
)
from nukiweb.domain.errors import Conflict, InvalidParameter
from nukiweb.domain.mqtt_api import LockActionEvent, Topic, parse_bool, parse_int
from nukiweb.domain.simple_actions import FirmwareVersion
from nukiweb.domain.smartlocks import Device
from nukiweb.domain.webhooks import Feature
from nukiweb.services import device_reports, events, smartlocks
from nukiweb.services.context import ServiceContext
from nukiweb.store import authorizations as auth_store
from nukiweb.store import broker_locks as broker_store
from nukiweb.store import jobs
from nukiweb.store import smartlocks as store
from nukiweb.store.broker_locks import BrokerLock

JOB = "mqtt-command"  # the deadline of a command's answer: "<smartlockId> <operationId>"
MQTT_TYPES = frozenset({DeviceType.SMARTDOOR, DeviceType.SMARTLOCK3})
UNANSWERED = "The lock did not answer the command in time (it may be offline or busy)."
BRIDGE_NAME = "MQTT"
BRIDGE_FIRMWARE = "0.0.0"  # no bridge: the lock reaches the broker itself


def claim(
    ctx: ServiceContext, account_id: int, device_type: int, nuki_id_hex: str, name: str | None
) -> Device:
    """The lock with this nukiId joins the account, with the state the broker has of it (if
    it has been seen). 409 if it belongs to an account already."""
    kind = DeviceType(device_type)
    if kind not in MQTT_TYPES:
        raise InvalidParameter(
            "type", device_type, "Only Smart Lock 3.0 Pro and 4th generation locks (type 4) "
            "and Smart Doors (type 3) speak the MQTT API.",
        )  # fmt: skip
    nuki_id = nuki_id_from_hex(nuki_id_hex)
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        seen = broker_store.record(conn, nuki_id, {}, None, now)
        if seen.smartlock_id is not None:
            raise Conflict(f"The lock {nuki_id:08X} belongs to an account already.")
        if seen.device_type is not None and seen.device_type != kind:
            raise InvalidParameter(
                "type", device_type, f"The lock says it is of type {seen.device_type}."
            )
        values = seen.topic_values
        connected = parse_bool(values.get(Topic.CONNECTED, "false")) or False
        bridge = store.insert_bridge(
            conn,
            {
                "account_id": account_id,
                "name": BRIDGE_NAME,
                "kind": MQTT,
                "online": connected,
                "firmware_version": BRIDGE_FIRMWARE,
                "creation_date": now,
            },
        )
        shown_name = (name or values.get(Topic.NAME) or "Smart Lock").strip()[:32]
        device = smartlocks.insert_device(
            ctx, conn, bridge, kind, shown_name, nuki_id,
            firmware_version=_firmware(values.get(Topic.FIRMWARE)),
        )  # fmt: skip
        broker_store.claim(conn, nuki_id, device.smartlock_id)
        hardware = mqtt_api.with_reported_values(from_document(device.mechanics), values)
        store.update_device(conn, device.smartlock_id, {"mechanics": to_document(hardware)})
        claimed = store.get_device_by_id(conn, device.smartlock_id)
        assert claimed is not None
        events.emit(
            ctx, conn, account_id, Feature.DEVICE_MASTERDATA, events.masterdata(claimed, now),
            claimed.smartlock_id,
        )  # fmt: skip
    return claimed


def unclaimed(ctx: ServiceContext) -> list[BrokerLock]:
    """The locks seen on the broker that no account has claimed."""
    with ctx.db.read() as conn:
        return broker_store.unclaimed(conn)


def _firmware(reported: str | None) -> str | None:
    """The lock's firmware if it reads as one (``3.2.0``), else the type's default."""
    if reported is None:
        return None
    try:
        return str(FirmwareVersion.parse(reported))
    except InvalidParameter:
        return None


class BrokerLockReports:
    """What the locks on the broker report, written to the store (each in a transaction)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def values_reported(self, nuki_id: int, values: Mapping[str, str]) -> None:
        ctx = self._ctx
        now = ctx.clock.now()
        device_type = parse_int(values[Topic.DEVICE_TYPE]) if Topic.DEVICE_TYPE in values else None
        with ctx.db.transaction() as conn:
            lock = broker_store.record(conn, nuki_id, values, device_type, now)
            device = _claimed_device(conn, lock)
            if device is not None:
                _apply_values(ctx, conn, device, values, now)

    def action_reported(self, nuki_id: int, event: LockActionEvent) -> None:
        ctx = self._ctx
        with ctx.db.transaction() as conn:
            device = _claimed_device(conn, broker_store.get(conn, nuki_id))
            if device is None:
                return  # a lock no account has claimed: nobody's log
            hardware = from_document(device.mechanics)
            # Smartlock.State's lastAction and trigger have fewer codes than the events.
            shown = event.shown_action
            mechanics = replace(
                hardware.mechanics,
                last_action=hardware.mechanics.last_action if shown is None else shown,
                trigger=event.trigger if event.trigger <= LogTrigger.AUTO_LOCK else 0,
            )
            carried = _ours(hardware)
            if event.trigger == LogTrigger.MQTT and carried is not None:
                # Our command's event: logged with its answer (now, if that came first).
                carried = carried | {"event_seen": True, "action": event.action}
                if carried["answered"]:
                    carried = None
                updated = replace(hardware, mechanics=mechanics, carried_command=carried)
                store.update_device(conn, device.smartlock_id, {"mechanics": to_document(updated)})
                return
            store.update_device(
                conn,
                device.smartlock_id,
                {"mechanics": to_document(replace(hardware, mechanics=mechanics))},
            )
            name, auth_id = _actor(ctx, conn, device, event)
            device_reports.write_log(
                ctx, conn, device, name=name, action=event.action, trigger=event.trigger,
                state=int(CompletionState.SUCCESS), source=_source(event), auth_id=auth_id,
                auto_unlock=event.auto_unlock,
            )  # fmt: skip

    def command_answered(self, nuki_id: int, code: int) -> None:
        ctx = self._ctx
        with ctx.db.transaction() as conn:
            device = _claimed_device(conn, broker_store.get(conn, nuki_id))
            if device is None:
                return
            hardware = from_document(device.mechanics)
            carried = _ours(hardware)
            operation = device.operation_id
            if carried is None or carried["answered"] or operation != hardware.carried_operation:
                return  # the answer to a command another MQTT client sent
            if code == mqtt_api.SUCCESS:
                error, completion, error_code = None, CompletionState.SUCCESS, None
            else:
                error, completion, error_code = mqtt_api.command_failure(code)
            _log_command(ctx, conn, device, carried, completion, error)
            # A success's event may still be on its way (through another instance): it is
            # this command's, not another to log.
            waiting = code == mqtt_api.SUCCESS and not carried["event_seen"]
            rest = replace(
                hardware,
                carrier=None,
                carried_operation=None,
                carried_command=carried | {"answered": True} if waiting else None,
            )
            values: dict[str, Any] = {"mechanics": to_document(rest)}
            if error is not None:
                values["error"] = error
            store.update_device(conn, device.smartlock_id, values)
            _end(ctx, conn, device, operation, carried, error_code)

    def command_sending(self, command: DeviceCommand, timeout: float) -> None:
        assert command.operation_id is not None
        ctx = self._ctx
        with ctx.db.transaction() as conn:
            device = store.lock_device(conn, command.smartlock_id)
            if device is None or device.operation_id != command.operation_id:
                return
            hardware = replace(
                from_document(device.mechanics),
                carrier=BROKER,
                carried_operation=command.operation_id,
                carried_command=_carried(command),
            )
            store.update_device(
                conn,
                command.smartlock_id,
                {"mechanics": to_document(hardware), "operation_holder": BROKER},
            )
            due = ctx.clock.now() + timedelta(seconds=timeout)
            jobs.schedule(conn, JOB, f"{command.smartlock_id} {command.operation_id}", due)

    def command_failed(self, command: DeviceCommand, error: str) -> None:
        assert command.operation_id is not None
        with self._ctx.db.transaction() as conn:
            device = store.lock_device(conn, command.smartlock_id)
            if device is None or device.operation_id != command.operation_id:
                return
            hardware = from_document(device.mechanics)
            _forget(conn, device, hardware)
            store.update_device(conn, device.smartlock_id, {"error": error})
            _end(
                self._ctx, conn, device, command.operation_id, _carried(command),
                device_reports.UNREACHABLE_CODE,
            )  # fmt: skip

    def authorization_refused(self, authorization_id: str, operation_id: str, error: str) -> None:
        with self._ctx.db.transaction() as conn:
            auth_store.fail_change(conn, authorization_id, operation_id, error)


def end_unanswered(ctx: ServiceContext, subject: str) -> None:
    """The job at a command's deadline: if the lock has not answered, the operation fails (the
    command's log entry, if the lock began it, is incomplete)."""
    smartlock_id, operation_id = subject.split(" ", 1)
    with ctx.db.transaction() as conn:
        device = store.lock_device(conn, int(smartlock_id))
        if device is None or device.operation_id != operation_id:
            return
        hardware = from_document(device.mechanics)
        carried = _ours(hardware)
        if carried is not None and carried["event_seen"]:
            _log_command(ctx, conn, device, carried, CompletionState.INCOMPLETE, UNANSWERED)
        _forget(conn, device, hardware)
        store.update_device(conn, device.smartlock_id, {"error": UNANSWERED})
        _end(ctx, conn, device, operation_id, carried, device_reports.UNREACHABLE_CODE)


async def run_job(ctx: ServiceContext, subject: str) -> None:
    end_unanswered(ctx, subject)


# --- helpers -------------------------------------------------------------------------------


def _claimed_device(conn: Connection, lock: BrokerLock | None) -> Device | None:
    """The device that claimed the lock, its row locked for the report's changes."""
    if lock is None or lock.smartlock_id is None:
        return None
    return store.lock_device(conn, lock.smartlock_id)


def _apply_values(
    ctx: ServiceContext, conn: Connection, device: Device, values: Mapping[str, str], now: datetime
) -> None:
    """The reported values on the claimed device; a ``DEVICE_STATUS`` event if they changed
    what it shows."""
    hardware = from_document(device.mechanics)
    reported = mqtt_api.with_reported_values(hardware, values)
    changes: dict[str, Any] = {}
    if reported != hardware:
        changes["mechanics"] = to_document(reported)
    name = values.get(Topic.NAME, "").strip()[:32]
    if name and name != device.name:
        changes["name"] = name
        changes["config"] = device.config | {"name": name}
    firmware = _firmware(values.get(Topic.FIRMWARE))
    if firmware is not None and FirmwareVersion.parse(firmware).to_int() != device.firmware_version:
        changes["firmware_version"] = FirmwareVersion.parse(firmware).to_int()
    connected = parse_bool(values[Topic.CONNECTED]) if Topic.CONNECTED in values else None
    if connected is not None:
        state = ServerState.OK if connected else ServerState.OFFLINE
        if device.server_state != state:
            store.set_bridge_online(conn, device.bridge_id, connected)
            changes["server_state"] = int(state)
    if not changes:
        return
    changes["update_date"] = now
    store.update_device(conn, device.smartlock_id, changes)
    shown = store.get_device_by_id(conn, device.smartlock_id)
    assert shown is not None
    events.emit(
        ctx, conn, device.account_id, Feature.DEVICE_STATUS, events.device_status(shown, now),
        device.smartlock_id,
    )  # fmt: skip


def _carried(command: DeviceCommand) -> dict[str, Any]:
    """The command as the store keeps it, logged with the lock's trigger for it (172), and
    whether its event and its answer have come (they may come in either order)."""
    return command.carried() | {
        "trigger": int(LogTrigger.MQTT),
        "event_seen": False,
        "answered": False,
    }


def _ours(hardware: Hardware) -> dict[str, Any] | None:
    """The command of ours the lock carries (or answered, its event still to come)."""
    if hardware.carrier != BROKER and not (hardware.carried_command or {}).get("answered"):
        return None
    return hardware.carried_command


def _forget(conn: Connection, device: Device, hardware: Hardware) -> None:
    rest = replace(hardware, carrier=None, carried_operation=None, carried_command=None)
    store.update_device(conn, device.smartlock_id, {"mechanics": to_document(rest)})


def _end(
    ctx: ServiceContext,
    conn: Connection,
    device: Device,
    operation_id: str | None,
    carried: dict[str, Any] | None,
    error_code: str | None,
) -> None:
    """The operation is released; an Advanced API request hears how it ended."""
    if operation_id is None:
        return
    store.release_operation(conn, device.smartlock_id, operation_id)
    jobs.cancel(conn, JOB, f"{device.smartlock_id} {operation_id}")
    request = None if carried is None else carried.get("request")
    if request is not None:
        device_reports.report_action(
            ctx, conn, AdvancedRequest(**request), device.smartlock_id, error_code
        )


def _log_command(
    ctx: ServiceContext,
    conn: Connection,
    device: Device,
    carried: dict[str, Any],
    completion: CompletionState,
    error: str | None,
) -> None:
    device_reports.write_log(
        ctx, conn, device, name=carried["name"], action=carried["action"],
        trigger=carried["trigger"], state=int(completion), source=carried["source"],
        error=error, auth_id=carried["auth_id"], account_user_id=carried["account_user_id"],
    )  # fmt: skip


def _actor(
    ctx: ServiceContext, conn: Connection, device: Device, event: LockActionEvent
) -> tuple[str, str | None]:
    """Who acted, by the lock's authorization ids: the authorization's name and id, or a name
    for what acted without one."""
    for slot in (event.auth_id, event.code_id):
        if slot <= 0:
            continue
        for auth in auth_store.list_authorizations(
            conn, ctx.secrets, device.account_id, device.smartlock_id
        ):
            if auth.auth_id == slot:
                return auth.name, auth.id
    return _ANONYMOUS.get(event.trigger, device.name), None


_ANONYMOUS: dict[int, str] = {
    LogTrigger.BUTTON: "Button",
    LogTrigger.AUTO_LOCK: "Auto lock",
    LogTrigger.HOMEKIT_MATTER: "HomeKit / Matter",
    LogTrigger.MQTT: "MQTT",
}


def _source(event: LockActionEvent) -> int:
    """A keypad code (or fingerprint) identified the person when ``codeId`` is set."""
    if event.code_id <= 0:
        return int(LogSource.DEFAULT)
    return int(LogSource.FINGERPRINT if event.context == 2 else LogSource.KEYPAD_CODE)  # noqa: PLR2004
