"""Devices as the API shows them (``Smartlock``).

``GET /smartlock`` and ``GET /smartlock/{id}`` are the API's hottest reads, and a device's
document (its configurations and state, about 1.4 KB of JSON) changes far less often than it is
read: each device's is kept rendered, with the revision of the device it was rendered from.
A request reads the revisions first (one small query) and renders only the devices whose
revision changed, whichever process changed them (every write gives a device a new revision,
store/smartlocks.py). A document that shows the ring to open time left is never kept: it
changes every second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nukiweb.api.models.common import format_datetime
from nukiweb.domain.device_state import Hardware, from_document, state_view
from nukiweb.domain.devices import DeviceType
from nukiweb.domain.errors import NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.smartlocks import Device
from nukiweb.services import smartlocks
from nukiweb.services.context import ServiceContext

MAX_KEPT_DOCUMENTS = 10_000


def smartlock(device: Device, now: datetime) -> dict[str, Any]:
    """The device as the spec's ``Smartlock``, ready to serialise. Built from the stored
    documents without a model in between: ``GET /smartlock`` is a hot read, and the tests
    validate every answer against the vendor's schema."""
    return _smartlock(device, from_document(device.mechanics), now)


def _smartlock(device: Device, hardware: Hardware, now: datetime) -> dict[str, Any]:
    state = state_view(hardware, device.operation_id, now)
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


def document_json(document: Any) -> bytes:
    """A JSON document built by hand (dicts, lists, strings, numbers), as the API writes it."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class _Kept:
    revision: int
    body: bytes


class SmartlockDocuments:
    """Devices' ``Smartlock`` documents as JSON, each kept with the revision it shows."""

    def __init__(self, max_entries: int = MAX_KEPT_DOCUMENTS) -> None:
        self._max_entries = max_entries
        self._kept: dict[int, _Kept] = {}

    async def listing(
        self,
        ctx: ServiceContext,
        caller: Caller,
        auth_id: int | None,
        device_type: int | None,
        now: datetime,
    ) -> bytes:
        """``GET /smartlock`` as JSON: one query for the revisions, one more for the devices
        whose document is not kept at their revision."""
        revisions = await smartlocks.device_revisions_async(ctx, caller, auth_id, device_type)
        bodies: dict[int, bytes | None] = {
            smartlock_id: self._body(smartlock_id, revision) for smartlock_id, revision in revisions
        }
        missing = [smartlock_id for smartlock_id, body in bodies.items() if body is None]
        if missing:
            for revision, device in smartlocks.revised_devices(ctx, caller, missing):
                bodies[device.smartlock_id] = self._render(revision, device, now)
        # A device deleted between the two queries has no body, and is not listed.
        return b"[" + b",".join(body for body in bodies.values() if body is not None) + b"]"

    async def one(
        self, ctx: ServiceContext, caller: Caller, smartlock_id: int, now: datetime
    ) -> bytes:
        """``GET /smartlock/{smartlockId}`` as JSON; ``NotFound`` for a device the caller's
        account does not have."""
        revision = await smartlocks.device_revision_async(ctx, caller, smartlock_id)
        body = self._body(smartlock_id, revision)
        if body is not None:
            return body
        found = smartlocks.revised_devices(ctx, caller, [smartlock_id])
        if not found:
            raise NotFound("smartlock", smartlock_id)
        return self._render(*found[0], now)

    def _body(self, smartlock_id: int, revision: int) -> bytes | None:
        kept = self._kept.get(smartlock_id)
        return kept.body if kept is not None and kept.revision == revision else None

    def _render(self, revision: int, device: Device, now: datetime) -> bytes:
        hardware = from_document(device.mechanics)
        body = document_json(_smartlock(device, hardware, now))
        end = hardware.ring_to_open_end
        # The state shows the ring to open time left until it ends; from then on, no longer
        # anything that depends on the time.
        if end is None or end <= now:
            if len(self._kept) >= self._max_entries:
                self._kept.clear()
            self._kept[device.smartlock_id] = _Kept(revision, body)
        else:
            self._kept.pop(device.smartlock_id, None)
        return body
