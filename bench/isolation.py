"""Benchmark isolation: does GET /account keep its pace while clients loop the costliest
activity-log queries, and does nukiweb answer everything at 128 connections?

Usage: .venv/bin/python bench/isolation.py [--database-url URL] [--rows 1000000]
                                            [--duration 10] [--repeat 2] [--warmup 2]
                                            [--connections 32] [--log-clients 4]
                                            [--crowd 128] [--keep] [--json]

A scratch database (a SQLite file by default, or one on the PostgreSQL server of a
``postgresql://`` URL) is migrated and seeded with ``--rows`` log entries by bench/logs_seed.py.
``nukiweb serve`` runs on it, and a bare ASGI app beside it as the machine's yardstick. In
turn, ``--repeat`` times: ``GET /account`` alone (wrk, ``--connections``), then again while
``--log-clients`` connections loop two log pages (the account's log and a device's, every
filter that costs, a cursor). Goals: loaded req/s at least 70 % of solo, loaded p99 at most
3 times solo. Then ``--crowd`` connections on ``GET /account``, then on the account's log
page, then on both at once: no errors (wrk's timeout is 10 s), no deadlock of the connection
pool. See bench/README.md (Isolation).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from logs_cases import (
    Subject,
    http_params,
    in_process,
    names,
    scenarios,
    subject_query,
    subjects,
)
from logs_seed import scratch_database, seed
from rich.console import Console
from rich.table import Table
from run import (
    HOST,
    SOCKET_ERRORS_RE,
    WRK_GRACE_S,
    BenchError,
    WrkResult,
    bare_command,
    bounded_int,
    free_port,
    nukiweb_serve_command,
    parse_wrk,
    serving,
    wait_ready,
)

from nukiweb.services import api_keys
from nukiweb.services.context import ServiceContext
from nukiweb.store.database import Database

RATIO_GOAL_PCT = 70.0  # GET /account loaded keeps at least this share of its solo req/s
P99_GOAL_FACTOR = 3.0  # and its loaded p99 is at most this many times its solo p99
SCRATCH_PREFIX = "nukiweb_bench_isolation"
# The costliest pages (bench/README.md, Activity log): every filter, a cursor one page deep.
ACCOUNT_SCENARIO = "log action=lock user=common from=60d to=30d id=page2"
DEVICE_SCENARIO = "device log action=lock user=common auth=common from=60d to=30d id=page2"
LOAD_LEAD_S = 1  # the log clients start this long before GET /account is measured
# wrk counts a request unanswered after its --timeout (2 s by default) as an error and drops
# it; in a crowd a log page may wait its turn longer than that and still be answered.
CROWD_TIMEOUT_S = 10


@dataclass(frozen=True)
class Options:
    database_url: str
    rows: int
    duration: int
    repeat: int
    warmup: int
    connections: int
    log_clients: int
    crowd: int
    keep: bool
    json: bool


@dataclass
class Result:
    crowd: int  # connections of each crowd run
    bare: list[WrkResult] = field(default_factory=list)
    solo: list[WrkResult] = field(default_factory=list)
    loaded: list[WrkResult] = field(default_factory=list)
    log_load: list[list[WrkResult]] = field(default_factory=list)  # per round, per log page
    crowd_account: WrkResult | None = None
    crowd_log: WrkResult | None = None
    crowd_both: tuple[WrkResult, WrkResult] | None = None  # (GET /account, log page) at once
    notes: list[str] = field(default_factory=list)  # wrk's socket errors by kind

    def goals(self) -> dict[str, bool]:
        solo, loaded = median(self.solo), median(self.loaded)
        alone = (self.crowd_account, self.crowd_log)
        return {
            f"loaded req/s >= {RATIO_GOAL_PCT:g}% of solo": 100 * loaded[0]
            >= RATIO_GOAL_PCT * solo[0],
            f"loaded p99 <= {P99_GOAL_FACTOR:g}x solo": loaded[1] <= P99_GOAL_FACTOR * solo[1],
            "log load without errors": all(errors(r) == 0 for runs in self.log_load for r in runs),
            f"c{self.crowd} on each alone: answers, no errors": all(
                r is not None and errors(r) == 0 and r.rps > 0 for r in alone
            ),
            # At once, GET /account must go on; the log pages wait their turn (README).
            f"c{self.crowd} on both at once: no errors": self.crowd_both is not None
            and all(errors(r) == 0 for r in self.crowd_both),
        }


def errors(result: WrkResult) -> int:
    return result.non_2xx + result.socket_errors


def median(results: list[WrkResult]) -> tuple[float, float]:
    """(req/s, p99 ms), the median of each over the runs."""
    return (
        statistics.median(r.rps for r in results),
        statistics.median(r.p99_ms for r in results),
    )


@dataclass(frozen=True)
class Load:
    """One wrk run: GET ``url`` on ``connections`` connections for ``seconds``."""

    url: str
    connections: int
    seconds: int
    timeout_s: int = 2  # wrk's default


def run_wrk(load: Load, headers: dict[str, str], notes: list[str]) -> WrkResult:
    """wrk's figures; its socket errors by kind, if it had any, added to ``notes``."""
    argv = ["wrk", "-t1", f"-c{load.connections}", f"-d{load.seconds}s", "--latency"]
    argv += [f"--timeout={load.timeout_s}s"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(load.url)
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=load.seconds + load.timeout_s + WRK_GRACE_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk against {load.url} did not finish") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk against {load.url} failed: {done.stderr.strip() or done.stdout}")
    kinds = SOCKET_ERRORS_RE.search(done.stdout)
    if kinds is not None:
        notes.append(f"-c{load.connections} {load.url}: {kinds.group(0)}")
    return parse_wrk(done.stdout)


