"""Use cases of the Smartlock tag: an account's devices, their configuration, and actions.

Writes are asynchronous, as the vendor's are: an action is accepted (the router answers 204)
as soon as it is handed to the device's bridge; while it runs the device carries an
``operationId`` and further writes answer 423. A device whose bridge is offline keeps an
``error`` that says so instead of the action.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from nukiweb.bridges.hub import MQTT, SIMULATED, AdvancedRequest, DeviceCommand
from nukiweb.domain import device_defaults as defaults
from nukiweb.domain.device_state import Hardware, from_document, to_document
from nukiweb.domain.devices import (
    DeviceType,
    LogTrigger,
    ServerState,
    check_action,
    nuki_id_from_hex,
    smartlock_id,
    trigger_for_web_action,
)
from nukiweb.domain.errors import InvalidParameter, Locked, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.simple_actions import FirmwareVersion, simple_action
from nukiweb.domain.smartlocks import Bridge, Device
from nukiweb.domain.webhooks import Feature
from nukiweb.secrets import hash_password
from nukiweb.services import device_reports, events
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as account_store
from nukiweb.store import smartlocks as store

UNREACHABLE = "The device could not be reached: its bridge is offline."
NOT_CONFIGURABLE = (
    "The lock is connected over MQTT, whose API cannot change its configuration: change it in "
    "the Nuki app."
)
BUSY_CODE = "45"  # the BLE error an Advanced API webhook reports for a busy device
BRIDGE_FIRMWARE = "2.14.0"
# Nuki Web's own authorization on every device it manages (Smartlock.authId).
WEB_AUTH_ID = 1


def list_devices(
    ctx: ServiceContext,
    caller: Caller,
    auth_id: int | None = None,
    device_type: int | None = None,
) -> list[Device]:
    with ctx.db.read() as conn:
        devices = store.list_devices(conn, caller.owner_account_id)
    return [
        device
        for device in devices
        if (auth_id is None or device.auth_id == auth_id)
        and (device_type is None or device.type == device_type)
    ]


def get_device(ctx: ServiceContext, caller: Caller, smartlock_id: int) -> Device:
    with ctx.db.read() as conn:
        return store.owned_device(conn, caller.owner_account_id, smartlock_id)


def device_revisions(
    ctx: ServiceContext,
    caller: Caller,
    auth_id: int | None = None,
    device_type: int | None = None,
) -> list[tuple[int, int]]:
    """``(smartlock_id, revision)`` of the devices ``list_devices`` would answer, in the same
    order: what a reader that keeps devices' views per revision needs to know first."""
    with ctx.db.read() as conn:
        rows = store.device_revisions(conn, caller.owner_account_id)
    return _listed_revisions(rows, auth_id, device_type)


async def device_revisions_async(
    ctx: ServiceContext,
    caller: Caller,
    auth_id: int | None = None,
    device_type: int | None = None,
) -> list[tuple[int, int]]:
    """``device_revisions``, awaiting PostgreSQL's answer where the store has asynchronous
    readers (the event loop serves other requests meanwhile); the same read elsewhere."""
    readers = ctx.db.async_readers
    if readers is None:
        return device_revisions(ctx, caller, auth_id, device_type)
    rows = await store.device_revisions_async(readers, caller.owner_account_id)
    return _listed_revisions(rows, auth_id, device_type)


def _listed_revisions(
    rows: list[tuple[int, int, int, int]], auth_id: int | None, device_type: int | None
) -> list[tuple[int, int]]:
    return [
        (smartlock_id, revision)
        for smartlock_id, revision, kind, device_auth_id in rows
        if (auth_id is None or device_auth_id == auth_id)
        and (device_type is None or kind == device_type)
    ]


def device_revision(ctx: ServiceContext, caller: Caller, smartlock_id: int) -> int:
    """The revision of the caller's device; ``NotFound`` as for ``get_device``."""
    with ctx.db.read() as conn:
        revision = store.device_revision(conn, caller.owner_account_id, smartlock_id)
    return _found_revision(revision, smartlock_id)


async def device_revision_async(ctx: ServiceContext, caller: Caller, smartlock_id: int) -> int:
    """``device_revision``, awaited as ``device_revisions_async`` is."""
    readers = ctx.db.async_readers
    if readers is None:
        return device_revision(ctx, caller, smartlock_id)
    revision = await store.device_revision_async(readers, caller.owner_account_id, smartlock_id)
    return _found_revision(revision, smartlock_id)


