"""Devices and log entries as the API shows them (``Smartlock``, ``SmartlockLog``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nukiweb.api.models.common import format_datetime
from nukiweb.api.models.smartlock import SmartlockLog
from nukiweb.domain.device_state import from_document, state_view
from nukiweb.domain.devices import DeviceType
from nukiweb.domain.smartlocks import Device, LogEntry


def smartlock(device: Device, now: datetime) -> dict[str, Any]:
    """The device as the spec's ``Smartlock``, ready to serialise. Built from the stored
    documents without a model in between: ``GET /smartlock`` is a hot read, and the tests
    validate every answer against the vendor's schema."""
    state = state_view(from_document(device.mechanics), device.operation_id, now)
    if "ringToOpenEnd" in state:
        state["ringToOpenEnd"] = format_datetime(state["ringToOpenEnd"])
    document: dict[str, Any] = {
        "smartlockId": device.smartlock_id,
        "accountId": device.account_id,
        "type": int(device.type),
        "authId": device.auth_id,
        "name": device.name,
        "favorite": device.favorite,
        "config": device.config,
        "advancedConfig": device.advanced_config,
        "openerAdvancedConfig": device.opener_advanced_config,
        "smartdoorAdvancedConfig": device.smartdoor_advanced_config,
        "webConfig": device.web_config,
        "state": state,
        "firmwareVersion": device.firmware_version,
        "hardwareVersion": device.hardware_version,
        "operationId": device.operation_id,
        "serverState": device.server_state,
        "adminPinState": device.admin_pin_state,
        "virtualDevice": True,
        "creationDate": format_datetime(device.creation_date),
        "updateDate": format_datetime(device.update_date),
        "error": device.error,
        "opener": device.type is DeviceType.OPENER,
        "box": device.type is DeviceType.BOX,
        "smartDoor": device.type is DeviceType.SMARTDOOR,
        "keyturner": device.type in (DeviceType.KEYTURNER, DeviceType.SMARTLOCK3),
    }
    return {key: value for key, value in document.items() if value is not None}


def smartlock_log(entry: LogEntry) -> SmartlockLog:
    return SmartlockLog(
        id=entry.id,
        smartlockId=entry.smartlock_id,
        deviceType=entry.device_type,
        accountUserId=entry.account_user_id,
        authId=entry.auth_id,
        name=entry.name,
        action=entry.action,
        trigger=entry.trigger,
        state=entry.state,
        autoUnlock=entry.auto_unlock,
        date=entry.date,
        openerLog=entry.opener_log,  # type: ignore[arg-type]
        ajarTimeout=entry.ajar_timeout,
        source=entry.source,
        error=entry.error,
    )
