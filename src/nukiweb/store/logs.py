"""The activity log: written by devices, read newest first (by date, then by the order written)
with an id cursor.

A page is one range of one index, read backwards from where it starts, whatever the filters:
the table has an index for each set of equality filters a query can have (see ``schema.py``),
whose columns are those filters followed by ``date`` and ``seq``, so that the date bounds and
the cursor are the two ends of the range and the order is the index's own; and the query names
its index by repeating that index's WHERE (``schema.log_index_rows``). A page costs the same
however long the log is, and however rare the entries it asks for, or when none match.

A page is read by many clients at once (bench/isolation.py): its SELECT is compiled once per
dialect and set of filters, run on the driver's cursor and decoded by the column types' own
result processors, as ``hot.HotQuery`` does, and its rows stay tuples in ``LogEntry``'s field
order (the API encodes them without an entry or a model in between).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from sqlalchemy import Connection, Select, bindparam, insert, select, tuple_
from sqlalchemy.engine import Dialect

from nukiweb.domain.smartlocks import LogEntry, LogQuery
from nukiweb.store.async_readers import AsyncReaders
from nukiweb.store.hot import HotQuery
from nukiweb.store.schema import LOG_FILTERS, log_index_rows, smartlock_logs, smartlocks

# A page's columns in the order of LogEntry's fields: a row is LogEntry(*row).
_ENTRY_COLUMNS = [smartlock_logs.c[field.name] for field in fields(LogEntry)]

EntryRow = tuple[Any, ...]
"""The values of one ``LogEntry``, in the order of its fields."""

Position = tuple[datetime, int]
"""Where an entry stands in the log's order: its date, then its ``seq``."""

ASYNC_READERS = 1
"""Pages read at once on PostgreSQL (``page_json_async``), each on a connection of its own.
One: a page still costs the event loop about three ``GET /account`` (the request, its
parameters, the driver's round trips), and with two at once 4 clients looping pages took
``GET /account`` to two thirds of its pace; with one, three quarters (bench/README.md,
Isolation). ``--workers`` multiplies them."""


def insert_entry(conn: Connection, entry: LogEntry) -> None:
    conn.execute(insert(smartlock_logs).values(**asdict(entry)))


def query_entries(conn: Connection, account_id: int, query: LogQuery) -> list[LogEntry]:
    """A page of the account's log, or of its device's; none after an id that is not an entry
    of the account's."""
    return [LogEntry(*row) for row in query_rows(conn, account_id, query)]


def query_rows(conn: Connection, account_id: int, query: LogQuery) -> list[EntryRow]:
    """``query_entries`` as rows (``EntryRow``), without an entry made for each."""
    if not _answerable(query):
        return []
    cursor = None
    if query.before_id is not None:
        cursor = entry_position(conn, account_id, query.before_id)
        if cursor is None:
            return []
    read_in_index_order(conn)
    values = _page_values(account_id, query, cursor)
    shape = _shape(query, values)
    page = _PAGES.get((conn.dialect.name, shape)) or _prepare(conn.dialect, shape)
    return page.rows(conn, values)


async def page_json_async(readers: AsyncReaders, account_id: int, query: LogQuery) -> bytes | None:
    """``query_rows`` awaited on PostgreSQL's asynchronous readers, as the JSON array of the
    API's ``SmartlockLog`` documents, which PostgreSQL builds (``_DOCUMENT``): the server's
    process, bound to one core by the GIL, then does nothing per entry, and the work goes
    where PostgreSQL runs. None when the query names a device the account does not have.

    Each page is read on one connection, its steps one after the other, so the readers'
    number is that of the pages read at once. They read in index order for their whole
    session (``IN_INDEX_ORDER``): they are in autocommit, where a ``SET LOCAL`` would end
    with its own statement."""
    dialect = readers.dialect

    async def read(conn: AsyncConnection[Any]) -> bytes | None:
        if query.smartlock_id is not None:
            device = {"account_id": account_id, "smartlock_id": query.smartlock_id}
            if await _DEVICE.first_on(conn, dialect, device) is None:
                return None
        if not _answerable(query):
            return b"[]"
        cursor = None
        if query.before_id is not None:
            entry = {"entry_id": query.before_id, "account_id": account_id}
            position = await _POSITION.first_on(conn, dialect, entry)
            if position is None:
                return b"[]"
            cursor = (position[0], position[1])
        values = _page_values(account_id, query, cursor)
        shape = _shape(query, values)
        page = _JSON_PAGES.get(shape) or _prepare_json(dialect, shape)
        ((document,),) = await page.rows_async(conn, values)
        return str(document).encode()

    return await readers.run(read)


_DEVICE = HotQuery(
    select(smartlocks.c.smartlock_id).where(
        smartlocks.c.account_id == bindparam("account_id"),
        smartlocks.c.smartlock_id == bindparam("smartlock_id"),
    )
)


