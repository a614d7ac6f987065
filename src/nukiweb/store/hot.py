"""A thinner path for the hottest reads: a Core statement compiled once per dialect, run on the
driver's cursor, its values decoded by the column types' own result processors.

It stays portable (SQLAlchemy writes the SQL and decodes the values for SQLite and PostgreSQL
alike) and skips what ``Connection.execute`` does per call for every statement: the cache-key
walk, the execution context, the result object. Measured on ``GET /account``: bench/README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect

from nukiweb.store.async_readers import AsyncReaders


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    positional: tuple[str, ...] | None  # parameter order for "?" drivers, else named
    decoders: tuple[Callable[[Any], Any] | None, ...]


class HotQuery:
    """One SELECT, ready for each dialect it meets: ``first`` for a statement that answers at
    most one row, ``all`` for one that answers a few."""

    def __init__(self, statement: Select[Any]) -> None:
        self._statement = statement
        self._prepared: dict[str, _Prepared] = {}

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = self._run(conn, params, many=False)
        return rows[0] if rows else None

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return self._run(conn, params, many=True)

    async def first_async(
        self, readers: AsyncReaders, params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """``first`` awaited on PostgreSQL's asynchronous readers (autocommit): the event
        loop serves other requests while PostgreSQL answers."""
        return await readers.run(lambda conn: self.first_on(conn, readers.dialect, params))

    async def all_async(
        self, readers: AsyncReaders, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        return await readers.run(
            lambda conn: self._run_async(conn, readers.dialect, params, many=True)
        )

    async def first_on(
        self, conn: AsyncConnection[Any], dialect: Dialect, params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """``first_async`` on a connection taken already, for a read of several steps."""
        rows = await self._run_async(conn, dialect, params, many=False)
        return rows[0] if rows else None

    async def _run_async(
        self, conn: AsyncConnection[Any], dialect: Dialect, params: Mapping[str, Any], *, many: bool
    ) -> list[tuple[Any, ...]]:
        prepared = self._prepared.get(dialect.name) or self._prepare(dialect)
        assert prepared.positional is None  # psycopg takes named parameters
        async with conn.cursor() as cursor:
            await cursor.execute(prepared.sql, dict(params))
            if many:
                rows = await cursor.fetchall()
            else:
                row = await cursor.fetchone()
                rows = [] if row is None else [row]
        return _decoded(prepared, rows)

    def _run(
        self, conn: Connection, params: Mapping[str, Any], *, many: bool
    ) -> list[tuple[Any, ...]]:
        prepared = self._prepared.get(conn.dialect.name) or self._prepare(conn.dialect)
        driver = conn.connection.dbapi_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            if prepared.positional is None:
                cursor.execute(prepared.sql, dict(params))
            else:
                cursor.execute(prepared.sql, tuple(params[name] for name in prepared.positional))
            if many:
                rows = cursor.fetchall()
            else:
                row = cursor.fetchone()
                rows = [] if row is None else [row]
        finally:
            cursor.close()
        if not conn.in_transaction() and not getattr(driver, "autocommit", False):
            # SQLAlchemy did not begin this transaction, so it will not end it: a driver that
            # began one for the SELECT (psycopg) must not keep it open; others ignore this.
            # One in autocommit began none (and a rollback would still cost psycopg a wait).
            driver.rollback()
        return _decoded(prepared, rows)

    def _prepare(self, dialect: Dialect) -> _Prepared:
        compiled = self._statement.compile(dialect=dialect)
        positional = tuple(compiled.positiontup) if compiled.positiontup else None
        decoders = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self._statement.selected_columns
        )
        prepared = _Prepared(compiled.string, positional, decoders)
        self._prepared[dialect.name] = prepared
        return prepared


def _decoded(prepared: _Prepared, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    decoders = prepared.decoders
    if not any(decoders):
        return [tuple(row) for row in rows]
    return [
        tuple(
            value if decode is None or value is None else decode(value)
            for decode, value in zip(decoders, row, strict=True)
        )
        for row in rows
    ]
