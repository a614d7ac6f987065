"""Engines for SQLite and PostgreSQL, transactions, and migrations on start.

Queries go through SQLAlchemy Core on a synchronous engine and are called inline from the
event loop: each one is short and indexed, and measured on this project's benchmark a thread
hand-off per query costs more than the query itself (see bench/README.md). On PostgreSQL the
hottest reads are awaited instead, on a few asynchronous connections (``store.async_readers``):
there the loop would otherwise sit idle for each round trip to the server.
"""

from __future__ import annotations

import contextlib
import os
import select
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.resources import files
from pathlib import Path
from typing import Any, Self

from alembic import command
from alembic.config import Config
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from nukiweb.secretbox import SecretBox
from nukiweb.store import logs as log_store
from nukiweb.store.async_readers import AsyncReaders
from nukiweb.store.faults import ConnectionLost, StoreUnavailable, describe, unavailability

DEFAULT_DATABASE_FILE = "nukiweb.db"
PRIVATE_FILE = 0o600
PRIVATE_DIRECTORY = 0o700
# Any fixed 64-bit number: the PostgreSQL advisory lock that serialises concurrent migrations.
_MIGRATION_LOCK_KEY = 0x6E756B6977656221
# How long a write waits for another process's SQLite write lock (an admin command's, another
# worker's) before the store counts as unavailable (a request answers 503).
SQLITE_BUSY_TIMEOUT = 5.0
# How long connecting to PostgreSQL may take before the store counts as unavailable, unless the
# URL says (``connect_timeout``): a server that does not answer at all (a host down, a
# firewall dropping packets) would otherwise hold a request for the system's TCP timeout.
POSTGRESQL_CONNECT_TIMEOUT = 5


def normalise_url(url: str | URL) -> URL:
    """Accept the URLs people write (``postgresql://``, ``postgres://``, ``sqlite:///file``) and
    pick the drivers nukiweb ships with."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in ("sqlite", "postgresql+psycopg"):
        raise ValueError(
            f"unsupported database '{parsed.drivername}': use sqlite:///FILE or postgresql://..."
        )
    return parsed


def default_url(data_dir: Path) -> URL:
    return make_url(f"sqlite:///{(data_dir / DEFAULT_DATABASE_FILE).resolve()}")


def _sqlite_connect_listener(busy_timeout: float) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        _on_sqlite_connect(dbapi_connection, busy_timeout)

    return on_connect


def _on_sqlite_connect(dbapi_connection: Any, busy_timeout: float) -> None:
    cursor = dbapi_connection.cursor()
    # busy_timeout makes a second process (an admin command while the server runs) wait for the
    # lock instead of failing; first, since switching a new file to WAL takes the lock too.
    # WAL lets readers run while one writer commits.
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, tried again while the file is locked: processes starting at
    once on a new file race to switch it and to make its WAL, and SQLite may refuse the loser
    at once instead of waiting for busy_timeout."""
    deadline = time.monotonic() + MIGRATION_LOCK_WAIT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        else:
            return


def _owners_only(path: Path) -> None:
    """The SQLite file readable and writable by its owner only, and so its ``-wal`` and
    ``-shm`` (SQLite gives them the file's mode): a new file is made so before SQLite opens it,
    in a directory only the owner may enter if nukiweb makes it; an existing file of this user
    is tightened. A directory nukiweb did not make is left as it is."""
    path.parent.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        for existing in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            with contextlib.suppress(FileNotFoundError):
                status = existing.stat()
                if status.st_uid == os.getuid() and status.st_mode & 0o077:
                    existing.chmod(stat.S_IMODE(status.st_mode) & PRIVATE_FILE)


_MIGRATION_THREAD_LOCK = threading.Lock()
MIGRATION_LOCK_WAIT_SECONDS = 120.0


def _begin_immediate(connection: Connection) -> None:
    """Take SQLite's write lock for the whole migration. The sqlite3 module would otherwise run
    each DDL statement in a transaction of its own, and two processes could both migrate."""
    driver_connection = connection.connection.driver_connection
    driver_connection.isolation_level = None  # type: ignore[union-attr]
    # Another process may migrate for longer than busy_timeout (a cold start compiles every
    # module it imports): wait for it as long as a migration may take.
    deadline = time.monotonic() + MIGRATION_LOCK_WAIT_SECONDS
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as error:
            connection.rollback()
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        else:
            return


