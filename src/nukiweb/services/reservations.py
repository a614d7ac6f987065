"""Use cases of the AddressReservation tag, and the automation that gives guests access.

Access follows a reservation by reconciliation: ``reconcile`` compares what the reservation
should hold now (``domain.short_rental.plan_access``) with the authorizations it issued, and
creates, moves or removes them — a keypad code on every device of the address that has a
keypad, and an app authorization for the guest's email when the booking has one. It runs when a
reservation or its address changes, and as a durable job at the next instant the plan changes
(issue ahead of check-in, revoke at check-out) or, while a device cannot be reached, again with
backoff. Its decisions are made with the reservation's row locked, so two instances running it
at once issue nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from nukiweb.domain import short_rental as rules
from nukiweb.domain.authorizations import AuthType
from nukiweb.domain.bookings import Booking
from nukiweb.domain.errors import InvalidParameter, NotFound, NukiwebError
from nukiweb.domain.identity import Caller, acting_for
from nukiweb.domain.short_rental import (
    AccessWindow,
    Address,
    Automation,
    Reservation,
    ReservationState,
)
from nukiweb.domain.smartlocks import Authorization
from nukiweb.secrets import new_object_id
from nukiweb.services import account_users, authorizations
from nukiweb.services.context import ServiceContext
from nukiweb.store import addresses as address_store
from nukiweb.store import authorizations as auth_store
from nukiweb.store import jobs
from nukiweb.store import reservations as store
from nukiweb.store import smartlocks as device_store
from nukiweb.store.reservations import IssuedAccess

JOB = "reservation-access"
AUTOMATION = "short-rental automation"


@dataclass(frozen=True, slots=True)
class ShownReservation:
    """A reservation as ``AddressReservation`` shows it: its access window and what its
    authorizations say of the access issued."""

    reservation: Reservation
    window: AccessWindow
    access: IssuedAccess
    should_hold_access: bool

    @property
    def keypad_issued(self) -> bool:
        return self.access.keypad_confirmed > 0

    @property
    def guests_issued(self) -> int:
        return 1 if self.access.app_confirmed > 0 else 0

    @property
    def issuing(self) -> bool:
        return self.should_hold_access and (self.access.creating > 0 or self.access.failed > 0)

    @property
    def revoking(self) -> bool:
        return self.access.deleting > 0


def list_reservations(
    ctx: ServiceContext, caller: Caller, address_id: int
) -> list[ShownReservation]:
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        address = _address(conn, caller, address_id)
        found = store.list_reservations(conn, address_id)
        access = store.issued_access(conn, [reservation.id for reservation in found])
    return [_shown(reservation, address, access, now) for reservation in found]


def _shown(
    reservation: Reservation,
    address: Address,
    access: dict[str, IssuedAccess],
    now: datetime,
) -> ShownReservation:
    window = rules.access_window(reservation, address)
    return ShownReservation(
        reservation=reservation,
        window=window,
        access=access.get(reservation.id, IssuedAccess()),
        should_hold_access=rules.plan_access(reservation, window, now).issued,
    )


def issue(ctx: ServiceContext, caller: Caller, address_id: int, reservation_id: str) -> None:
    """By hand: the guest gets access now, until check-out (a cancelled booking: 400)."""
    with ctx.db.transaction() as conn:
        address = _address(conn, caller, address_id)
        reservation = _reservation(conn, address, reservation_id)
        if reservation.state is ReservationState.CANCELED:
            raise InvalidParameter("id", reservation_id, "The reservation is cancelled.")
        if rules.access_window(reservation, address).ends <= ctx.clock.now():
            raise InvalidParameter("id", reservation_id, "The reservation's stay is over.")
        store.update_reservation(
            conn,
            reservation_id,
            {"automation": int(Automation.ISSUED_BY_HAND), "update_date": ctx.clock.now()},
        )
    reconcile(ctx, reservation_id)


def revoke(ctx: ServiceContext, caller: Caller, address_id: int, reservation_id: str) -> None:
    """By hand: the guest's access goes, and automation does not issue it again."""
    with ctx.db.transaction() as conn:
        address = _address(conn, caller, address_id)
        _reservation(conn, address, reservation_id)
        store.update_reservation(
            conn,
            reservation_id,
            {"automation": int(Automation.REVOKED_BY_HAND), "update_date": ctx.clock.now()},
        )
    reconcile(ctx, reservation_id)