def _answerable(query: LogQuery) -> bool:
    """False when no entry can match: the columns hold 32 bits, and PostgreSQL refuses to
    compare them with a value beyond."""
    return all(_fits(value) for value in (query.action, query.account_user_id))


_INT32 = range(-(2**31), 2**31)


def _fits(value: int | None) -> bool:
    """Whether a 32-bit column can hold ``value`` (None: no filter)."""
    return value is None or value in _INT32


IN_INDEX_ORDER = {"enable_sort": "off"}
"""The session settings of ``read_in_index_order``, for connections that read only pages."""


def read_in_index_order(conn: Connection) -> None:
    """For the rest of the transaction, PostgreSQL reads a page in its index's order rather
    than collecting every matching entry and sorting them.

    Its planner picks the latter when it expects few matching entries, and it expects too few
    for a device's authorization or an account's user: values that belong to one device or
    account, which it takes for independent of them. At 1 million entries a page for a common
    authorization then read some 2,000 pages of the table instead of 50 (bench/logs.py).
    SQLite, without statistics, reads in the index's order."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_sort = off")


_POSITION = HotQuery(
    select(smartlock_logs.c.date, smartlock_logs.c.seq).where(
        smartlock_logs.c.id == bindparam("entry_id"),
        smartlock_logs.c.account_id == bindparam("account_id"),
    )
)


def entry_position(conn: Connection, account_id: int, entry_id: str) -> Position | None:
    """Where the account's entry stands in the log's order; None if it has no such entry."""
    row = _POSITION.first(conn, {"entry_id": entry_id, "account_id": account_id})
    return None if row is None else (row[0], row[1])


def page_statement(account_id: int, query: LogQuery, cursor: Position | None) -> Select[Any]:
    """The SELECT of a page, with its values: entries older than ``cursor`` (the position of
    ``before_id``). (Given an ``auth_id``, the account's log filters by it too, without an
    index of its own.)"""
    values = _page_values(account_id, query, cursor)
    return _shaped_statement(_shape(query, values)).params(values)


def _page_values(account_id: int, query: LogQuery, cursor: Position | None) -> dict[str, Any]:
    """The values of a page's placeholders, None for those it does not have."""
    to_date, cursor = _tighter_end(query.to_date, cursor)
    return {
        "account_id": account_id,
        "smartlock_id": query.smartlock_id,
        "action": query.action,
        "account_user_id": query.account_user_id,
        "auth_id": query.auth_id,
        "from_date": query.from_date,
        "to_date": to_date,
        "cursor_date": None if cursor is None else cursor[0],
        "cursor_seq": None if cursor is None else cursor[1],
        "limit": query.limit,
    }


def _shape(query: LogQuery, values: dict[str, Any]) -> _PageShape:
    return _PageShape(
        owner="account_id" if query.smartlock_id is None else "smartlock_id",
        present=frozenset(name for name, value in values.items() if value is not None),
    )


def _tighter_end(
    to_date: datetime | None, cursor: Position | None
) -> tuple[datetime | None, Position | None]:
    """Of ``toDate`` and the cursor, the one that ends the range first (the other then excludes
    nothing more). Given both, a database may start its backward scan from either and filter
    with the other, which reads every entry between the two: pages deep into a log with a
    ``toDate`` would cost more the deeper they are."""
    if to_date is None or cursor is None:
        return to_date, cursor
    if to_date < cursor[0]:
        return to_date, None
    return None, cursor


# --- a page's SELECT, compiled once per dialect and shape -----------------------------------


@dataclass(frozen=True, slots=True)
class _PageShape:
    """What a page's SQL depends on: whose log, and which of its parameters have a value."""

    owner: str  # "account_id" or "smartlock_id"
    present: frozenset[str]  # names of the parameters with a value (see query_rows)


@dataclass(frozen=True, slots=True)
class _PreparedPage:
    """A page's SQL for one dialect and shape, with how to bind its values and decode its
    columns."""

    sql: str
    parameters: tuple[str, ...]  # in the order of the statement's placeholders
    positional: bool  # "?" placeholders (SQLite), else named ones (psycopg)
    encoders: tuple[Callable[[Any], Any] | None, ...]  # per parameter
    decoders: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, its decoder) if any
    fixed: dict[str, Any]  # values the compiler bound itself (SQLite's OFFSET 0)

    def rows(self, conn: Connection, values: dict[str, Any]) -> list[EntryRow]:
        driver = conn.connection.dbapi_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            cursor.execute(self.sql, self._bound(values))
            return self._decoded(cursor.fetchall())
        finally:
            cursor.close()

    async def rows_async(
        self, conn: AsyncConnection[Any], values: dict[str, Any]
    ) -> list[EntryRow]:
        async with conn.cursor() as cursor:
            await cursor.execute(self.sql, self._bound(values))
            return self._decoded(await cursor.fetchall())

    def _bound(self, values: dict[str, Any]) -> list[Any] | dict[str, Any]:
        given = (values[name] if name in values else self.fixed[name] for name in self.parameters)
        bound = [
            value if encode is None else encode(value)
            for encode, value in zip(self.encoders, given, strict=True)
        ]
        return bound if self.positional else dict(zip(self.parameters, bound, strict=True))

    def _decoded(self, fetched: Sequence[Sequence[Any]]) -> list[EntryRow]:
        decoded: list[EntryRow] = []
        for row in fetched:
            columns = list(row)
            for index, decode in self.decoders:
                value = columns[index]
                if value is not None:
                    columns[index] = decode(value)
            decoded.append(tuple(columns))
        return decoded