# Marks (in Connection.info) a thread's reading connection that runs in autocommit.
_AUTOCOMMIT_READER = "nukiweb_autocommit_reader"
# A poll object watching a kept PostgreSQL reader's socket (in Connection.info).
_SOCKET_WATCH = "nukiweb_socket_watch"


def _closed_by_server(connection: Connection) -> bool:
    """Whether PostgreSQL has closed this idle connection, told without a round trip: the
    server writes to a connection that is not running a statement only to say it is going
    away (a FATAL message, then end of file), so a socket with something to read is one not to
    use again. (A configuration reload may also announce a changed setting: that costs one
    needless reconnection.)"""
    if connection.invalidated:
        return True
    driver = connection.connection.dbapi_connection
    if driver is None or driver.closed:
        return True
    watch = connection.info.get(_SOCKET_WATCH)
    return watch is not None and bool(watch.poll(0))


def _lost(connection: Connection) -> bool:
    """Whether the connection died (SQLAlchemy saw it go, or the driver did): no SQLite
    connection ever does."""
    if connection.invalidated or connection.closed:
        return True
    driver = connection.connection.dbapi_connection
    return driver is None or getattr(driver, "closed", False) is True


def _raise_unavailable(error: Exception) -> None:
    """Raises ``error`` as ``StoreUnavailable`` if it is one (connecting failed); returns if not."""
    failure = unavailability(error)
    if failure is not None and failure is not error:
        raise failure from error


