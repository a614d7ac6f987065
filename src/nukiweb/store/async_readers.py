"""A few asynchronous PostgreSQL connections for the hottest reads (``HotQuery.first_async``).

On the synchronous reader the event loop waits, blocked, for PostgreSQL's answer: about half of
a ``GET /account``. Awaiting it on psycopg's ``AsyncConnection`` lets the loop serve other
requests meanwhile (measured: bench/README.md). The connections are made on the server's event
loop when it starts and closed when it stops; a read takes one from a queue and gives it back,
so reads beyond their number wait for one. They are in autocommit: a SELECT is one round trip,
and nothing they do is committed. SQLite has none: its reads stay synchronous.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from psycopg import AsyncConnection, OperationalError
from sqlalchemy import Engine
from sqlalchemy.engine import Dialect

from nukiweb.store.faults import unavailability

# Enough to keep PostgreSQL busy for one event loop on a small machine: more would only queue
# in the server instead of here.
DEFAULT_SIZE = 4

T = TypeVar("T")


class AsyncReaders:
    def __init__(
        self, engine: Engine, size: int = DEFAULT_SIZE, settings: Mapping[str, str] | None = None
    ) -> None:
        self._engine = engine
        self.dialect: Dialect = engine.dialect
        self._size = size
        # Run-time parameters of each connection's session (``SET name = value``).
        self._settings = dict(settings or {})
        self._idle: asyncio.Queue[AsyncConnection[Any]] = asyncio.Queue()
        self._all: list[AsyncConnection[Any]] = []

    async def open(self) -> None:
        """Connect them all, on the running event loop (the one that will await them)."""
        for _ in range(self._size):
            connection = await self._connect()
            self._all.append(connection)
            self._idle.put_nowait(connection)

    async def _connect(self) -> AsyncConnection[Any]:
        # The engine's own connection arguments: the same server, credentials and type
        # adapters (how JSON is decoded) as every other connection of the store.
        args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
        if self._settings:
            given = [kwargs.get("options", "")]
            given += [f"-c {name}={value}" for name, value in self._settings.items()]
            kwargs["options"] = " ".join(option for option in given if option)
        return await AsyncConnection.connect(*args, autocommit=True, **kwargs)

    async def run(self, read: Callable[[AsyncConnection[Any]], Awaitable[T]]) -> T:
        """``read`` on one of the connections. A read that fails because its connection was
        lost (PostgreSQL restarted, the connection was cut) runs once more on a new one: a
        read changes nothing, and its client is not to get a 500 for a connection it never
        chose. If that fails too, or no connection can be made, ``StoreUnavailable``. Any
        other failure is the read's own."""
        try:
            async with self.read() as connection:
                try:
                    return await read(connection)
                except OperationalError:
                    if not (connection.closed or connection.broken):
                        raise
            async with self.read(fresh=True) as connection:
                return await read(connection)
        except OperationalError as error:
            failure = unavailability(error)
            if failure is None:
                raise
            raise failure from error

    @asynccontextmanager
    async def read(self, *, fresh: bool = False) -> AsyncIterator[AsyncConnection[Any]]:
        """A connection for reads, while the block runs; a new one if ``fresh``."""
        connection = await self._idle.get()
        try:
            if fresh or connection.closed or connection.broken:  # the server went away since
                connection = await self._replace(connection)
            yield connection
        finally:
            self._idle.put_nowait(connection)

    async def _replace(self, lost: AsyncConnection[Any]) -> AsyncConnection[Any]:
        fresh = await self._connect()  # if this fails, the lost one goes back to be retried
        self._all[self._all.index(lost)] = fresh
        await lost.close()
        return fresh

    @property
    def connections(self) -> tuple[AsyncConnection[Any], ...]:
        return tuple(self._all)

    @property
    def size(self) -> int:
        return self._size

    async def close(self) -> None:
        for connection in self._all:
            await connection.close()
