"""Events for webhook subscribers, written to the outbox in the caller's transaction: they are
delivered if and only if the change that caused them is committed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from nukiweb.api.log_views import smartlock_log

# The API's documents are the payloads' shapes; they are plain pydantic, no HTTP.
from nukiweb.api.models.authorization import AccountUser as AccountUserModel
from nukiweb.api.models.authorization import SmartlockAuth
from nukiweb.api.smartlock_views import smartlock as smartlock_document
from nukiweb.domain.smartlocks import AccountUser, Authorization, Device, LogEntry
from nukiweb.domain.webhooks import API_TRIGGERED, Feature
from nukiweb.services.context import ServiceContext
from nukiweb.store import outbox


def emit(
    ctx: ServiceContext,
    conn: Connection,
    account_id: int,
    feature: Feature,
    payload: dict[str, Any],
    smartlock_id: int | None = None,
) -> None:
    """A device or account event (``payload`` without its ``feature``, which is added)."""
    if not outbox.has_subscribers(conn, account_id):
        return  # nobody listens: nothing to keep
    _append(
        ctx,
        conn,
        account_id,
        feature.value,
        {"feature": feature.value, **payload},
        smartlock_id,
        None,
    )


def emit_api_result(
    ctx: ServiceContext,
    conn: Connection,
    account_id: int,
    api_key_id: int | None,
    payload: dict[str, Any],
) -> None:
    """The outcome of an Advanced API request, for the central webhook of the key that asked."""
    if api_key_id is None or not outbox.has_subscribers(conn, account_id):
        return
    _append(ctx, conn, account_id, API_TRIGGERED, payload, payload.get("smartlockId"), api_key_id)


def _append(
    ctx: ServiceContext,
    conn: Connection,
    account_id: int,
    feature: str,
    payload: dict[str, Any],
    smartlock_id: int | None,
    api_key_id: int | None,
) -> None:
    outbox.append(
        conn,
        {
            "id": str(uuid.uuid4()),
            "account_id": account_id,
            "api_key_id": api_key_id,
            "feature": feature,
            "smartlock_id": smartlock_id,
            "payload": outbox.stored_payload(ctx.secrets, feature, payload),
            "created": ctx.clock.now(),
        },
    )
    if ctx.on_event is not None:
        # Not before the commit: the worker runs on the event loop once the current call,
        # and with it the transaction, is over.
        ctx.on_event()


# --- payloads, in the vendor's shapes (vendor-behaviour §1.4) -----------------------------


def device_status(device: Device, now: datetime) -> dict[str, Any]:
    document = smartlock_document(device, now)
    return {
        "smartlockId": device.smartlock_id,
        "state": document["state"],
        "serverState": device.server_state,
        "adminPinState": device.admin_pin_state,
    }


def masterdata(device: Device, now: datetime, *, deleted: bool = False) -> dict[str, Any]:
    document = smartlock_document(device, now)
    fields = (
        "smartlockId", "accountId", "type", "authId", "name", "favorite", "firmwareVersion",
        "hardwareVersion", "serverState", "adminPinState", "creationDate", "updateDate",
    )  # fmt: skip
    return {"deleted": deleted, **{name: document[name] for name in fields if name in document}}


def device_config(device: Device, now: datetime) -> dict[str, Any]:
    document = smartlock_document(device, now)
    blocks = ("config", "advancedConfig", "openerAdvancedConfig", "smartdoorAdvancedConfig")
    return {
        "smartlockId": device.smartlock_id,
        **{name: document[name] for name in blocks if name in document},
    }


def log_entry(entry: LogEntry) -> dict[str, Any]:
    return {"smartlockLog": smartlock_log(entry).model_dump(mode="json", exclude_none=True)}


def authorization(auth: Authorization, *, deleted: bool = False) -> dict[str, Any]:
    shown = SmartlockAuth.of(auth).model_dump(mode="json", exclude_none=True)
    return {"deleted": deleted, "smartlockAuth": shown}


def account_user(user: AccountUser, *, deleted: bool = False) -> dict[str, Any]:
    shown = AccountUserModel.of(user).model_dump(mode="json", exclude_none=True)
    return {"deleted": deleted, "accountUser": shown}