def log_paths(ctx: ServiceContext) -> tuple[int, dict[str, str]]:
    """The account the log pages are asked for (the one with the most entries), and the path
    with query of each page, by name."""
    accounts, devices, dates = subjects(ctx)
    account = max(accounts, key=_entries)
    device = max((d for d in devices if d.account_id == account.account_id), key=_entries)
    by_name = names(scenarios())
    run = in_process(ctx)
    paths = {}
    pages = (
        ("account's log", ACCOUNT_SCENARIO, account),
        ("device's log", DEVICE_SCENARIO, device),
    )
    for name, scenario, subject in pages:
        query = subject_query(by_name[scenario], subject, run, dates)
        path = "/smartlock/log"
        if query.smartlock_id is not None:
            path = f"/smartlock/{query.smartlock_id}/log"
        paths[name] = f"{path}?{urlencode(http_params(query))}"
    return account.account_id, paths


def _entries(subject: Subject) -> int:
    return sum(subject.auths.values())


def measure(options: Options, console: Console) -> tuple[Result, dict[str, str]]:
    result = Result(options.crowd)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nukiweb-iso-")))
        url, seeded = stack.enter_context(
            scratch_database(
                options.database_url, options.rows, keep=options.keep, prefix=SCRATCH_PREFIX
            )
        )
        database = Database(url)
        try:
            database.upgrade()
            ctx = ServiceContext(database)
            if not seeded:
                console.log(f"seeding {options.rows:,} log entries into {url}")
                seed(ctx, options.rows, console)
            account_id, paths = log_paths(ctx)
            _, token = api_keys.issue_token_for_account(ctx, account_id, "bench isolation")
        finally:
            database.dispose()
        headers = {"Authorization": f"Bearer {token}"}
        bases = start_servers(stack, tmp, url, headers, console)
        account_url = f"{bases['nukiweb']}/account"
        log_urls = [f"{bases['nukiweb']}{path}" for path in paths.values()]
        bare = Load(f"{bases['bare']}/", options.connections, options.duration)
        alone = Load(account_url, options.connections, options.duration)
        notes = result.notes
        if options.warmup:
            console.log(f"warming up for {options.warmup}s a target")
            for target in (bare.url, account_url, *log_urls):
                run_wrk(Load(target, options.connections, options.warmup), headers, notes)
        for round_ in range(1, options.repeat + 1):
            console.log(f"round {round_}/{options.repeat}: bare ASGI, GET /account alone")
            result.bare.append(run_wrk(bare, {}, notes))
            result.solo.append(run_wrk(alone, headers, notes))
            console.log(f"round {round_}: GET /account while {options.log_clients} clients loop")
            # The log clients start a moment before GET /account is measured, end a moment after.
            per_page = max(1, options.log_clients // len(log_urls))
            seconds = options.duration + 2 * LOAD_LEAD_S
            with ThreadPoolExecutor(len(log_urls)) as pool:
                logs = [
                    pool.submit(run_wrk, Load(log_url, per_page, seconds), headers, notes)
                    for log_url in log_urls
                ]
                time.sleep(LOAD_LEAD_S)
                result.loaded.append(run_wrk(alone, headers, notes))
                result.log_load.append([future.result() for future in logs])
        crowd = (
            Load(account_url, options.crowd, options.duration, CROWD_TIMEOUT_S),
            Load(log_urls[0], options.crowd, options.duration, CROWD_TIMEOUT_S),
        )
        console.log(f"{options.crowd} connections on GET /account, then on a log page")
        result.crowd_account, result.crowd_log = (run_wrk(load, headers, notes) for load in crowd)
        console.log(f"{options.crowd} connections on each at once")
        with ThreadPoolExecutor(len(crowd)) as pool:
            on_account, on_log = (pool.submit(run_wrk, load, headers, notes) for load in crowd)
            result.crowd_both = (on_account.result(), on_log.result())
    return result, paths


def start_servers(
    stack: ExitStack, tmp: Path, url: str, headers: dict[str, str], console: Console
) -> dict[str, str]:
    ports = {"bare": free_port(), "nukiweb": free_port()}
    commands = {
        "bare": bare_command(ports["bare"]),
        "nukiweb": [*nukiweb_serve_command(ports["nukiweb"], url), "--data-dir", str(tmp)],
    }
    probes = {"bare": "/", "nukiweb": "/account"}
    bases = {}
    for key, argv in commands.items():
        console.log(f"starting {key} on {HOST}:{ports[key]}")
        log_path = tmp / f"{key}.log"
        process = stack.enter_context(serving(argv, log_path))
        bases[key] = f"http://{HOST}:{ports[key]}"
        wait_ready(process, bases[key] + probes[key], headers, log_path)
    return bases


# --- report ------------------------------------------------------------------------------


def print_report(result: Result, paths: dict[str, str], options: Options) -> None:
    console = Console()
    bare_rps = statistics.median(r.rps for r in result.bare)
    table = Table(
        title=f"GET /account, wrk -c{options.connections} -d{options.duration}s, median of "
        f"{options.repeat} (log load: {options.log_clients} connections over the two pages)"
    )
    for column in ("", "req/s", "% of bare", "p50 ms", "p99 ms", "errors"):
        table.add_column(column, justify="right" if column else "left")

    def row(name: str, runs: list[WrkResult]) -> None:
        rps, p99 = median(runs)
        p50 = statistics.median(r.p50_ms for r in runs)
        total = sum(errors(r) for r in runs)
        table.add_row(
            name,
            f"{rps:,.0f}",
            f"{100 * rps / bare_rps:.1f}",
            f"{p50:.2f}",
            f"{p99:.2f}",
            str(total),
        )

    row("bare ASGI", result.bare)
    row("GET /account alone", result.solo)
    row("GET /account, log load", result.loaded)
    for index, name in enumerate(paths):
        row(f"  {name}", [runs[index] for runs in result.log_load])
    crowds = [("GET /account", result.crowd_account), ("account's log", result.crowd_log)]
    if result.crowd_both is not None:
        crowds += [("at once: GET /account", result.crowd_both[0])]
        crowds += [("at once: account's log", result.crowd_both[1])]
    for name, crowd in crowds:
        if crowd is not None:
            row(f"c{options.crowd} {name}", [crowd])
    console.print(table)
    solo, loaded = median(result.solo), median(result.loaded)
    console.print(
        f"loaded / solo: req/s {100 * loaded[0] / solo[0]:.0f} %, p99 {loaded[1] / solo[1]:.2f}x"
    )
    for goal, holds in result.goals().items():
        console.print(f"{goal}: {'holds' if holds else 'MISSED'}")
    for name, path in paths.items():
        console.print(f"{name}: GET {path}")
    for note in result.notes:
        console.print(note)


def as_json(result: Result, paths: dict[str, str], options: Options) -> str:
    return json.dumps(
        {
            "options": asdict(options),
            "paths": paths,
            "runs": {
                "bare": [asdict(r) for r in result.bare],
                "solo": [asdict(r) for r in result.solo],
                "loaded": [asdict(r) for r in result.loaded],
                "log_load": [[asdict(r) for r in runs] for runs in result.log_load],
                "crowd_account": result.crowd_account and asdict(result.crowd_account),
                "crowd_log": result.crowd_log and asdict(result.crowd_log),
                "crowd_both": result.crowd_both and [asdict(r) for r in result.crowd_both],
            },
            "socket_errors": result.notes,
            "goals": result.goals(),
        },
        indent=2,
    )


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default_url = f"sqlite:///{Path(tempfile.gettempdir()) / 'nukiweb-isolation.db'}"
    parser.add_argument(
        "--database-url",
        default=default_url,
        help="sqlite:///FILE (FILE-<rows>.db is used) or a PostgreSQL server, where the "
        f"database {SCRATCH_PREFIX}_<rows> is made (default {default_url})",
    )
    parser.add_argument("--rows", type=bounded_int(1000, 100_000_000), default=1_000_000)
    parser.add_argument("--duration", type=bounded_int(1, 300), default=10)
    parser.add_argument("--repeat", type=bounded_int(1, 20), default=2)
    parser.add_argument("--warmup", type=bounded_int(0, 300), default=2)
    parser.add_argument("--connections", type=bounded_int(1, 1000), default=32)
    parser.add_argument("--log-clients", type=bounded_int(2, 1000), default=4)
    parser.add_argument("--crowd", type=bounded_int(1, 10_000), default=128)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    return Options(
        args.database_url,
        args.rows,
        args.duration,
        args.repeat,
        args.warmup,
        args.connections,
        args.log_clients,
        args.crowd,
        args.keep,
        args.json,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    console = Console(stderr=True)
    try:
        result, paths = measure(options, console)
    except BenchError as exc:
        console.print(f"[red]isolation bench failed:[/red] {exc}")
        return 1
    if options.json:
        print(as_json(result, paths, options))
    else:
        print_report(result, paths, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