# At most 2 owners times 2**7 sets of present values, per dialect.
_PAGES: dict[tuple[str, _PageShape], _PreparedPage] = {}


def _prepare(dialect: Dialect, shape: _PageShape) -> _PreparedPage:
    prepared = _compiled(dialect, _shaped_statement(shape))
    _PAGES[dialect.name, shape] = prepared
    return prepared


def _compiled(dialect: Dialect, statement: Select[Any]) -> _PreparedPage:
    compiled = statement.compile(dialect=dialect)
    positional = bool(compiled.positiontup)
    parameters = tuple(compiled.positiontup or compiled.binds)
    encoders = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in parameters
    )
    decoders = tuple(
        (index, decode)
        for index, column in enumerate(statement.selected_columns)
        if (decode := column.type.dialect_impl(dialect).result_processor(dialect, None))
    )
    fixed = dict(compiled.params)
    return _PreparedPage(compiled.string, parameters, positional, encoders, decoders, fixed)


# A page as the API's JSON, on PostgreSQL: the fields of the vendor's SmartlockLog schema, in
# its order, those without a value left out, the date as the vendor writes it (as
# api/log_views.py writes them from rows; tests/store/test_log_pages.py holds the two equal).
_OPENER_LOG_FIELDS = (
    "activeCm",
    "activeRto",
    "source",
    "flagGeoFence",
    "flagForce",
    "flagDoorbellSuppression",
)
_OPENER_LOG = ", ".join(f"'{name}', page.opener_log->'{name}'" for name in _OPENER_LOG_FIELDS)
_DOCUMENT = f"""json_strip_nulls(json_build_object(
    'id', page.id,
    'smartlockId', page.smartlock_id,
    'deviceType', page.device_type,
    'accountUserId', page.account_user_id,
    'authId', page.auth_id,
    'name', page.name,
    'action', page.action,
    'trigger', page.trigger,
    'state', page.state,
    'autoUnlock', page.auto_unlock,
    'date', to_char(page.date, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'openerLog', CASE json_typeof(page.opener_log) WHEN 'object'
        THEN json_build_object({_OPENER_LOG}) END,
    'ajarTimeout', page.ajar_timeout,
    'source', page.source,
    'error', page.error
))::text"""
_JSON_PAGE = (
    "SELECT coalesce('[' || string_agg({document}, ',' ORDER BY page.date DESC, page.seq DESC)"
    " || ']', '[]') FROM ({page}) AS page"
)
_JSON_PAGES: dict[_PageShape, _PreparedPage] = {}


def _prepare_json(dialect: Dialect, shape: _PageShape) -> _PreparedPage:
    # The page's rows with their seq, for the aggregate's order (a subquery's is not kept).
    rows = _compiled(dialect, _shaped_statement(shape).add_columns(smartlock_logs.c.seq))
    sql = _JSON_PAGE.format(document=_DOCUMENT, page=rows.sql)
    prepared = replace(rows, sql=sql, decoders=())
    _JSON_PAGES[shape] = prepared
    return prepared


def _shaped_statement(shape: _PageShape) -> Select[Any]:
    """``page_statement`` with a placeholder for each value (named as in query_rows)."""
    table = smartlock_logs
    present = shape.present
    equal = ("smartlock_id", "action", "account_user_id", "auth_id")
    filters = tuple(column for column in LOG_FILTERS[shape.owner] if column in present)
    statement = select(*_ENTRY_COLUMNS).where(
        table.c.account_id == bindparam("account_id"),
        *(table.c[column] == bindparam(column) for column in equal if column in present),
        log_index_rows(shape.owner, filters),
    )
    date = table.c.date
    if "from_date" in present:
        statement = statement.where(date >= bindparam("from_date", type_=date.type))
    if "to_date" in present:
        statement = statement.where(date <= bindparam("to_date", type_=date.type))
    if "cursor_date" in present:
        position = tuple_(
            bindparam("cursor_date", type_=date.type),
            bindparam("cursor_seq", type_=table.c.seq.type),
        )
        statement = statement.where(tuple_(date, table.c.seq) < position)
    ordered = statement.order_by(date.desc(), table.c.seq.desc())
    return ordered.limit(bindparam("limit", type_=table.c.seq.type))
