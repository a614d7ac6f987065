"""The activity logs that bench/logs.py measures: scratch databases seeded in bulk.

Accounts and devices are made through nukiweb's own services on a database that nukiweb's own
migrations made; the log rows are then written by one INSERT … SELECT per million rows over
``generate_series`` (PostgreSQL) or a recursive CTE (SQLite), with the table's indexes dropped
first and built again at the end, as a bulk load does. Every value is a deterministic function
of the row number, so every run seeds the same log.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from run import postgres_database
from sqlalchemy import Connection, create_engine, func, inspect, select, text

from nukiweb.domain.devices import DeviceType, device_kind
from nukiweb.services import accounts, smartlocks
from nukiweb.services.context import ServiceContext
from nukiweb.store.database import Database, normalise_url
from nukiweb.store.schema import smartlock_logs

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
ACCOUNTS = 5
# Each account's devices, by DeviceType: mostly 3.0/4th-gen locks, some older ones, two doors.
DEVICE_TYPES = (4, 4, 0, 4, 3, 4, 0, 4, 3, 4)
USERS_PER_ACCOUNT = 24  # account users; authorization j < 20 of a device belongs to one of them
AUTHS_PER_DEVICE = 30  # authorizations 20..29 of a device are keypad codes without a user
USER_AUTHS = 20
LOG_START = datetime(2025, 1, 1, tzinfo=UTC)
LOG_SPAN = timedelta(days=365)
BATCH_ROWS = 1_000_000
BENCH_PASSWORD = "benchpassword"  # noqa: S105 - throwaway accounts in a scratch database
SCRATCH_PREFIX = "nukiweb_bench_logs"

# Pseudo-random draws per row: (row * multiplier) mod 2^31-1, one multiplier per draw (full
# period multipliers of that modulus), so every attribute looks independent of the others.
MODULUS = 2_147_483_647
DRAWS = {"rd": 742_938_285, "ra": 950_706_376, "rt": 1_226_874_159, "rj": 1_343_714_438}
DRAWS_LATE = 630_360_016

# The share of each action, in basis points, cumulative: lock and unlock are most of the log,
# door sensor reports a good part, the rest is rare (a firmware update is 1 in 10,000).
ACTIONS_BP = ((4000, 1), (8000, 2), (8800, 240), (9600, 241), (9850, 3), (9950, 4), (9999, 5))
RARE_ACTION = 243  # the rest: firmware updates
ABSENT_ACTION = 224  # a doorbell ring: no seeded device has a bell, so no entry has it
MANUAL_PCT = 70  # of lock actions, this share names an authorization (the rest are automatic)
LATE_PER_MILLE = 20  # entries reported late (a bridge was offline): dated up to 3 days back
LATE_MAX_SECONDS = 3 * 24 * 3600


@dataclass(frozen=True)
class SeededDevice:
    index: int  # 0 .. ACCOUNTS * len(DEVICE_TYPES) - 1: the busiest devices come first
    account_id: int
    smartlock_id: int
    log_device_type: int


# --- scratch databases ------------------------------------------------------------------


@contextmanager
def scratch_database(
    server_url: str, rows: int, *, keep: bool, prefix: str = SCRATCH_PREFIX
) -> Iterator[tuple[str, bool]]:
    """A database for ``rows`` log rows: its URL, and whether it is already seeded (kept by an
    earlier run with ``keep``). Dropped at the end unless ``keep``. On PostgreSQL it is named
    ``<prefix>_<rows>``: each benchmark its own, so that one never drops another's."""
    url = normalise_url(server_url)
    if url.drivername == "sqlite":
        path = Path(url.database or "bench.db")
        scratch = path.with_name(f"{path.stem}-{rows}{path.suffix or '.db'}")
        seeded = scratch.exists() and _seeded_rows(f"sqlite:///{scratch}") == rows
        try:
            yield f"sqlite:///{scratch}", seeded
        finally:
            if not keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{scratch}{suffix}").unlink(missing_ok=True)
        return
    with postgres_database(url, f"{prefix}_{rows}", keep=keep) as (scratch_url, old):
        yield scratch_url, old and _seeded_rows(scratch_url) == rows


