"""Reading and writing reservations, the booking feeds they come from, and what the
authorizations they issued show of their access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from nukiweb.domain.short_rental import Automation, Reservation, ReservationState
from nukiweb.store.schema import booking_feeds, reservations, smartlock_auths

_RESERVATION_COLUMNS = tuple(
    column for column in reservations.c if column.name != "issued_code_box"
)


def _reservation(row: Row[Any]) -> Reservation:
    values = row._asdict()
    return Reservation(
        **values
        | {
            "state": ReservationState(values["state"]),
            "automation": Automation(values["automation"]),
        }
    )


def list_reservations(conn: Connection, address_id: int) -> list[Reservation]:
    rows = conn.execute(
        select(*_RESERVATION_COLUMNS)
        .where(reservations.c.address_id == address_id)
        .order_by(reservations.c.start_day, reservations.c.id)
    )
    return [_reservation(row) for row in rows]


def get_reservation(
    conn: Connection, reservation_id: str, *, for_update: bool = False
) -> Reservation | None:
    statement = select(*_RESERVATION_COLUMNS).where(reservations.c.id == reservation_id)
    if for_update:
        statement = statement.with_for_update()
    row = conn.execute(statement).first()
    return None if row is None else _reservation(row)


def by_uid(conn: Connection, address_id: int, uid: str) -> Reservation | None:
    row = conn.execute(
        select(*_RESERVATION_COLUMNS).where(
            reservations.c.address_id == address_id, reservations.c.uid == uid
        )
    ).first()
    return None if row is None else _reservation(row)


def accepted_uids(conn: Connection, address_id: int) -> dict[str, str]:
    """The address's accepted reservations: uid → id."""
    rows = conn.execute(
        select(reservations.c.uid, reservations.c.id).where(
            reservations.c.address_id == address_id,
            reservations.c.state == str(ReservationState.ACCEPTED),
        )
    )
    return {row.uid: row.id for row in rows}


def insert_reservation(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(reservations).values(**values))


def update_reservation(conn: Connection, reservation_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(reservations).where(reservations.c.id == reservation_id).values(**values))


def issued_code_box(conn: Connection, reservation_id: str) -> str | None:
    box: str | None = conn.execute(
        select(reservations.c.issued_code_box).where(reservations.c.id == reservation_id)
    ).scalar()
    return box


@dataclass(frozen=True, slots=True)
class IssuedAccess:
    """What a reservation's authorizations show: confirmed ones, pending creations and
    deletions, and failures."""

    keypad_confirmed: int = 0
    app_confirmed: int = 0
    creating: int = 0
    deleting: int = 0
    failed: int = 0


def issued_access(conn: Connection, reservation_ids: list[str]) -> dict[str, IssuedAccess]:
    if not reservation_ids:
        return {}
    auth = smartlock_auths.c
    confirmed = auth.pending.is_(None) & auth.device_copy.is_not(None)
    rows = conn.execute(
        select(
            auth.reservation_id,
            func.count().filter(confirmed & (auth.type == 13)),  # noqa: PLR2004 - keypad code
            func.count().filter(confirmed & (auth.type != 13)),  # noqa: PLR2004
            func.count().filter(auth.pending == "create"),
            func.count().filter(auth.pending == "delete"),
            func.count().filter(auth.error.is_not(None)),
        )
        .where(auth.reservation_id.in_(reservation_ids))
        .group_by(auth.reservation_id)
    )
    return {row[0]: IssuedAccess(*row[1:]) for row in rows}


# --- booking feeds ---------------------------------------------------------------------------


def list_feeds(conn: Connection, account_id: int, service_id: str | None = None) -> list[Row[Any]]:
    statement = select(booking_feeds).where(booking_feeds.c.account_id == account_id)
    if service_id is not None:
        statement = statement.where(booking_feeds.c.service_id == service_id)
    return list(conn.execute(statement.order_by(booking_feeds.c.feed_id)))


def get_feed(conn: Connection, feed_id: int) -> Row[Any] | None:
    return conn.execute(select(booking_feeds).where(booking_feeds.c.feed_id == feed_id)).first()


def feed_of_address(conn: Connection, address_id: int) -> Row[Any] | None:
    return conn.execute(
        select(booking_feeds).where(booking_feeds.c.address_id == address_id)
    ).first()


def insert_feed(conn: Connection, values: dict[str, Any]) -> int:
    feed_id: int = conn.execute(
        insert(booking_feeds).values(**values).returning(booking_feeds.c.feed_id)
    ).scalar_one()
    return feed_id


def update_feed(conn: Connection, feed_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(booking_feeds).where(booking_feeds.c.feed_id == feed_id).values(**values))


def delete_feed(conn: Connection, feed_id: int) -> None:
    conn.execute(delete(booking_feeds).where(booking_feeds.c.feed_id == feed_id))
