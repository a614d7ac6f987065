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
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from nukiweb.secretbox import SecretBox
from nukiweb.store import logs as log_store
from nukiweb.store.async_readers import AsyncReaders

DEFAULT_DATABASE_FILE = "nukiweb.db"
PRIVATE_FILE = 0o600
PRIVATE_DIRECTORY = 0o700
# Any fixed 64-bit number: the PostgreSQL advisory lock that serialises concurrent migrations.
_MIGRATION_LOCK_KEY = 0x6E756B6977656221


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


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # busy_timeout makes a second process (an admin command while the server runs) wait for the
    # lock instead of failing; first, since switching a new file to WAL takes the lock too.
    # WAL lets readers run while one writer commits.
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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
    def __init__(self, url: str | URL) -> None:
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
            event.listen(self.engine, "connect", _on_sqlite_connect)
        else:
            self.engine = create_engine(self.url, pool_size=8, max_overflow=8, pool_pre_ping=True)
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
        ``store.smartlocks.lock_device`` does)."""
        with self.engine.begin() as connection:
            if not self.is_postgresql:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield connection

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
        a connection of its own."""
        connection: Connection | None = getattr(self._readers, "connection", None)
        if connection is None or connection.closed or getattr(self._readers, "busy", False):
            with self.engine.connect() as fresh:
                yield fresh
            return
        self._readers.busy = True
        try:
            yield connection
        finally:
            self._readers.busy = False
            connection.rollback()
            if connection.info.get(_AUTOCOMMIT_READER):
                driver = connection.connection.dbapi_connection
                assert driver is not None
                if driver.info.transaction_status != TransactionStatus.IDLE:
                    driver.rollback()  # ends the transaction a SET LOCAL began

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A connection for reads whose statements all see one state of the store: a
        transaction, rolled back when the block ends, that sees what was committed when its
        first statement ran (REPEATABLE READ on PostgreSQL; SQLite's transactions are so)."""
        with self.engine.connect() as connection:
            if self.is_postgresql:
                connection.execution_options(isolation_level="REPEATABLE READ")
                connection.begin()
            else:
                # The sqlite3 module begins a transaction before writes only.
                connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                connection.rollback()

    def keep_reader(self) -> None:
        """Give the calling thread (the server's event loop) its long-lived reading
        connection."""
        connection = self.engine.connect()
        if self.is_postgresql:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.info[_AUTOCOMMIT_READER] = True
        self._readers.connection = connection

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
        connection = getattr(self._readers, "connection", None)
        if connection is not None:
            connection.close()
            self._readers.connection = None

    def dispose(self) -> None:
        self.engine.dispose()