def _seeded_rows(url: str) -> int | None:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            count = conn.scalar(select(func.count()).select_from(smartlock_logs))
            return int(count or 0)
    except Exception:  # noqa: BLE001 - anything unusable is seeded again
        return None
    finally:
        engine.dispose()


def database_size(database: Database) -> str:
    """What the database takes on disk."""
    if database.is_postgresql:
        with database.engine.connect() as conn:
            size = conn.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        return str(size)
    path = Path(database.url.database or "")
    total = sum(p.stat().st_size for p in path.parent.glob(f"{path.name}*") if p.is_file())
    return f"{total / 2**20:.0f} MB"


# --- seeding ----------------------------------------------------------------------------


def seed(ctx: ServiceContext, rows: int, console: Console) -> None:
    """Accounts, devices, and ``rows`` log entries dated over a year, newest last."""
    devices = _make_devices(ctx)
    database = ctx.db
    with database.engine.connect() as conn:
        _device_table(conn, devices)
        for index in smartlock_logs.indexes:
            index.drop(conn)
        conn.commit()
        for first in range(1, rows + 1, BATCH_ROWS):
            last = min(first + BATCH_ROWS - 1, rows)
            conn.execute(text(_insert_sql(database.is_postgresql, rows)), {"lo": first, "hi": last})
            conn.commit()
            console.log(f"{last:,} of {rows:,} log rows")
        build_indexes(conn, database.is_postgresql, console)


def build_indexes(conn: Connection, postgresql: bool, console: Console) -> None:
    """The log table's indexes as the schema has them (missing or different ones built, others
    dropped), then fresh statistics on PostgreSQL. SQLite is left without statistics, as
    nukiweb leaves it."""
    if postgresql:
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
    dialect = conn.dialect.name
    wanted = {
        str(index.name): (index, _definition(index.expressions, index.dialect_options[dialect]))
        for index in smartlock_logs.indexes
    }
    present = {
        str(ix["name"]): _definition(ix["column_names"], ix.get("dialect_options", {}))
        for ix in inspect(conn).get_indexes(smartlock_logs.name)
        if str(ix["name"]).startswith(f"ix_{smartlock_logs.name}_")
    }
    for name, definition in present.items():
        if name not in wanted or wanted[name][1] != definition:
            conn.execute(text(f'DROP INDEX "{name}"'))
            console.log(f"dropped {name}")
    for name, (index, definition) in wanted.items():
        if present.get(name) != definition:
            index.create(conn)
            conn.commit()
            console.log(f"built {name}")
    if postgresql:
        conn.commit()
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"VACUUM ANALYZE {smartlock_logs.name}")
        )
    conn.commit()


def _definition(columns: Sequence[Any], options: Mapping[str, Any]) -> tuple[str, ...]:
    """An index's columns and WHERE, in words that reflection and the schema share."""
    where = next((str(value) for key, value in options.items() if key.endswith("where")), "")
    words = re.findall(r"\w+|<>|!=", where.replace("smartlock_logs.", ""))
    kept = ["!=" if word == "<>" else word for word in words if word.lower() != "integer"]
    return (*(getattr(c, "name", str(c)) for c in columns), "where", *kept)


def _make_devices(ctx: ServiceContext) -> list[SeededDevice]:
    made: list[SeededDevice] = []
    for account_number in range(ACCOUNTS):
        email = f"bench-logs-{account_number}-{uuid.uuid4().hex[:8]}@example.com"
        account = accounts.create_account(ctx, email, BENCH_PASSWORD, f"Bench {account_number}")
        for local, device_type in enumerate(DEVICE_TYPES):
            name = f"Door {account_number}.{local}"
            device = smartlocks.add_device(ctx, account.account_id, device_type, name)
            made.append(
                SeededDevice(
                    # Device index i takes a share of the log that falls with i; interleaved,
                    # each account has busy and quiet devices, the first one the most entries.
                    local * ACCOUNTS + account_number,
                    account.account_id,
                    device.smartlock_id,
                    device_kind(DeviceType(device_type)).log_device_type,
                )
            )
    return made


