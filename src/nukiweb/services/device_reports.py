"""What devices report back (state changes, activity-log entries, finished operations), and
how it reaches the store. Bridges report through ``StoreDeviceReports``, their interface
(``bridges.reports.DeviceReports``) made of the functions below, which the simulator's own
use cases call too: everything a device does takes the same path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from nukiweb.bridges.hub import AdvancedRequest
from nukiweb.domain.device_state import Hardware, from_document, to_document
from nukiweb.domain.devices import CompletionState, device_kind
from nukiweb.domain.errors import NotFound
from nukiweb.domain.smartlocks import DEVICE_COPY_FIELDS, Device, LogEntry
from nukiweb.domain.webhooks import Feature
from nukiweb.secrets import new_object_id
from nukiweb.services import events
from nukiweb.services.context import ServiceContext
from nukiweb.store import account_users as user_store
from nukiweb.store import addresses as address_store
from nukiweb.store import authorizations as auth_store
from nukiweb.store import keypad_codes
from nukiweb.store import logs as log_store
from nukiweb.store import smartlocks as store

# What the device's ``error`` says of an operation a bridge released without its outcome.
SUPERSEDED = "The operation was interrupted: another action moved the device."
NOT_SENT = "The operation was not sent: the store could not be reached."


def load_hardware(conn: Connection, smartlock_id: int) -> tuple[Device, Hardware]:
    device = store.get_device_by_id(conn, smartlock_id)
    if device is None:
        raise NotFound("smartlock", smartlock_id)
    return device, from_document(device.mechanics)


def change_hardware(
    ctx: ServiceContext,
    smartlock_id: int,
    change: Callable[[Hardware], Hardware],
    when: Callable[[Hardware], bool] | None = None,
) -> Hardware | None:
    """Applies ``change`` to the device's current hardware in one transaction, the device
    locked from its read to its write (another server process may change it too); ``None``
    when the device has been deleted meanwhile, or when ``when`` refuses its current hardware
    (the simulator's guard against a superseded chain of changes)."""
    with ctx.db.transaction() as conn:
        device = store.lock_device(conn, smartlock_id)
        if device is None:
            return None
        hardware = from_document(device.mechanics)
        if when is not None and not when(hardware):
            return None
        changed = change(hardware)
        now = ctx.clock.now()
        mechanics = to_document(changed)
        store.update_device(conn, smartlock_id, {"mechanics": mechanics, "update_date": now})
        moved = replace(device, mechanics=mechanics, update_date=now)
        events.emit(
            ctx, conn, device.account_id, Feature.DEVICE_STATUS,
            events.device_status(moved, now), smartlock_id,
        )  # fmt: skip
    return changed


def record_log(ctx: ServiceContext, smartlock_id: int, **fields: Any) -> LogEntry | None:
    """``write_log`` (with its fields) in a transaction of its own, for a device known by its
    id; None if the device has gone."""
    with ctx.db.transaction() as conn:
        device = store.get_device_by_id(conn, smartlock_id)
        return None if device is None else write_log(ctx, conn, device, **fields)


def write_log(
    ctx: ServiceContext,
    conn: Connection,
    device: Device,
    *,
    name: str,
    action: int,
    trigger: int,
    state: int,
    source: int | None = None,
    error: str | None = None,
    auth_id: str | None = None,
    account_user_id: int | None = None,
    auto_unlock: bool = False,
) -> LogEntry:
    """A log entry of the device, and its ``DEVICE_LOGS`` event, in the caller's transaction."""
    entry = LogEntry(
        id=new_object_id(),
        account_id=device.account_id,
        smartlock_id=device.smartlock_id,
        device_type=_log_device_type(device),
        name=name,
        action=action,
        trigger=trigger,
        state=state,
        date=ctx.clock.now(),
        source=source,
        error=error,
        auth_id=auth_id,
        account_user_id=account_user_id,
        auto_unlock=auto_unlock,
    )
    log_store.insert_entry(conn, entry)
    events.emit(
        ctx, conn, device.account_id, Feature.DEVICE_LOGS, events.log_entry(entry),
        device.smartlock_id,
    )  # fmt: skip
    return entry


def finish_operation(
    ctx: ServiceContext,
    smartlock_id: int,
    operation_id: str,
    error: str | None = None,
    failed: CompletionState | None = None,
    request: AdvancedRequest | None = None,
) -> None:
    """The device has acted (or failed to: ``error``, and what the log says in ``failed``);
    an Advanced API request hears the outcome."""
    with ctx.db.transaction() as conn:
        if error is not None:
            store.update_device(conn, smartlock_id, {"error": error})
        store.release_operation(conn, smartlock_id, operation_id)
        if request is not None:
            report_action(ctx, conn, request, smartlock_id, error_code(failed))


def error_code(failed: CompletionState | None) -> str | None:
    """The BLE error code (two hex digits) an Advanced API webhook reports for a failed
    action (vendor-behaviour §1.3); ``None`` for success."""
    if failed is None:
        return None
    return _ERROR_CODES.get(failed, "ff")


_ERROR_CODES = {
    CompletionState.MOTOR_BLOCKED: "42",
    CompletionState.BUSY: "45",
    CompletionState.LOW_MOTOR_VOLTAGE: "49",
    CompletionState.REJECTED: "4e",
    CompletionState.REJECTED_NIGHT_MODE: "4f",
}
UNREACHABLE_CODE = "ff"


def report_action(
    ctx: ServiceContext,
    conn: Connection,
    request: AdvancedRequest,
    smartlock_id: int,
    code: str | None,
) -> None:
    """The webhook of an Advanced API action: success, or the device's error code."""
    payload: dict[str, object] = {
        "type": request.type,
        "requestId": request.request_id,
        "smartlockId": smartlock_id,
        "success": code is None,
    }
    if code is not None:
        payload["errorCode"] = code
    events.emit_api_result(ctx, conn, request.account_id, request.api_key_id, payload)


def _log_device_type(device: Device) -> int:
    return device_kind(device.type).log_device_type


def confirm_authorization(ctx: ServiceContext, authorization_id: str, operation_id: str) -> None:
    """The device has applied an authorization's pending change. A deleted authorization goes;
    an account user being deleted goes with its last authorization."""
    with ctx.db.transaction() as conn:
        auth = auth_store.get_by_id(conn, ctx.secrets, authorization_id)
        if auth is None or auth.operation_id != operation_id:
            return
        if auth.pending == "delete":
            auth_store.delete_authorization(conn, authorization_id)
            if auth.address_token_id is not None:
                address_store.settle_leaving_unit(conn, auth.address_token_id)
            if auth.account_user_id is not None:
                user = user_store.get_user(conn, auth.account_id, auth.account_user_id)
                if user is not None and user_store.settle_leaving_user(conn, user.account_user_id):
                    events.emit(
                        ctx, conn, user.account_id, Feature.ACCOUNT_USER,
                        events.account_user(user, deleted=True),
                    )  # fmt: skip
            events.emit(
                ctx, conn, auth.account_id, Feature.DEVICE_AUTHS,
                events.authorization(auth, deleted=True), auth.smartlock_id,
            )  # fmt: skip
            return
        copy = {name: getattr(auth, name) for name in DEVICE_COPY_FIELDS}
        for name in ("allowed_from_date", "allowed_until_date"):
            copy[name] = None if copy[name] is None else copy[name].isoformat()
        if auth.code is not None:
            copy["code_digest"] = keypad_codes.digest(ctx.secrets, auth.smartlock_id, auth.code)
        auth_store.update_authorization(
            conn,
            authorization_id,
            {"device_copy": copy, "pending": None, "operation_id": None, "error": None},
        )
        confirmed = auth_store.get_by_id(conn, ctx.secrets, authorization_id)
        assert confirmed is not None
        events.emit(
            ctx, conn, auth.account_id, Feature.DEVICE_AUTHS,
            events.authorization(confirmed), auth.smartlock_id,
        )  # fmt: skip
        if confirmed.request_id is not None:
            report_auth_creation(ctx, conn, confirmed.account_id, confirmed.request_id)


def report_auth_creation(
    ctx: ServiceContext, conn: Connection, account_id: int, request_id: str
) -> None:
    """Once every device of an Advanced API ``PUT /smartlock/auth/advanced`` request has
    answered (or could not be reached), its ``AuthCreation`` webhook: one ``detail`` per
    device."""
    request = auth_store.by_request(conn, ctx.secrets, account_id, request_id)
    if any(item.operation_id is not None for item in request):
        return
    detail = [
        {"smartlockId": item.smartlock_id, "id": item.id, "success": item.error is None}
        | ({} if item.error is None else {"errorCode": "ff"})
        for item in request
    ]
    events.emit_api_result(
        ctx,
        conn,
        account_id,
        auth_store.requesting_key(conn, request_id),
        {
            "type": "AuthCreation",
            "requestId": request_id,
            "success": all(item["success"] for item in detail),
            "detail": detail,
        },
    )


class StoreDeviceReports:
    """What bridges report of their devices (``bridges.reports.DeviceReports``), written to the
    store, with the events and webhooks that follow from it."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def hardware_changed(
        self,
        smartlock_id: int,
        change: Callable[[Hardware], Hardware],
        when: Callable[[Hardware], bool] | None = None,
    ) -> Hardware | None:
        return change_hardware(self._ctx, smartlock_id, change, when)

    def status_changed(self, conn: Connection, device: Device, now: datetime) -> None:
        events.emit(
            self._ctx, conn, device.account_id, Feature.DEVICE_STATUS,
            events.device_status(device, now), device.smartlock_id,
        )  # fmt: skip

    def logged(
        self,
        smartlock_id: int,
        *,
        name: str,
        action: int,
        trigger: int,
        state: int,
        source: int | None = None,
        error: str | None = None,
        auth_id: str | None = None,
        account_user_id: int | None = None,
    ) -> None:
        record_log(
            self._ctx,
            smartlock_id,
            name=name,
            action=action,
            trigger=trigger,
            state=state,
            source=source,
            error=error,
            auth_id=auth_id,
            account_user_id=account_user_id,
        )

    def operation_finished(
        self,
        smartlock_id: int,
        operation_id: str,
        failure: str | None,
        failed: CompletionState | None,
        request: AdvancedRequest | None,
    ) -> None:
        finish_operation(self._ctx, smartlock_id, operation_id, failure, failed, request)

    def operation_superseded(
        self, smartlock_id: int, operation_id: str, request: AdvancedRequest | None
    ) -> None:
        with self._ctx.db.transaction() as conn:
            if not _holds(conn, smartlock_id, operation_id):
                return
            store.update_device(conn, smartlock_id, {"error": SUPERSEDED})
            store.release_operation(conn, smartlock_id, operation_id)
            if request is not None:
                code = error_code(CompletionState.CANCELED)
                report_action(self._ctx, conn, request, smartlock_id, code)

    def operation_not_sent(self, smartlock_id: int, operation_id: str) -> None:
        with self._ctx.db.transaction() as conn:
            if _holds(conn, smartlock_id, operation_id):
                store.update_device(conn, smartlock_id, {"error": NOT_SENT})
                store.release_operation(conn, smartlock_id, operation_id)

    def authorization_confirmed(self, authorization_id: str, operation_id: str) -> None:
        confirm_authorization(self._ctx, authorization_id, operation_id)


def _holds(conn: Connection, smartlock_id: int, operation_id: str) -> bool:
    """Whether the device (locked until the transaction ends) still holds the operation."""
    device = store.lock_device(conn, smartlock_id)
    return device is not None and device.operation_id == operation_id
