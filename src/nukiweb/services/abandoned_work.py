"""What a server instance that stopped left in flight on its devices, finished as the hardware
would be seen to (run by whichever instance finds it gone: services/instances.py).

The timers of simulated devices live in the process that accepted the command; the store says
which process carries each device's latest command and its operation (``Hardware.carrier``,
``carried_operation``, ``carried_command``, written by ``bridges.simulated``) and which process
holds the device's operation. When a process dies, its timers die with it: its operations fail,
its devices come to rest and what it interrupted is logged, without touching what the other
processes carry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Connection

from nukiweb.bridges.hub import AdvancedRequest
from nukiweb.domain.device_state import from_document, to_document
from nukiweb.domain.devices import CompletionState
from nukiweb.domain.lock_physics import settled
from nukiweb.domain.webhooks import Feature
from nukiweb.services import device_reports, events
from nukiweb.services.context import ServiceContext
from nukiweb.store import instances as instance_store
from nukiweb.store import smartlocks as store

CARRIER_STOPPED = (
    "The operation was interrupted: the server process carrying it stopped before the device "
    "answered."
)


def abandon(ctx: ServiceContext, gone: Callable[[str | None], bool]) -> list[int]:
    """Finishes what server instances that are ``gone`` (by name; None: no instance named)
    left in flight, as the hardware would be seen to: an operation one of them held fails
    (the device's ``error`` says it was interrupted; an Advanced API request gets its
    webhook), a device one of them was moving comes to rest where the movement was heading,
    and what was interrupted is logged as incomplete. The devices it touched, by id."""
    with ctx.db.read() as conn:
        moved = [id_ for id_, carrier in instance_store.carriers(conn) if gone(carrier)]
        held = [id_ for id_, holder in instance_store.held_operations(conn) if gone(holder)]
    left = []
    for smartlock_id in dict.fromkeys(moved + held):
        with ctx.db.transaction() as conn:
            if _abandon_device(ctx, conn, smartlock_id, gone):
                left.append(smartlock_id)
    return left


def _abandon_device(
    ctx: ServiceContext, conn: Connection, smartlock_id: int, gone: Callable[[str | None], bool]
) -> bool:
    device = store.lock_device(conn, smartlock_id)
    if device is None:
        return False
    hardware = from_document(device.mechanics)
    operation = device.operation_id
    failed = operation is not None and gone(store.operation_holder(conn, smartlock_id))
    carried = hardware.carrier is not None and gone(hardware.carrier)
    if not (failed or carried):  # another instance took the device meanwhile
        return False
    now = ctx.clock.now()
    command = hardware.carried_command if carried else None
    # The carried command is the failed operation's, or the dead instance never got to send
    # the operation to the device (and has nothing of it to log).
    its_operation = failed and hardware.carried_operation == operation
    interrupted = False
    if carried:
        rested = settled(hardware.mechanics)
        interrupted = rested != hardware.mechanics
        resting = replace(
            hardware.with_mechanics(rested, now),
            motion=None,
            carrier=None,
            carried_operation=None,
            carried_command=None,
        )
        mechanics = to_document(resting)
        store.update_device(conn, smartlock_id, {"mechanics": mechanics, "update_date": now})
        if interrupted:
            moved = replace(device, mechanics=mechanics, update_date=now)
            events.emit(
                ctx, conn, device.account_id, Feature.DEVICE_STATUS,
                events.device_status(moved, now), smartlock_id,
            )  # fmt: skip
    if failed:
        assert operation is not None
        store.update_device(conn, smartlock_id, {"error": CARRIER_STOPPED})
        store.release_operation(conn, smartlock_id, operation)
    if command is not None and (interrupted or its_operation):
        device_reports.write_log(
            ctx,
            conn,
            device,
            name=command["name"],
            action=command["action"],
            trigger=command["trigger"],
            state=int(CompletionState.INCOMPLETE),
            source=command["source"],
            error=CARRIER_STOPPED,
            auth_id=command["auth_id"],
            account_user_id=command["account_user_id"],
        )
        request = command["request"]
        if its_operation and request is not None:
            code = device_reports.error_code(CompletionState.INCOMPLETE)
            device_reports.report_action(ctx, conn, AdvancedRequest(**request), smartlock_id, code)
    return True