def _found_revision(revision: int | None, smartlock_id: int) -> int:
    if revision is None:
        raise NotFound("smartlock", smartlock_id)
    return revision


def revised_devices(
    ctx: ServiceContext, caller: Caller, smartlock_ids: list[int]
) -> list[tuple[int, Device]]:
    """The caller's devices among ``smartlock_ids``, each with the revision it was read at;
    one deleted meanwhile is left out."""
    with ctx.db.read() as conn:
        return store.revised_devices(conn, caller.owner_account_id, smartlock_ids)


def add_device(
    ctx: ServiceContext,
    account_id: int,
    device_type: int,
    name: str,
    nuki_id_hex: str | None = None,
    firmware_version: str | None = None,
    has_handle: bool = False,
    hardware_version: int | None = None,
) -> Device:
    """A new device on the account's simulated bridge (made on first use); the nukiId is
    random unless given."""
    nuki_id = nuki_id_from_hex(nuki_id_hex) if nuki_id_hex else secrets.randbits(32)
    with ctx.db.transaction() as conn:
        bridge = _simulated_bridge(ctx, conn, account_id)
        device = insert_device(
            ctx,
            conn,
            bridge,
            DeviceType(device_type),
            name,
            nuki_id,
            firmware_version=firmware_version,
            has_handle=has_handle,
            hardware_version=hardware_version,
        )
        _emit(ctx, conn, device, Feature.DEVICE_MASTERDATA)
    return device


def insert_device(
    ctx: ServiceContext,
    conn: Connection,
    bridge: Bridge,
    kind: DeviceType,
    name: str,
    nuki_id: int,
    *,
    firmware_version: str | None = None,
    has_handle: bool = False,
    hardware_version: int | None = None,
) -> Device:
    """A new device behind ``bridge``, as it comes out of setup, in the caller's transaction;
    409 if its smartlockId is taken."""
    firmware = FirmwareVersion.parse(firmware_version or defaults.default_firmware(kind))
    now = ctx.clock.now()
    hardware = Hardware.initial(kind)
    if has_handle:
        hardware = Hardware(hardware.mechanics, has_handle=True)
    new_id = smartlock_id(kind, nuki_id)
    store.insert_device(
        conn,
        {
            "smartlock_id": new_id,
            "account_id": bridge.account_id,
            "bridge_id": bridge.bridge_id,
            "type": int(kind),
            "name": name,
            "favorite": False,
            "auth_id": WEB_AUTH_ID,
            "firmware_version": firmware.to_int(),
            "hardware_version": (
                defaults.default_hardware_version(kind)
                if hardware_version is None
                else hardware_version
            ),
            "server_state": ServerState.OK if bridge.online else ServerState.OFFLINE,
            "admin_pin_state": 0,
            "config": defaults.default_config(kind, name),
            "advanced_config": defaults.default_advanced_config(kind),
            "opener_advanced_config": defaults.default_opener_advanced_config(kind),
            "smartdoor_advanced_config": defaults.default_smartdoor_advanced_config(kind),
            "web_config": defaults.default_web_config(),
            "mechanics": to_document(hardware),
            "creation_date": now,
            "update_date": now,
        },
    )
    device = store.get_device_by_id(conn, new_id)
    assert device is not None
    return device


def create_device(
    ctx: ServiceContext,
    caller: Caller,
    device_type: int,
    name: str,
    nuki_id_hex: str | None,
    *,
    firmware_version: str | None = None,
    hardware_version: int | None = None,
) -> Device:
    """``PUT /smartlock``: the device joins the caller's (or its master's) account."""
    return add_device(
        ctx,
        caller.owner_account_id,
        device_type,
        _name(name),
        nuki_id_hex,
        firmware_version=firmware_version,
        hardware_version=hardware_version,
    )


def update_device(
    ctx: ServiceContext, caller: Caller, smartlock_id: int, changes: Mapping[str, Any]
) -> None:
    values: dict[str, Any] = {}
    if changes.get("name") is not None:
        values["name"] = _name(changes["name"])
    if changes.get("favorite") is not None:
        values["favorite"] = bool(changes["favorite"])
    with ctx.db.transaction() as conn:
        _writable(conn, caller, smartlock_id)
        if values:
            store.update_device(conn, smartlock_id, values | {"update_date": ctx.clock.now()})
            _emit_current(ctx, conn, smartlock_id, Feature.DEVICE_MASTERDATA)


