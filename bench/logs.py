"""Benchmark the activity log: every filter combination of ``GET /smartlock/log`` and
``GET /smartlock/{id}/log`` at ``limit=50``, on logs of 100k, 1M and 10M entries.

Usage: .venv/bin/python bench/logs.py [--database-url URL] [--sizes 100000,1000000,10000000]
                                       [--samples 30] [--http-samples 30] [--keep] [--json]

For each size, a scratch database (PostgreSQL by default, or SQLite with a sqlite:/// URL) is
migrated and seeded (bench/logs_seed.py); every combination (bench/logs_cases.py) is timed
through nukiweb's own use case (services.smartlock_logs.list_entries), and a few over HTTP
against ``nukiweb serve``; the plan of every combination for every account or device is read
(EXPLAIN); and writing one entry is timed. The goal: p99 <= 20 ms at every size, no sort, and
flat from the smallest size to the largest. ``--keep`` keeps the scratch databases, and the
next run measures them again without seeding them. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
from logs_cases import (
    LIMIT,
    Dates,
    Subject,
    Timing,
    in_process,
    names,
    over_http,
    plan_scenario,
    scenarios,
    subjects,
    time_scenario,
)
from logs_seed import (
    DEFAULT_DATABASE_URL,
    build_indexes,
    database_size,
    scratch_database,
    seed,
)
from rich.console import Console
from rich.table import Table
from run import HOST, BenchError, bounded_int, free_port, log_tail, nukiweb_command, percentile
from run import serving as serving_process
from sqlalchemy import delete
from sqlalchemy.exc import ArgumentError

from nukiweb.domain.smartlocks import LogEntry
from nukiweb.secrets import new_object_id
from nukiweb.services import api_keys
from nukiweb.services.context import ServiceContext
from nukiweb.store import logs as log_store
from nukiweb.store.database import Database, normalise_url
from nukiweb.store.schema import smartlock_logs as log_table

GOAL_MS = 20.0  # p99 of a page at every size
# Flat (PostgreSQL): no plan read more entries than it answered at the largest size beyond
# FLAT_SLACK_ROWS more than at the smallest. (SQLite: every page one range of an index.)
FLAT_SLACK_ROWS = 10
WRITES = 200  # entries written one by one, each in its own transaction, then removed
START_TIMEOUT_S = 120.0  # `nukiweb serve` from spawn to its first answer (it migrates first)
DEFAULT_SIZES = (100_000, 1_000_000, 10_000_000)
MIN_ROWS = 1000
# Over HTTP as well: the plain page, a date bound, rare values, everything at once.
HTTP_SCENARIOS = (
    "log",
    "log to=30d",
    "log action=rare",
    "log user=none",
    "device log",
    "device log action=lock user=common auth=common from=60d to=30d id=page2",
)


@dataclass(frozen=True)
class Settings:
    database_url: str
    sizes: tuple[int, ...]
    samples: int
    http_samples: int
    keep: bool
    json: bool


# --- one size ----------------------------------------------------------------------------


@dataclass
class SizeResult:
    rows: int
    disk: str
    seconds_to_seed: float | None  # None: an earlier run's database, measured again
    timings: dict[str, Timing]  # by scenario name; "HTTP …" for those over HTTP
    writes: Timing | None = None


def measure_size(settings: Settings, rows: int, console: Console) -> SizeResult:
    with scratch_database(settings.database_url, rows, keep=settings.keep) as (url, seeded):
        database = Database(url)
        try:
            database.upgrade()
            ctx = ServiceContext(database)
            seconds = None
            if seeded:
                console.log(f"{rows:,} rows: measuring the kept database again")
                with database.engine.connect() as conn:
                    build_indexes(conn, database.is_postgresql, console)
            else:
                console.log(f"{rows:,} rows: seeding {url}")
                started = time.perf_counter()
                seed(ctx, rows, console)
                seconds = time.perf_counter() - started
            result = SizeResult(rows, database_size(database), seconds, {})
            accounts, devices, dates = subjects(ctx)
            run = in_process(ctx)
            for scenario in scenarios():
                targets = devices if scenario.device else accounts
                timing = time_scenario(scenario, targets, settings.samples, run, dates)
                timing.plan = plan_scenario(ctx, scenario, targets, run, dates)
                result.timings[scenario.name] = timing
                console.log(f"{rows:,} {scenario.name}: {timing.summary()}")
            result.writes = time_writes(ctx, devices, dates)
            if settings.http_samples:
                result.timings |= measure_http(
                    ctx, url, accounts, devices, dates, settings, console
                )
            return result
        finally:
            database.dispose()


def time_writes(ctx: ServiceContext, devices: list[Subject], dates: Dates) -> Timing:
    """WRITES entries, each in its own transaction as a device report writes it, to the
    devices in turn and dated after every other; removed again afterwards."""
    timing = Timing([], 0)
    written: list[str] = []
    try:
        for number in range(WRITES):
            device = devices[number % len(devices)]
            assert device.smartlock_id is not None
            entry = LogEntry(
                id=new_object_id(),
                account_id=device.account_id,
                smartlock_id=device.smartlock_id,
                device_type=0,
                name="Bench",
                action=1 + number % 2,
                trigger=0,
                state=0,
                date=dates.last + timedelta(seconds=number + 1),
                account_user_id=max(device.users, key=device.users.__getitem__),
                auth_id=max(device.auths, key=device.auths.__getitem__)[0],
            )
            before = time.perf_counter()
            with ctx.db.transaction() as conn:
                log_store.insert_entry(conn, entry)
            timing.samples_ms.append((time.perf_counter() - before) * 1000)
            written.append(entry.id)
    finally:
        with ctx.db.transaction() as conn:
            conn.execute(delete(log_table).where(log_table.c.id.in_(written)))
    timing.rows = len(written)
    return timing


def measure_http(
    ctx: ServiceContext,
    url: str,
    accounts: list[Subject],
    devices: list[Subject],
    dates: Dates,
    settings: Settings,
    console: Console,
) -> dict[str, Timing]:
    tokens = {
        subject.account_id: api_keys.issue_token_for_account(ctx, subject.account_id, "bench")[1]
        for subject in accounts
    }
    by_name = names(scenarios())
    port = free_port()
    base = f"http://{HOST}:{port}"
    command = [*nukiweb_command(), "serve", "--host", HOST, "--port", str(port)]
    timings: dict[str, Timing] = {}
    with ExitStack() as stack:
        directory = Path(stack.enter_context(TemporaryDirectory()))
        log_path = directory / "serve.log"
        argv = [*command, "--database-url", url, "--data-dir", str(directory), "--no-access-log"]
        process = stack.enter_context(serving_process(argv, log_path))
        client = stack.enter_context(httpx.Client(base_url=base, timeout=30))
        _wait_until_up(client, process.poll, log_path)
        run = over_http(client, tokens)
        for name in HTTP_SCENARIOS:
            scenario = by_name[name]
            targets = devices if scenario.device else accounts
            timing = time_scenario(scenario, targets, settings.http_samples, run, dates)
            timings[f"HTTP {name}"] = timing
            console.log(f"HTTP {name}: {timing.summary()}")
    return timings


def _wait_until_up(client: httpx.Client, exited: Callable[[], int | None], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if exited() is not None:
            raise BenchError(f"nukiweb serve exited:\n{log_tail(log_path)}")
        try:
            client.get("/smartlock/log")
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    raise BenchError(f"nukiweb serve did not answer in {START_TIMEOUT_S:.0f}s")


# --- report ------------------------------------------------------------------------------


def verdict(timings: Sequence[Timing]) -> tuple[bool, bool]:
    """(p99 within the goal at every size, flat: no sort at any size and no growth from the
    smallest size to the largest, see FLAT_FACTOR)."""
    within = all(percentile(t.samples_ms, 99) <= GOAL_MS for t in timings)
    plans = [t.plan for t in timings]
    if any(plan is None for plan in plans):
        return within, True  # over HTTP: the same query as in process
    if any(plan.sorts for plan in plans if plan is not None):
        return within, False
    first, last = plans[0], plans[-1]
    assert first is not None
    assert last is not None
    if first.unanswered is not None and last.unanswered is not None:
        return within, last.unanswered <= first.unanswered + FLAT_SLACK_ROWS
    return within, all(plan.one_range for plan in plans if plan is not None)


def print_table(results: list[SizeResult], console: Console) -> None:
    table = Table(
        title=f"a page of {LIMIT}: p50 / p99 ms, in process unless marked HTTP; 'sort' if a plan "
        "sorted; +N: the most entries a plan read and did not answer (PostgreSQL); 'filter': "
        "a plan filtered beyond an index range (SQLite)"
    )
    table.add_column("combination", no_wrap=True)
    for result in results:
        table.add_column(f"{result.rows:,} rows", justify="right")
    table.add_column("goal")
    missed = 0
    for name in results[0].timings:
        timings = [result.timings[name] for result in results]
        within, flat = verdict(timings)
        missed += not (within and flat)
        cells = [_cell(t) for t in timings]
        goal = (
            "held"
            if within and flat
            else "MISSED" + ("" if within else " >20ms") + ("" if flat else " grows")
        )
        table.add_row(name, *cells, goal)
    console.print(table)
    for result in results:
        seeded = (
            "kept from an earlier run"
            if result.seconds_to_seed is None
            else f"seeded in {result.seconds_to_seed:.0f} s"
        )
        writes = ""
        if result.writes is not None:
            p50, p99 = (percentile(result.writes.samples_ms, p) for p in (50, 99))
            writes = f"; writing one entry: p50 {p50:.2f} ms, p99 {p99:.2f} ms"
        console.print(f"{result.rows:,} rows: {result.disk} on disk, {seeded}{writes}")
    console.print(
        f"goal: p99 <= {GOAL_MS:g} ms at every size, no sort, and +N at the largest size at "
        f"most {FLAT_SLACK_ROWS} more than at the smallest (SQLite: no 'filter'): "
        f"{len(results[0].timings) - missed} held, {missed} missed"
    )


def _cell(timing: Timing) -> str:
    times = f"{percentile(timing.samples_ms, 50):.2f} / {percentile(timing.samples_ms, 99):.2f}"
    plan = timing.plan
    if plan is None:
        return times
    sort = " sort" if plan.sorts else ""
    if plan.unanswered is not None:
        return f"{times}{sort} +{plan.unanswered:<4}"
    return times + sort + ("" if plan.one_range else " filter")


def as_json(results: list[SizeResult], settings: Settings) -> str:
    return json.dumps(
        {
            "settings": {**settings.__dict__, "database_url": settings.database_url},
            "sizes": [
                {
                    "rows": r.rows,
                    "disk": r.disk,
                    "seconds_to_seed": r.seconds_to_seed,
                    "timings": {name: t.summary() for name, t in r.timings.items()},
                    "writes": None if r.writes is None else r.writes.summary(),
                }
                for r in results
            ],
        },
        indent=2,
    )


# --- command line ------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description="Benchmark the activity log's filters.")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="a PostgreSQL server (scratch databases are made on it) or sqlite:///FILE "
        f"(FILE-ROWS.db beside it); default {DEFAULT_DATABASE_URL}",
    )
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in DEFAULT_SIZES),
        help="log rows, comma-separated, smallest first (default 100000,1000000,10000000)",
    )
    parser.add_argument(
        "--samples", type=bounded_int(3, 10_000), default=30, help="pages per combination (30)"
    )
    parser.add_argument(
        "--http-samples",
        type=bounded_int(0, 10_000),
        default=30,
        help="pages per combination over HTTP, 0 for none (30)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch databases for the next run"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    try:
        sizes = tuple(int(size) for size in args.sizes.split(","))
    except ValueError:
        parser.error("--sizes takes numbers separated by commas")
    if not sizes or any(size < MIN_ROWS for size in sizes) or list(sizes) != sorted(sizes):
        parser.error("--sizes: at least 1000 rows each, smallest first")
    try:
        normalise_url(args.database_url)
    except (ValueError, ArgumentError) as exc:
        parser.error(f"--database-url: {exc}")
    return Settings(args.database_url, sizes, args.samples, args.http_samples, args.keep, args.json)


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    progress = Console(stderr=True)
    try:
        results = [measure_size(settings, rows, progress) for rows in settings.sizes]
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if settings.json:
        print(as_json(results, settings))
    else:
        print_table(results, Console(width=160))
    return 0


if __name__ == "__main__":
    sys.exit(main())
