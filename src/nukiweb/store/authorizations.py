"""Reading and writing authorizations. Queries that serve a caller say whose account.

Keypad codes are sealed at rest (``store.keypad_codes``): what reads authorizations takes the
``SecretBox`` that opens them, and what writes a code writes ``keypad_codes.at_rest(…)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from nukiweb.domain.smartlocks import Authorization
from nukiweb.secretbox import SecretBox
from nukiweb.store import keypad_codes
from nukiweb.store.schema import advanced_requests, smartlock_auths


def _authorization(row: Row[Any], box: SecretBox) -> Authorization:
    values = row._asdict()
    del values["code_digest"]
    code = keypad_codes.opened(box, values.pop("code_box"))
    return Authorization(**values, code=code)


def insert_authorization(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(smartlock_auths).values(**values))


def list_authorizations(
    conn: Connection,
    box: SecretBox,
    account_id: int,
    smartlock_id: int | None = None,
    account_user_id: int | None = None,
    types: Iterable[int] | None = None,
) -> list[Authorization]:
    statement = select(smartlock_auths).where(smartlock_auths.c.account_id == account_id)
    if smartlock_id is not None:
        statement = statement.where(smartlock_auths.c.smartlock_id == smartlock_id)
    if account_user_id is not None and account_user_id < 0:
        # The spec: "set to a negative number will filter without set accountUserId".
        statement = statement.where(smartlock_auths.c.account_user_id.is_(None))
    elif account_user_id is not None:
        statement = statement.where(smartlock_auths.c.account_user_id == account_user_id)
    if types is not None:
        statement = statement.where(smartlock_auths.c.type.in_(list(types)))
    statement = statement.order_by(smartlock_auths.c.smartlock_id, smartlock_auths.c.auth_id)
    return [_authorization(row, box) for row in conn.execute(statement)]


def get_authorization(
    conn: Connection, box: SecretBox, account_id: int, auth_id: str
) -> Authorization | None:
    row = conn.execute(
        select(smartlock_auths).where(
            smartlock_auths.c.account_id == account_id, smartlock_auths.c.id == auth_id
        )
    ).first()
    return None if row is None else _authorization(row, box)


def get_by_id(conn: Connection, box: SecretBox, auth_id: str) -> Authorization | None:
    """For the simulated hardware, which knows the authorization, not its owner."""
    row = conn.execute(select(smartlock_auths).where(smartlock_auths.c.id == auth_id)).first()
    return None if row is None else _authorization(row, box)


class DeviceCodes:
    """The keypad codes on a device, known by their digests: ``code in codes``."""

    def __init__(self, conn: Connection, box: SecretBox, smartlock_id: int) -> None:
        self._box = box
        self._smartlock_id = smartlock_id
        self._digests = set(
            conn.execute(
                select(smartlock_auths.c.code_digest).where(
                    smartlock_auths.c.smartlock_id == smartlock_id,
                    smartlock_auths.c.code_digest.is_not(None),
                )
            ).scalars()
        )

    def __contains__(self, code: object) -> bool:
        return isinstance(code, int) and (
            keypad_codes.digest(self._box, self._smartlock_id, code) in self._digests
        )


def holder_of_code(conn: Connection, box: SecretBox, smartlock_id: int, code: int) -> str | None:
    """The id of the authorization whose keypad code the device itself holds (confirmed) is
    ``code``, if any."""
    digest = keypad_codes.digest(box, smartlock_id, code)
    rows = conn.execute(
        select(smartlock_auths.c.id, smartlock_auths.c.device_copy).where(
            smartlock_auths.c.smartlock_id == smartlock_id,
            smartlock_auths.c.device_copy.is_not(None),
        )
    )
    return next((row.id for row in rows if row.device_copy.get("code_digest") == digest), None)


def count_on_device(conn: Connection, smartlock_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).where(smartlock_auths.c.smartlock_id == smartlock_id)
        ).scalar_one()
    )


def next_slot(conn: Connection, smartlock_id: int) -> int:
    """The device's next free authorization slot (authId); 1 is Nuki Web's own."""
    highest = conn.execute(
        select(func.max(smartlock_auths.c.auth_id)).where(
            smartlock_auths.c.smartlock_id == smartlock_id
        )
    ).scalar()
    return max(int(highest or 0), 1) + 1


def update_authorization(conn: Connection, auth_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(smartlock_auths).where(smartlock_auths.c.id == auth_id).values(**values))


def count_use(conn: Connection, auth_id: str, when: datetime) -> None:
    """One more use of the authorization, counted by the database: two uses at once (from two
    server processes) count two."""
    conn.execute(
        update(smartlock_auths)
        .where(smartlock_auths.c.id == auth_id)
        .values(lock_count=smartlock_auths.c.lock_count + 1, last_active_date=when)
    )


def claim(conn: Connection, auth_id: str, operation_id: str, pending: str) -> bool:
    """Marks the authorization in flight unless another operation holds it (one conditional
    UPDATE, so two concurrent writes cannot both win)."""
    result = conn.execute(
        update(smartlock_auths)
        .where(smartlock_auths.c.id == auth_id, smartlock_auths.c.operation_id.is_(None))
        .values(operation_id=operation_id, pending=pending, error=None)
    )
    return result.rowcount == 1


def pending_changes(conn: Connection) -> list[tuple[int, str, str]]:
    """``(smartlock_id, authorization id, operation_id)`` of every change a device has not
    confirmed yet."""
    rows = conn.execute(
        select(smartlock_auths.c.smartlock_id, smartlock_auths.c.id, smartlock_auths.c.operation_id)
        .where(smartlock_auths.c.operation_id.is_not(None))
        .order_by(smartlock_auths.c.smartlock_id)
    )
    return [
        (int(smartlock_id), auth_id, operation_id) for smartlock_id, auth_id, operation_id in rows
    ]


def fail_change(conn: Connection, auth_id: str, operation_id: str, error: str) -> None:
    """The pending change ``operation_id`` ends unconfirmed, with ``error``, if it is still the
    authorization's pending one."""
    conn.execute(
        update(smartlock_auths)
        .where(smartlock_auths.c.id == auth_id, smartlock_auths.c.operation_id == operation_id)
        .values(operation_id=None, pending=None, error=error)
    )