def update_access_times(
    ctx: ServiceContext,
    caller: Caller,
    address_id: int,
    reservation_id: str,
    check_in_time: object,
    check_out_time: object,
) -> None:
    """Custom check-in and check-out times for this stay (either ``None``: the address's);
    access already issued moves with them."""
    with ctx.db.transaction() as conn:
        address = _address(conn, caller, address_id)
        _reservation(conn, address, reservation_id)
        new_in, new_out = rules.check_access_times(check_in_time, check_out_time)
        store.update_reservation(
            conn,
            reservation_id,
            {"check_in_time": new_in, "check_out_time": new_out, "update_date": ctx.clock.now()},
        )
    reconcile(ctx, reservation_id)


# --- bookings from feeds and the simulator ---------------------------------------------------


def record_bookings(
    ctx: ServiceContext,
    conn: Connection,
    address: Address,
    bookings: Iterable[Booking],
    *,
    service_id: str | None,
    complete: bool,
) -> list[str]:
    """Within the caller's transaction: each booking upserted by its uid; with ``complete``
    (a whole feed), reservations no longer in it are cancelled. The ids of those that changed,
    to ``reconcile`` once committed."""
    now = ctx.clock.now()
    changed: list[str] = []
    seen: set[str] = set()
    for booking in bookings:
        seen.add(booking.uid)
        values: dict[str, Any] = {
            "service_id": service_id,
            "name": booking.name,
            "email": booking.email,
            "guests": booking.guests,
            "reference": booking.reference,
            "state": str(
                ReservationState.CANCELED if booking.canceled else ReservationState.ACCEPTED
            ),
            "start_day": booking.start_day,
            "end_day": booking.end_day,
        }
        existing = store.by_uid(conn, address.address_id, booking.uid)
        if existing is None:
            reservation_id = new_object_id()
            store.insert_reservation(
                conn,
                values
                | {
                    "id": reservation_id,
                    "account_id": address.account_id,
                    "address_id": address.address_id,
                    "uid": booking.uid,
                    "check_in_time": None,
                    "check_out_time": None,
                    "automation": int(Automation.AUTOMATIC),
                    "update_date": now,
                },
            )
            changed.append(reservation_id)
        elif _differs(existing, values):
            store.update_reservation(conn, existing.id, values | {"update_date": now})
            changed.append(existing.id)
    if complete:
        for uid, reservation_id in store.accepted_uids(conn, address.address_id).items():
            if uid not in seen:
                store.update_reservation(
                    conn,
                    reservation_id,
                    {"state": str(ReservationState.CANCELED), "update_date": now},
                )
                changed.append(reservation_id)
    return changed


def record_booking(ctx: ServiceContext, caller: Caller, address_id: int, booking: Booking) -> str:
    """One booking upserted by its uid, as a feed would bring it (the simulator's injection);
    the reservation's id."""
    with ctx.db.transaction() as conn:
        address = _address(conn, caller, address_id)
        record_bookings(
            ctx, conn, address, [booking], service_id=address.service_id, complete=False
        )
        reservation = store.by_uid(conn, address_id, booking.uid)
    assert reservation is not None
    reconcile(ctx, reservation.id)
    return reservation.id


def cancel_booking(ctx: ServiceContext, caller: Caller, address_id: int, uid: str) -> None:
    """The booking ``uid`` is cancelled at its source (the simulator's injection)."""
    with ctx.db.transaction() as conn:
        _address(conn, caller, address_id)
        reservation = store.by_uid(conn, address_id, uid)
        if reservation is None:
            raise NotFound("reservation", uid)
        store.update_reservation(
            conn,
            reservation.id,
            {"state": str(ReservationState.CANCELED), "update_date": ctx.clock.now()},
        )
    reconcile(ctx, reservation.id)


def _differs(reservation: Reservation, values: dict[str, Any]) -> bool:
    return any(getattr(reservation, key) != value for key, value in values.items())


