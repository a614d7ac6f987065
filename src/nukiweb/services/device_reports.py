"""What devices report back (state changes, activity-log entries, finished operations), and
how it reaches the store. Simulated hardware and, later, real bridges report through here, so
that everything a device does takes the same path."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from nukiweb.domain.device_state import Hardware, from_document, to_document
from nukiweb.domain.devices import device_kind
from nukiweb.domain.errors import NotFound
from nukiweb.domain.smartlocks import DEVICE_COPY_FIELDS, Device, LogEntry
from nukiweb.secrets import new_object_id
from nukiweb.services.context import ServiceContext
from nukiweb.store import account_users as user_store
from nukiweb.store import authorizations as auth_store
from nukiweb.store import logs as log_store
from nukiweb.store import smartlocks as store


def load_hardware(conn: Connection, smartlock_id: int) -> tuple[Device, Hardware]:
    device = store.get_device_by_id(conn, smartlock_id)
    if device is None:
        raise NotFound("smartlock", smartlock_id)
    return device, from_document(device.mechanics)


def change_hardware(
    ctx: ServiceContext, smartlock_id: int, change: Callable[[Hardware], Hardware]
) -> Hardware | None:
    """Applies ``change`` to the device's current hardware in one transaction; ``None`` when the
    device has been deleted meanwhile."""
    with ctx.db.transaction() as conn:
        try:
            _device, hardware = load_hardware(conn, smartlock_id)
        except NotFound:
            return None
        changed = change(hardware)
        store.update_device(
            conn,
            smartlock_id,
            {"mechanics": to_document(changed), "update_date": ctx.clock.now()},
        )
    return changed


def record_log(
    ctx: ServiceContext,
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
) -> LogEntry | None:
    with ctx.db.transaction() as conn:
        device = store.get_device_by_id(conn, smartlock_id)
        if device is None:
            return None
        entry = LogEntry(
            id=new_object_id(),
            account_id=device.account_id,
            smartlock_id=smartlock_id,
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
        )
        log_store.insert_entry(conn, entry)
    return entry


def finish_operation(
    ctx: ServiceContext, smartlock_id: int, operation_id: str, error: str | None = None
) -> None:
    with ctx.db.transaction() as conn:
        if error is not None:
            store.update_device(conn, smartlock_id, {"error": error})
        store.release_operation(conn, smartlock_id, operation_id)


def _log_device_type(device: Device) -> int:
    return device_kind(device.type).log_device_type


def confirm_authorization(ctx: ServiceContext, authorization_id: str, operation_id: str) -> None:
    """The device has applied an authorization's pending change. A deleted authorization goes;
    an account user being deleted goes with its last authorization."""
    with ctx.db.transaction() as conn:
        auth = auth_store.get_by_id(conn, authorization_id)
        if auth is None or auth.operation_id != operation_id:
            return
        if auth.pending == "delete":
            auth_store.delete_authorization(conn, authorization_id)
            if auth.account_user_id is not None:
                user_store.settle_leaving_user(conn, auth.account_user_id)
            return
        copy = {name: getattr(auth, name) for name in DEVICE_COPY_FIELDS}
        for name in ("allowed_from_date", "allowed_until_date"):
            copy[name] = None if copy[name] is None else copy[name].isoformat()
        auth_store.update_authorization(
            conn,
            authorization_id,
            {"device_copy": copy, "pending": None, "operation_id": None, "error": None},
        )