def _device_table(conn: Connection, devices: list[SeededDevice]) -> None:
    conn.execute(
        text(
            "CREATE TEMPORARY TABLE bench_devices (g INTEGER PRIMARY KEY, account_id INTEGER, "
            "smartlock_id BIGINT, device_type INTEGER, user_base INTEGER)"
        )
    )
    conn.execute(
        text("INSERT INTO bench_devices VALUES (:g, :a, :s, :t, :u)"),
        [
            {
                "g": d.index,
                "a": d.account_id,
                "s": d.smartlock_id,
                "t": d.log_device_type,
                "u": user_base(d.account_id),
            }
            for d in devices
        ],
    )


def user_base(account_id: int) -> int:
    """An account's users are accountUserIds user_base + 1 .. user_base + USERS_PER_ACCOUNT."""
    return account_id * 1000


def _dialect_parts(postgresql: bool) -> tuple[str, str, str, str]:
    """What the two databases write differently: the row numbers :lo to :hi, an entry's date
    (as SQLAlchemy stores it), its id, and an authorization's id."""
    if postgresql:
        return (
            "WITH series AS (SELECT generate_series(CAST(:lo AS BIGINT), :hi) AS i),",
            f"TIMESTAMP '{LOG_START:%Y-%m-%d %H:%M:%S}' + p.t * INTERVAL '1 second'",
            "lpad(to_hex(p.i), 16, '0') || lpad(to_hex(p.rd), 8, '0')",
            "lpad(to_hex(d.g), 12, '0') || lpad(to_hex(p.j), 12, '0')",
        )
    epoch = int(LOG_START.timestamp())
    following = "SELECT i + 1 FROM series WHERE i < :hi"
    return (
        f"WITH RECURSIVE series(i) AS (SELECT :lo UNION ALL {following}),",
        f"strftime('%Y-%m-%d %H:%M:%S', {epoch} + p.t, 'unixepoch') || '.000000'",
        "printf('%016x%08x', p.i, p.rd)",
        "printf('%012x%012x', d.g, p.j)",
    )


def _insert_sql(postgresql: bool, rows: int) -> str:
    devices = ACCOUNTS * len(DEVICE_TYPES)
    span = int(LOG_SPAN.total_seconds())
    with_series, date, log_id, auth_id = _dialect_parts(postgresql)
    draws = ", ".join(f"(i * {m}) % {MODULUS} AS {name}" for name, m in DRAWS.items())
    actions = " ".join(f"WHEN ra % 10000 < {bp} THEN {code}" for bp, code in ACTIONS_BP)
    manual = f"p.action <= 5 AND p.manual < {MANUAL_PCT}"
    # Skewed picks from uniform draws, in integer arithmetic that both databases share: the
    # device index as the square of a draw (device 0 ~14% of the log, the last ~1%), the
    # authorization as its cube (the first ~32% of a device's, the last ~1%).
    return f"""
{with_series}
draws AS (SELECT i, {draws}, (i * {DRAWS_LATE}) % {MODULUS} AS rl FROM series),
picks AS (
  SELECT i, rd,
    {devices} * (rd / 65536) * (rd / 65536) / 1073741824 AS g,
    CASE {actions} ELSE {RARE_ACTION} END AS action,
    rt % 100 AS manual,
    {AUTHS_PER_DEVICE} * (rj / 2097152) * (rj / 2097152) * (rj / 2097152) / 1073741824 AS j,
    (i - 1) * {span} / {rows}
      - CASE WHEN rl % 1000 < {LATE_PER_MILLE} THEN (rl / 1000) % {LATE_MAX_SECONDS} ELSE 0 END
      AS t
  FROM draws
)
INSERT INTO {smartlock_logs.name} (id, account_id, smartlock_id, device_type, account_user_id,
  auth_id, name, action, trigger, state, auto_unlock, date)
SELECT {log_id}, d.account_id, d.smartlock_id, d.device_type,
  CASE WHEN {manual} AND p.j < {USER_AUTHS}
    THEN d.user_base + (p.j * 7 + d.g) % {USERS_PER_ACCOUNT} + 1 END,
  CASE WHEN {manual} THEN {auth_id} END,
  CASE WHEN {manual} THEN 'Code ' || p.j ELSE 'Nuki' END,
  p.action,
  CASE WHEN {manual} THEN 0 ELSE 3 END,
  0, FALSE, {date}
FROM picks AS p JOIN bench_devices AS d ON d.g = p.g
"""  # noqa: S608 - every value in it is a constant of this module
