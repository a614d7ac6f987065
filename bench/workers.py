"""Benchmark ``nukiweb serve --workers N``: the same endpoints served by 1 and by more worker
processes, against the bare ASGI endpoint (one process), in one run.

Usage: .venv/bin/python bench/workers.py [--workers 1 2] [--duration 10] [--connections 64]
                                          [--threads 1] [--repeat 2] [--warmup 2]
                                          [--database-url postgresql://…] [--json]

One store (a SQLite file in a temp dir, or a scratch database on the PostgreSQL server
``--database-url`` names, dropped after the run) is seeded as bench/run.py seeds it. Then the
bare endpoint and one ``nukiweb serve --workers N`` per N run side by side on free 127.0.0.1
ports, all on that store, and wrk loads each target in turn, alternating, ``--repeat`` times.
The report gives each target's median requests/sec, its ratio to the bare endpoint and, for
N > 1, its gain over 1 worker. wrk needs a core of its own: on a machine with two cores, two
workers share the other with wrk. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from run import (
    HOST,
    INSTANT_DEVICES,
    START_TIMEOUT_S,
    BenchError,
    Settings,
    WrkResult,
    auth_headers,
    bare_command,
    bounded_int,
    check_ok,
    free_port,
    log_tail,
    nukiweb_command,
    run_wrk,
    scratch_store,
    seed,
    serving,
    wait_ready,
)

MAX_WORKERS = 8
PATHS = ("/account", "/smartlock")
STARTED = "Application startup complete."  # what uvicorn logs once per worker that serves


@dataclass(frozen=True)
class Target:
    name: str
    workers: int  # 0: the bare endpoint
    path: str


@dataclass(frozen=True)
class Result:
    name: str
    workers: int
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio_pct: float  # of the bare endpoint's requests/sec
    gain: float | None  # over the same path with 1 worker


def parse_args(argv: Sequence[str] | None) -> tuple[Settings, list[int]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=bounded_int(1, MAX_WORKERS), nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=bounded_int(1, 300), default=10)
    parser.add_argument("--connections", type=bounded_int(1, 10_000), default=64)
    parser.add_argument("--threads", type=bounded_int(1, 64), default=1)
    parser.add_argument("--repeat", type=bounded_int(1, 20), default=2)
    parser.add_argument("--warmup", type=bounded_int(0, 60), default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = Settings(
        duration=args.duration,
        connections=args.connections,
        threads=args.threads,
        repeat=args.repeat,
        warmup=args.warmup,
        round_trips=0,
        json=args.json,
        database_url=args.database_url,
    )
    return settings, sorted(set(args.workers))


def serve_command(port: int, database_url: str, workers: int, data_dir: Path) -> list[str]:
    return [
        *nukiweb_command(), "serve", "--host", HOST, "--port", str(port),
        "--database-url", database_url, "--data-dir", str(data_dir), "--no-access-log",
        "--workers", str(workers), *INSTANT_DEVICES,
    ]  # fmt: skip


def wait_workers(log_path: Path, workers: int) -> None:
    """Until every worker has started: the first answer may come from the first worker up."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while log_path.read_text(errors="replace").count(STARTED) < workers:
        if time.monotonic() > deadline:
            raise BenchError(f"{workers} workers did not start:\n{log_tail(log_path)}")
        time.sleep(0.2)


def measure(settings: Settings, counts: list[int], console: Console) -> list[Result]:
    targets = [Target("bare ASGI", 0, "/")] + [
        Target(f"{n} worker{'s' if n > 1 else ''} GET {path}", n, path)
        for n in counts
        for path in PATHS
    ]
    runs: dict[Target, list[WrkResult]] = {target: [] for target in targets}
    with tempfile.TemporaryDirectory(prefix="nukiweb-bench-") as tmp, ExitStack() as stack:
        directory = Path(tmp)
        database_url = stack.enter_context(scratch_store(settings.database_url, directory))
        console.print("Creating the bench account, its devices and a token…")
        token, _devices = seed(database_url, directory)
        headers = auth_headers(authenticated=True, token=token)
        bases: dict[int, str] = {}
        for workers in [0, *counts]:
            port = free_port()
            log_path = directory / f"serve-{workers}.log"
            argv = (
                bare_command(port)
                if workers == 0
                else serve_command(port, database_url, workers, directory)
            )
            console.print(f"Starting {'bare ASGI' if workers == 0 else f'{workers} worker(s)'}…")
            process = stack.enter_context(serving(argv, log_path))
            bases[workers] = f"http://{HOST}:{port}"
            probe = "/" if workers == 0 else "/account"
            wait_ready(process, bases[workers] + probe, headers, log_path)
            if workers:
                wait_workers(log_path, workers)
        urls = {target: bases[target.workers] + target.path for target in targets}
        for target in targets:
            check_ok(urls[target], httpx.get(urls[target], headers=headers, timeout=5.0))
        if settings.warmup:
            console.print(f"Warming up each target for {settings.warmup}s…")
            for target in targets:
                run_wrk(urls[target], headers, settings, settings.warmup)
        for round_number in range(1, settings.repeat + 1):
            for target in targets:
                console.print(f"[{round_number}/{settings.repeat}] {target.name}…")
                runs[target].append(run_wrk(urls[target], headers, settings, settings.duration))
    return summarise(targets, runs)


def summarise(targets: list[Target], runs: dict[Target, list[WrkResult]]) -> list[Result]:
    rps = {target: statistics.median(r.rps for r in runs[target]) for target in targets}
    bare = rps[targets[0]]
    one = {target.path: rps[target] for target in targets if target.workers == 1}
    return [
        Result(
            name=target.name,
            workers=target.workers,
            path=target.path,
            rps=rps[target],
            p50_ms=statistics.median(r.p50_ms for r in runs[target]),
            p99_ms=statistics.median(r.p99_ms for r in runs[target]),
            errors=sum(r.non_2xx + r.socket_errors for r in runs[target]),
            ratio_pct=100.0 * rps[target] / bare if bare else 0.0,
            gain=rps[target] / one[target.path]
            if target.workers > 1 and one.get(target.path)
            else None,
        )
        for target in targets
    ]


def report(results: list[Result], settings: Settings, console: Console) -> None:
    store = "PostgreSQL" if settings.database_url else "SQLite"
    table = Table(
        title=f"wrk -t{settings.threads} -c{settings.connections} -d{settings.duration}s, "
        f"median of {settings.repeat}, {store}"
    )
    for column in ("target", "req/s", "p50 ms", "p99 ms", "errors", "vs bare", "vs 1 worker"):
        table.add_column(
            column, justify="left" if column == "target" else "right", no_wrap=column == "target"
        )
    for result in results:
        table.add_row(
            result.name,
            f"{result.rps:,.0f}",
            f"{result.p50_ms:.2f}",
            f"{result.p99_ms:.2f}",
            str(result.errors),
            f"{result.ratio_pct:.1f}%",
            "" if result.gain is None else f"x{result.gain:.2f}",
        )
    console.print(table)


def main(argv: Sequence[str] | None = None) -> int:
    settings, counts = parse_args(argv)
    console = Console(stderr=settings.json)
    try:
        results = measure(settings, counts, console)
    except BenchError as error:
        console.print(f"[red]bench failed:[/red] {error}")
        return 1
    if settings.json:
        print(json.dumps([asdict(result) for result in results], indent=2))
    else:
        report(results, settings, console)
    return 0 if all(result.errors == 0 for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
