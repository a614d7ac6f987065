"""Whether anything of an account changed: one small read that live pages poll (web/live.py).

The fingerprint is one row, read in one statement from indexes on the account's id:

- its devices: how many, and the sum of their revisions (a new random number at every write,
  ``store/smartlocks.py``, so a state, an operation taken or released, an error, a rename all
  count), each taken modulo a prime so that SQLite's 64-bit sum cannot overflow; two states of
  the devices share a sum with a chance of 1 in 2.1e9 at each change;
- the newest entry of its activity log: one step of the account's log index, read backwards,
  however long the log (a log entry is written by some reports without touching its device);
- its authorizations and its users: how many, the newest ``update_date``, and how many are in
  flight (``operation_id``) or failed (``error``) and how often they were used: what a change
  that sets no ``update_date`` (a device confirming, failing, counting a use) alters.

It is a fingerprint, not a record: equal values say "probably nothing changed", different ones
"something did", and nothing more (no row, no name) reaches the page that polls it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnClause,
    Connection,
    bindparam,
    func,
    literal_column,
    select,
    true,
)

from nukiweb.store.async_readers import AsyncReaders
from nukiweb.store.hot import HotQuery
from nukiweb.store.schema import (
    account_users,
    log_index_rows,
    smartlock_auths,
    smartlock_logs,
    smartlocks,
)

# Constants written into the SQL: ``HotQuery`` binds only the named parameters.
# 2**31 - 1, a prime: the sum of a billion devices' fits in 64 bits.
_REVISION_MODULUS: ColumnClause[int] = literal_column("2147483647")
_ZERO: ColumnClause[int] = literal_column("0")

Fingerprint = tuple[Any, ...]
"""Values to compare with the previous read's; their meaning is this module's own."""


def _fingerprint_query() -> HotQuery:
    account: BindParameter[int] = bindparam("account_id")
    devices = (
        select(
            func.count().label("devices"),
            func.coalesce(func.sum(smartlocks.c.revision % _REVISION_MODULUS), _ZERO).label(
                "revisions"
            ),
        )
        .where(smartlocks.c.account_id == account)
        .subquery()
    )
    log = smartlock_logs.c
    newest_entry = (
        select(log.seq)
        .where(log.account_id == account, log_index_rows("account_id", ()))
        .order_by(log.date.desc(), log.seq.desc())
        .limit(literal_column("1"))
        .offset(_ZERO)
        .scalar_subquery()
    )
    auth = smartlock_auths.c
    auths = (
        select(
            func.count().label("auths"),
            func.max(auth.update_date).label("auths_updated"),
            func.count(auth.operation_id).label("auths_in_flight"),
            func.count(auth.error).label("auths_failed"),
            func.coalesce(func.sum(auth.lock_count), _ZERO).label("auths_used"),
        )
        .where(auth.account_id == account)
        .subquery()
    )
    user = account_users.c
    users = (
        select(
            func.count().label("users"),
            func.max(user.update_date).label("users_updated"),
            func.count(user.operation_id).label("users_in_flight"),
        )
        .where(user.account_id == account)
        .subquery()
    )
    return HotQuery(
        select(*devices.c, newest_entry.label("newest_entry"), *auths.c, *users.c).select_from(
            devices.join(auths, true()).join(users, true())
        )
    )


_FINGERPRINT = _fingerprint_query()


def account_fingerprint(conn: Connection, account_id: int) -> Fingerprint:
    row = _FINGERPRINT.first(conn, {"account_id": account_id})
    assert row is not None  # aggregates answer one row, with or without anything to count
    return row


async def account_fingerprint_async(readers: AsyncReaders, account_id: int) -> Fingerprint:
    """``account_fingerprint`` awaited on PostgreSQL's asynchronous readers."""
    row = await _FINGERPRINT.first_async(readers, {"account_id": account_id})
    assert row is not None
    return row