def delete_authorization(conn: Connection, auth_id: str) -> None:
    conn.execute(delete(smartlock_auths).where(smartlock_auths.c.id == auth_id))


def by_request(
    conn: Connection, box: SecretBox, account_id: int, request_id: str
) -> list[Authorization]:
    rows = conn.execute(
        select(smartlock_auths).where(
            smartlock_auths.c.account_id == account_id,
            smartlock_auths.c.request_id == request_id,
        )
    )
    return [_authorization(row, box) for row in rows]


def issued_by(
    conn: Connection,
    box: SecretBox,
    *,
    reservation_id: str | None = None,
    address_token_id: str | None = None,
) -> list[Authorization]:
    """What short-rental automation issued for a reservation or an address token."""
    column, value = (
        (smartlock_auths.c.reservation_id, reservation_id)
        if reservation_id is not None
        else (smartlock_auths.c.address_token_id, address_token_id)
    )
    rows = conn.execute(
        select(smartlock_auths)
        .where(column == value)
        .order_by(smartlock_auths.c.smartlock_id, smartlock_auths.c.auth_id)
    )
    return [_authorization(row, box) for row in rows]


def requesting_key(conn: Connection, request_id: str) -> int | None:
    """The API key whose Advanced API request this is (``advanced_requests``)."""
    key: int | None = conn.execute(
        select(advanced_requests.c.api_key_id).where(advanced_requests.c.request_id == request_id)
    ).scalar()
    return key