class Attempt:
    """What one piece of work that may be run again (an HTTP request) has asked of the store so
    far, watched while the ``with`` block runs (and what it awaits, or runs in threads): once
    it has begun a transaction, running it again could do its writes twice."""

    __slots__ = ("_token", "began_transaction")

    def __init__(self) -> None:
        self.began_transaction = False

    def __enter__(self) -> Self:
        self._token = _ATTEMPT.set(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        _ATTEMPT.reset(self._token)


_ATTEMPT: ContextVar[Attempt | None] = ContextVar("nukiweb_store_attempt", default=None)


def _transaction_for_set_local(
    conn: Connection,
    cursor: Any,
    statement: str,
    _parameters: Any,
    _context: Any,
    _executemany: bool,
) -> None:
    """On an autocommit reader, a ``SET LOCAL`` would last for its own statement only (and
    PostgreSQL warns): it begins a transaction instead, which the read rolls back at its end."""
    if conn.info.get(_AUTOCOMMIT_READER) and statement.lstrip()[:9].upper() == "SET LOCAL":
        driver = conn.connection.dbapi_connection
        if driver is not None and driver.info.transaction_status == TransactionStatus.IDLE:
            cursor.execute("BEGIN")


class Database:
    def __init__(self, url: str | URL, *, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> None:
        self.url = normalise_url(url)
        self._readers = threading.local()
        # On PostgreSQL, while the server runs: see ``open_async_readers``.
        self.async_readers: AsyncReaders | None = None
        self.async_log_readers: AsyncReaders | None = None
        if self.url.drivername == "sqlite":
            if self.url.database and self.url.database != ":memory:":
                _owners_only(Path(self.url.database))
            self.engine: Engine = create_engine(
                self.url,
                connect_args={"check_same_thread": False},
                pool_size=8,
                max_overflow=8,
            )
            event.listen(self.engine, "connect", _sqlite_connect_listener(sqlite_busy_timeout))
        else:
            # In the engine's URL, so that the asynchronous readers connect with it too.
            engine_url = self.url
            if "connect_timeout" not in engine_url.query:
                engine_url = engine_url.update_query_dict(
                    {"connect_timeout": str(POSTGRESQL_CONNECT_TIMEOUT)}
                )
            self.engine = create_engine(engine_url, pool_size=8, max_overflow=8, pool_pre_ping=True)
            event.listen(self.engine, "before_cursor_execute", _transaction_for_set_local)

    @property
    def is_postgresql(self) -> bool:
        return self.url.drivername.startswith("postgresql")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back when it raises.

        On SQLite it takes the write lock when it begins (``BEGIN IMMEDIATE``): the sqlite3
        module would begin the transaction only at the block's first write, so the reads
        before it would not be part of it, and another server process (``serve --workers``)
        could write in between (a lost update). Taken first, the lock is waited for
        (``busy_timeout``) and the block reads and writes one state. On PostgreSQL, a block
        that computes a change from what it reads locks those rows (``FOR UPDATE``, as
        ``store.smartlocks.lock_device`` does).

        A store that cannot answer (down, the connection lost, the lock not had within the
        busy timeout) raises ``StoreUnavailable``. The block is not run again: its connection
        may have been lost while COMMIT was on its way, and what the block did besides the
        store (a command sent to a device) would be done twice."""
        attempt = _ATTEMPT.get()
        if attempt is not None:
            attempt.began_transaction = True
        try:
            with self.engine.begin() as connection:
                if not self.is_postgresql:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
        except Exception as error:
            failure = unavailability(error)
            if failure is None or failure is error:
                raise
            raise failure from error

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads; nothing it does is committed.

        Each statement sees what was committed before it ran, but the statements of one read
        need not see the same state of the store (as in the READ COMMITTED transactions reads
        had before): a read whose statements must agree with each other uses ``snapshot``.

        Each thread keeps one reading connection (the server's event loop is one thread, and
        reads are the hot path). On PostgreSQL it is in autocommit: a SELECT is one round trip
        instead of three (BEGIN, SELECT, ROLLBACK). A statement that sets something for the
        rest of its transaction (``SET LOCAL``) is given one, from that statement to the end of
        the read. SQLite's driver begins no transaction for a SELECT anyway. A nested read gets
        a connection of its own.

        A kept connection that PostgreSQL has closed since its last read (a restart, the
        session ended by an administrator) is replaced before the read runs. One lost while
        the read runs raises ``ConnectionLost`` (and is replaced at the next read): the read
        may run again (``api.routing`` runs a request that has written nothing once more). A
        store that cannot answer at all raises ``StoreUnavailable``."""
        kept = self._kept_reader()
        if kept is None:
            with self._fresh_read() as fresh:
                yield fresh
            return
        self._readers.busy = True
        try:
            yield kept
        except Exception as error:
            failure = self._read_failure(error, kept)
            if failure is error:
                raise
            raise failure from error
        finally:
            self._readers.busy = False
            dropped = getattr(self._readers, "connection", None) is not kept
            if not dropped:
                self._end_read(kept)

    @contextmanager
    def _fresh_read(self) -> Iterator[Connection]:
        """A read on a pooled connection (checked by the pool before it is handed out)."""
        try:
            connection = self.engine.connect()
        except Exception as error:
            _raise_unavailable(error)
            raise
        with connection:
            try:
                yield connection
            except Exception as error:
                failure = self._read_failure(error, connection)
                if failure is error:
                    raise
                raise failure from error

    def _read_failure(self, error: Exception, connection: Connection) -> Exception:
        """What a read that raised ``error`` on ``connection`` raises: ``ConnectionLost`` if the
        connection died (a kept one is dropped, to be replaced at the next read),
        ``StoreUnavailable`` if the store cannot answer, else ``error`` itself."""
        if isinstance(error, StoreUnavailable):  # a nested read's or transaction's
            return error
        failure = unavailability(error)
        if _lost(connection):
            if getattr(self._readers, "connection", None) is connection:
                self._drop_reader()
            elif not connection.invalidated:
                connection.invalidate()  # the pool is not to hand it out again
            return ConnectionLost(failure.reason if failure else describe(error))
        return failure or error

    def _kept_reader(self) -> Connection | None:
        """The calling thread's kept reading connection, alive as far as can be told without a
        round trip; ``None`` where the thread keeps none or a read is using it."""
        readers = self._readers
        if not getattr(readers, "keep", False) or getattr(readers, "busy", False):
            return None
        connection: Connection | None = getattr(readers, "connection", None)
        if connection is not None and self.is_postgresql and _closed_by_server(connection):
            self._drop_reader()
            connection = None
        if connection is None:
            connection = self._open_reader()
        return connection

    def _open_reader(self) -> Connection:
        try:
            connection = self.engine.connect()
        except Exception as error:
            _raise_unavailable(error)
            raise
        if self.is_postgresql:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.info[_AUTOCOMMIT_READER] = True
            watch = select.poll()
            driver = connection.connection.dbapi_connection
            assert driver is not None
            watch.register(driver.fileno(), select.POLLIN)
            connection.info[_SOCKET_WATCH] = watch
        self._readers.connection = connection
        return connection

    def _end_read(self, connection: Connection) -> None:
        """Leaves the kept connection as a read found it; one that cannot be is dropped."""
        try:
            connection.rollback()
            if connection.info.get(_AUTOCOMMIT_READER):
                driver = connection.connection.dbapi_connection
                assert driver is not None
                if driver.info.transaction_status != TransactionStatus.IDLE:
                    driver.rollback()  # ends the transaction a SET LOCAL began
        except Exception:
            if not _lost(connection):
                raise
            self._drop_reader()

    def _drop_reader(self) -> None:
        connection: Connection | None = getattr(self._readers, "connection", None)
        self._readers.connection = None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.invalidate()
                connection.close()

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A connection for reads whose statements all see one state of the store: a
        transaction, rolled back when the block ends, that sees what was committed when its
        first statement ran (REPEATABLE READ on PostgreSQL; SQLite's transactions are so).
        Failures as ``read``'s."""
        with self._fresh_read() as connection:
            if self.is_postgresql:
                connection.execution_options(isolation_level="REPEATABLE READ")
                connection.begin()
            else:
                # The sqlite3 module begins a transaction before writes only.
                connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                if not _lost(connection):
                    connection.rollback()

    def keep_reader(self) -> None:
        """Give the calling thread (the server's event loop) its long-lived reading
        connection (made at its first read if the store cannot be reached now)."""
        self._readers.keep = True
        with contextlib.suppress(StoreUnavailable):
            self._open_reader()

    async def open_async_readers(self) -> None:
        """On PostgreSQL, give the running event loop its asynchronous readers: for the hottest
        reads, and for activity-log pages (``store.async_readers``); on SQLite there are none.
        Log pages have their own, so that however many clients read them, the hot reads never
        wait behind a page for a connection; their number bounds the pages read at once."""
        if self.is_postgresql and self.async_readers is None:
            readers = AsyncReaders(self.engine)
            log_readers = AsyncReaders(
                self.engine, log_store.ASYNC_READERS, log_store.IN_INDEX_ORDER
            )
            await readers.open()
            await log_readers.open()
            self.async_readers, self.async_log_readers = readers, log_readers

    async def close_async_readers(self) -> None:
        for readers in (self.async_readers, self.async_log_readers):
            if readers is not None:
                await readers.close()
        self.async_readers = self.async_log_readers = None

    def upgrade(self, secret_box: SecretBox | None = None, revision: str = "head") -> None:
        """Bring the schema to the newest migration (or to ``revision``). Several processes may
        start at once: the migration runs in one transaction that holds the database's
        migration lock. Migrations that seal stored data need nukiweb's ``secret_box``."""
        config = Config()
        config.set_main_option("script_location", str(files("nukiweb.store") / "migrations"))
        config.attributes["secret_box"] = secret_box
        # Alembic keeps its migration context in module globals: one migration per process.
        with _MIGRATION_THREAD_LOCK, self.engine.connect() as connection:
            if self.is_postgresql:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            else:
                _begin_immediate(connection)
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, revision)
                connection.commit()
            finally:
                if not self.is_postgresql:
                    # The connection's transaction mode was changed: do not pool it again.
                    connection.invalidate()

    def release_reader(self) -> None:
        self._readers.keep = False
        connection = getattr(self._readers, "connection", None)
        if connection is not None:
            self._readers.connection = None
            with contextlib.suppress(Exception):  # a connection the server closed already
                connection.close()

    def dispose(self) -> None:
        self.engine.dispose()