def reconcile_soon(ctx: ServiceContext, conn: Connection, reservation_ids: Iterable[str]) -> None:
    """Within the caller's transaction: each reservation is reconciled by the job runner as
    soon as the transaction has committed (call ``wake_runner`` then)."""
    now = ctx.clock.now()
    for reservation_id in reservation_ids:
        jobs.schedule(conn, JOB, reservation_id, now)


def wake_runner(ctx: ServiceContext) -> None:
    if ctx.on_job is not None:
        ctx.on_job()


# --- reconciliation --------------------------------------------------------------------------


def reconcile(ctx: ServiceContext, reservation_id: str) -> None:
    """Bring the reservation's authorizations to what it should hold now, and schedule the
    next look: when the plan changes, or sooner, with backoff, while a device could not take
    its part (the problems stay on the reservation meanwhile)."""
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        reservation = store.get_reservation(conn, reservation_id, for_update=True)
        if reservation is None:
            jobs.cancel(conn, JOB, reservation_id)
            return
        address = address_store.get_address(conn, None, reservation.address_id)
        assert address is not None  # its reservations go with it
        window = rules.access_window(reservation, address)
        plan = rules.plan_access(reservation, window, now)
        issued = auth_store.issued_by(conn, ctx.secrets, reservation_id=reservation_id)
        caller = acting_for(reservation.account_id, AUTOMATION)
        problems: list[str] = []
        if plan.issued:
            deliveries = _hold_access(
                ctx, conn, caller, reservation, address, window, issued, problems
            )
        else:
            deliveries = _drop_access(ctx, conn, caller, issued, problems)
        error = "; ".join(problems) or None
        store.update_reservation(conn, reservation_id, {"access_error": error})
        if problems:
            attempts = jobs.attempts(conn, JOB, reservation_id)
            retry_at = now + rules.retry_delay(attempts)
            due = retry_at if plan.next_check is None else min(plan.next_check, retry_at)
            jobs.schedule(conn, JOB, reservation_id, due, attempts=attempts + 1, error=error)
        elif plan.next_check is not None:
            jobs.schedule(conn, JOB, reservation_id, plan.next_check)
    authorizations.send(ctx, deliveries)


def _hold_access(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    reservation: Reservation,
    address: Address,
    window: AccessWindow,
    issued: list[Authorization],
    problems: list[str],
) -> authorizations.Deliveries:
    wanted = set(address.smartlock_ids)
    deliveries: authorizations.Deliveries = []
    # Creations no device took (its bridge was offline) were never on it: made again below.
    for auth in issued:
        if auth.device_copy is None and auth.pending is None:
            auth_store.delete_authorization(conn, auth.id)
    kept = [auth for auth in issued if auth.device_copy is not None or auth.pending is not None]
    leaving = [auth for auth in kept if auth.smartlock_id not in wanted]
    deliveries += _delete(ctx, conn, caller, leaving, problems)
    staying = [auth for auth in kept if auth.smartlock_id in wanted]
    deliveries += _move(ctx, conn, caller, staying, window, problems)
    code = _code(ctx, conn, reservation, wanted, kept)
    user_id = (
        None
        if reservation.email is None
        else account_users.user_for_email(
            ctx, conn, reservation.account_id, reservation.email, reservation.name
        )
    )
    for smartlock_id in sorted(wanted):
        has = {auth.type for auth in staying if auth.smartlock_id == smartlock_id}
        device = device_store.get_device_by_id(conn, smartlock_id)
        assert device is not None
        kinds: list[tuple[AuthType, int | None]] = []
        if AuthType.KEYPAD_CODE not in has and device.config.get("keypadPaired"):
            kinds.append((AuthType.KEYPAD_CODE, None))
        if user_id is not None and AuthType.APP not in has:
            kinds.append((AuthType.APP, user_id))
        for kind, account_user_id in kinds:
            new = authorizations.NewAuthorization(
                name=rules.authorization_name(reservation),
                remote_allowed=False,
                type=int(kind),
                code=code if kind is AuthType.KEYPAD_CODE else None,
                account_user_id=account_user_id,
                allowed_from_date=window.starts,
                allowed_until_date=window.ends,
            )
            try:
                made, sent = authorizations.create_within(
                    ctx, conn, caller, [smartlock_id], new,
                    issued_by={"reservation_id": reservation.id},
                )  # fmt: skip
            except NukiwebError as refused:
                problems.append(f"{device.name}: {refused}")
                continue
            deliveries += sent
            problems += [f"{device.name}: {auth.error}" for auth in made if auth.error]
    return deliveries