def delete_device(ctx: ServiceContext, caller: Caller, smartlock_id: int) -> None:
    with ctx.db.transaction() as conn:
        device = _writable(conn, caller, smartlock_id)
        store.delete_device(conn, smartlock_id)
        bridge = store.get_bridge(conn, device.bridge_id)
        if bridge is not None and bridge.kind == MQTT:  # the lock was its own bridge
            store.delete_bridge(conn, bridge.bridge_id)
        payload = events.masterdata(device, ctx.clock.now(), deleted=True)
        events.emit(ctx, conn, device.account_id, Feature.DEVICE_MASTERDATA, payload, smartlock_id)
    if ctx.simulation is not None:
        ctx.simulation.bridges.cancel(smartlock_id)


def operate(
    ctx: ServiceContext,
    caller: Caller,
    smartlock_id: int,
    action: int,
    option: int,
    request: AdvancedRequest | None = None,
) -> None:
    """``POST /smartlock/{id}/action`` (and its Advanced API twin, with ``request``)."""
    with ctx.db.read() as conn:
        device = store.owned_device(conn, caller.owner_account_id, smartlock_id)
    check_action(device.type, action, option)
    _send(ctx, caller, device, (action,), option, request)


def lock_or_unlock(
    ctx: ServiceContext,
    caller: Caller,
    smartlock_id: int,
    kind: str,
    request: AdvancedRequest | None = None,
) -> None:
    """``/action/lock`` and ``/action/unlock`` (doc §6.1): the action that means locking or
    unlocking for this device; 405 where the device or its firmware cannot."""
    with ctx.db.read() as conn:
        device = store.owned_device(conn, caller.owner_account_id, smartlock_id)
        bridge = store.get_bridge(conn, device.bridge_id)
    assert bridge is not None
    hardware = from_document(device.mechanics)
    actions = simple_action(
        device.type,
        "lock" if kind == "lock" else "unlock",
        has_handle=hardware.has_handle,
        firmware_version=str(FirmwareVersion.from_int(device.firmware_version)),
        # A lock on the MQTT broker reaches it itself (Wi-Fi or Thread), with no bridge.
        bridge_firmware_version=None if bridge.kind == MQTT else bridge.firmware_version,
    )
    _send(ctx, caller, device, actions, 0, request, simple="lock" if kind == "lock" else "unlock")


def sync(ctx: ServiceContext, caller: Caller, smartlock_id: int) -> None:
    """``POST /smartlock/{id}/sync``: asks the device for its state; offline, it says so."""
    with ctx.db.transaction() as conn:
        device = _writable(conn, caller, smartlock_id)
        bridge = store.get_bridge(conn, device.bridge_id)
        assert bridge is not None
        error = None if ctx.hub.connection(bridge) is not None else UNREACHABLE
        store.update_device(conn, smartlock_id, {"error": error})


def _send(
    ctx: ServiceContext,
    caller: Caller,
    device: Device,
    actions: tuple[int, ...],
    option: int,
    request: AdvancedRequest | None = None,
    simple: str | None = None,
) -> None:
    """Hands the actions to the device's bridge. Busy → 423, unreachable → the device's
    ``error``; for an Advanced API request both are its webhook's error code instead."""
    operation_id = str(uuid.uuid4())
    with ctx.db.transaction() as conn:
        if not store.claim_operation(conn, device.smartlock_id, operation_id, ctx.instance):
            if request is None:
                raise Locked(
                    f"The smartlock '{device.smartlock_id}' is busy with another operation."
                )
            device_reports.report_action(ctx, conn, request, device.smartlock_id, BUSY_CODE)
            return
        bridge = store.get_bridge(conn, device.bridge_id)
        assert bridge is not None
        connection = ctx.hub.connection(bridge)
        if connection is None:
            store.update_device(conn, device.smartlock_id, {"error": UNREACHABLE})
            store.release_operation(conn, device.smartlock_id, operation_id)
            if request is not None:
                device_reports.report_action(
                    ctx, conn, request, device.smartlock_id, device_reports.UNREACHABLE_CODE
                )
            return
        account = account_store.get_account(conn, caller.account_id)
    command = DeviceCommand(
        smartlock_id=device.smartlock_id,
        actions=actions,
        option=option,
        state_trigger=trigger_for_web_action(device.type),
        log_trigger=LogTrigger.WEB,
        actor=account.name if account is not None else "Nuki Web",
        operation_id=operation_id,
        request=request,
        simple=simple,
    )
    connection.send(command)


def update_config_block(
    ctx: ServiceContext,
    caller: Caller,
    smartlock_id: int,
    block: str,
    update: Mapping[str, Any],
) -> None:
    """Changes the fields sent of one configuration block (``config``, ``advanced_config``,
    ``opener_advanced_config``, ``smartdoor_advanced_config``, ``web_config``); a block the
    device type does not have is a bad parameter."""
    with ctx.db.transaction() as conn:
        device = _writable(conn, caller, smartlock_id)
        current = getattr(device, block)
        if current is None:
            raise InvalidParameter(
                "smartlockId", smartlock_id, f"A device of type {int(device.type)} has no {block}."
            )
        # The web config is Nuki Web's own (battery e-mails): it does not go to the device.
        if block != "web_config" and _unreachable(ctx, conn, device):
            return
        merged = defaults.merge_update(current, dict(update))
        values: dict[str, Any] = {block: merged, "update_date": ctx.clock.now()}
        if block == "config" and update.get("name"):
            values["name"] = _name(update["name"])
        store.update_device(conn, smartlock_id, values)
        _emit_current(ctx, conn, smartlock_id, Feature.DEVICE_CONFIG)


def bulk_web_config(
    ctx: ServiceContext, caller: Caller, requests: Sequence[tuple[int, Mapping[str, Any]]]
) -> None:
    """``POST /bulk-web-config``: all or nothing."""
    with ctx.db.transaction() as conn:
        for smartlock_id, update in requests:
            device = _writable(conn, caller, smartlock_id)
            merged = defaults.merge_update(device.web_config, dict(update))
            store.update_device(conn, smartlock_id, {"web_config": merged})


def set_admin_pin(ctx: ServiceContext, caller: Caller, smartlock_id: int, pin: int) -> None:
    if not 0 <= pin <= 9999:  # noqa: PLR2004 - SmartlockAdminPinUpdate.adminPin
        raise InvalidParameter("adminPin", "****")
    with ctx.db.transaction() as conn:
        device = _writable(conn, caller, smartlock_id)
        if _unreachable(ctx, conn, device):
            return
        store.update_device(
            conn,
            smartlock_id,
            {"admin_pin_hash": hash_password(f"{pin:04d}"), "admin_pin_state": 0},
        )


def _unreachable(ctx: ServiceContext, conn: Connection, device: Device) -> bool:
    """Whether the device's bridge is offline; if so the device keeps an error that says so,
    and the change it was sent is not applied (as on the vendor's service). A lock on the MQTT
    broker cannot be configured at all: 400, naming the limitation."""
    bridge = store.get_bridge(conn, device.bridge_id)
    assert bridge is not None
    if bridge.kind == MQTT:
        raise InvalidParameter("smartlockId", device.smartlock_id, NOT_CONFIGURABLE)
    reachable = ctx.hub.connection(bridge) is not None
    store.update_device(conn, device.smartlock_id, {"error": None if reachable else UNREACHABLE})
    return not reachable


def _simulated_bridge(ctx: ServiceContext, conn: Connection, account_id: int) -> Bridge:
    for bridge in store.list_bridges(conn, account_id):
        if bridge.kind == SIMULATED:
            return bridge
    return store.insert_bridge(
        conn,
        {
            "account_id": account_id,
            "name": "Simulated bridge",
            "kind": SIMULATED,
            "online": True,
            "firmware_version": BRIDGE_FIRMWARE,
            "creation_date": ctx.clock.now(),
        },
    )


def _emit(ctx: ServiceContext, conn: Connection, device: Device, feature: Feature) -> None:
    now = ctx.clock.now()
    payload = (
        events.device_config(device, now)
        if feature is Feature.DEVICE_CONFIG
        else events.masterdata(device, now)
    )
    events.emit(ctx, conn, device.account_id, feature, payload, device.smartlock_id)


def _emit_current(
    ctx: ServiceContext, conn: Connection, smartlock_id: int, feature: Feature
) -> None:
    device = store.get_device_by_id(conn, smartlock_id)
    if device is not None:
        _emit(ctx, conn, device, feature)


def _writable(conn: Connection, caller: Caller, smartlock_id: int) -> Device:
    """The device, unless an operation is in flight on it (423)."""
    device = store.owned_device(conn, caller.owner_account_id, smartlock_id)
    if device.operation_id is not None:
        raise Locked(f"The smartlock '{smartlock_id}' is busy with another operation.")
    return device


def _name(name: str) -> str:
    name = str(name).strip()
    if not name or len(name) > 32:  # noqa: PLR2004 - the length Nuki Web accepts
        raise InvalidParameter("name", name)
    return name