def _drop_access(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    issued: list[Authorization],
    problems: list[str],
) -> authorizations.Deliveries:
    leaving = []
    for auth in issued:
        if auth.device_copy is None and auth.pending is None:
            auth_store.delete_authorization(conn, auth.id)  # never reached its device
        else:
            leaving.append(auth)
    return _delete(ctx, conn, caller, leaving, problems)


def _delete(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    leaving: list[Authorization],
    problems: list[str],
) -> authorizations.Deliveries:
    deliveries: authorizations.Deliveries = []
    for auth in leaving:
        if auth.pending == "delete":
            continue  # on its way
        if auth.pending is not None:
            problems.append(f"The authorization '{auth.id}' is busy: it is removed afterwards.")
            continue
        sent = authorizations.delete_within(ctx, conn, caller, [(auth.smartlock_id, auth.id)])
        deliveries += sent
        problems += _unsent(conn, ctx, auth.id, sent)
    return deliveries


def _move(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    staying: list[Authorization],
    window: AccessWindow,
    problems: list[str],
) -> authorizations.Deliveries:
    deliveries: authorizations.Deliveries = []
    for auth in staying:
        if (auth.allowed_from_date, auth.allowed_until_date) == (window.starts, window.ends):
            continue
        if auth.pending is not None:
            problems.append(f"The authorization '{auth.id}' is busy: it is moved afterwards.")
            continue
        change = {"allowedFromDate": window.starts, "allowedUntilDate": window.ends}
        sent = authorizations.update_within(
            ctx, conn, caller, [(auth.smartlock_id, auth.id, change)]
        )
        deliveries += sent
        problems += _unsent(conn, ctx, auth.id, sent)
    return deliveries


def _unsent(
    conn: Connection, ctx: ServiceContext, auth_id: str, sent: authorizations.Deliveries
) -> list[str]:
    """The error a change that could not be sent left on its authorization."""
    if sent:
        return []
    auth = auth_store.get_by_id(conn, ctx.secrets, auth_id)
    return [] if auth is None or auth.error is None else [auth.error]


def _code(
    ctx: ServiceContext,
    conn: Connection,
    reservation: Reservation,
    smartlock_ids: set[int],
    issued: list[Authorization],
) -> int:
    """The guest's keypad code: the same on every device of the address, kept for the stay
    (sealed at rest); a new one when the one kept is now taken on a device by an authorization
    other than those the reservation ``issued``."""
    taken = {
        smartlock_id: auth_store.DeviceCodes(conn, ctx.secrets, smartlock_id)
        for smartlock_id in smartlock_ids
    }
    mine = {(auth.smartlock_id, auth.code) for auth in issued}
    sealed = store.issued_code_box(conn, reservation.id)
    if sealed is not None:
        code = int(ctx.secrets.open(sealed))
        if not any(
            code in codes and (smartlock_id, code) not in mine
            for smartlock_id, codes in taken.items()
        ):
            return code
    code = rules.new_keypad_code(_Union(list(taken.values())))
    store.update_reservation(conn, reservation.id, {"issued_code_box": ctx.secrets.seal(str(code))})
    return code


class _Union:
    def __init__(self, containers: list[auth_store.DeviceCodes]) -> None:
        self._containers = containers

    def __contains__(self, code: object) -> bool:
        return any(code in container for container in self._containers)


def _address(conn: Connection, caller: Caller, address_id: int) -> Address:
    address = address_store.get_address(conn, caller.owner_account_id, address_id)
    if address is None:
        raise NotFound("address", address_id)
    return address


def _reservation(conn: Connection, address: Address, reservation_id: str) -> Reservation:
    reservation = store.get_reservation(conn, reservation_id)
    if reservation is None or reservation.address_id != address.address_id:
        raise NotFound("reservation", reservation_id)
    return reservation
