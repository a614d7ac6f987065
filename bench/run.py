"""Benchmark nukiweb against a bare ASGI endpoint served the same way, in one run.

Usage: .venv/bin/python bench/run.py [--duration 10] [--connections 32] [--threads 1]
                                      [--repeat 2] [--warmup 2] [--json]

Both servers run as subprocesses on free 127.0.0.1 ports, each is loaded by ``wrk`` in
turn (alternating, ``--repeat`` times), and the medians are compared. Absolute figures
depend on the machine; the ratio to the bare endpoint measured in the same run is what
is meant to hold. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # loopback only: the benchmark never listens on or talks to anything else

RATIO_GOAL_PCT = 10.0  # nukiweb req/s must be at least this share of the bare endpoint's
P99_GOAL_MS = 50.0  # and its p99 latency at most this

CLI_TIMEOUT_S = 60.0  # one admin command, migrations included
START_TIMEOUT_S = 60.0  # a server from spawn to its first 200
STOP_TIMEOUT_S = 10.0  # SIGTERM to exit, then again SIGKILL to exit
WRK_GRACE_S = 30.0  # on top of --duration: wrk's own start-up, drain and report
MAX_DURATION_S = 300  # keeps a typo from tying up the machine for hours
MAX_REPEAT = 20

BENCH_EMAIL = "bench@example.com"
BENCH_PASSWORD = "benchpassword"  # noqa: S105 - a throwaway account in a temp database


class BenchError(Exception):
    """Something the benchmark cannot go on from; the message says what."""


@dataclass(frozen=True)
class Target:
    """One endpoint loaded by wrk (always GET)."""

    name: str
    server: str  # key of the server it lives on: "bare" or "nukiweb"
    path: str
    authenticated: bool = False  # send the bench account's bearer token


BASELINE = Target("bare ASGI", "bare", "/")
# What is measured, in this order, each compared against BASELINE. One line per endpoint.
TARGETS: tuple[Target, ...] = (
    BASELINE,
    Target("nukiweb GET /account", "nukiweb", "/account", authenticated=True),
)


@dataclass(frozen=True)
class Settings:
    duration: int
    connections: int
    threads: int
    repeat: int
    warmup: int
    json: bool


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


@dataclass(frozen=True)
class Summary:
    target: Target
    runs: list[WrkResult]
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio_pct: float  # rps as a percentage of the baseline's rps


# --- command line ------------------------------------------------------------------------


def bounded_int(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description="Benchmark nukiweb against a bare ASGI app.")
    parser.add_argument(
        "--duration",
        type=bounded_int(1, MAX_DURATION_S),
        default=10,
        help="seconds per wrk run (default 10)",
    )
    parser.add_argument(
        "--connections",
        type=bounded_int(1, 10_000),
        default=32,
        help="wrk connections (default 32)",
    )
    parser.add_argument(
        "--threads", type=bounded_int(1, 64), default=1, help="wrk threads (default 1)"
    )
    parser.add_argument(
        "--repeat",
        type=bounded_int(1, MAX_REPEAT),
        default=2,
        help="wrk runs per target, alternating targets (default 2)",
    )
    parser.add_argument(
        "--warmup",
        type=bounded_int(0, MAX_DURATION_S),
        default=2,
        help="seconds of discarded load per target first, 0 for none (default 2)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads (wrk refuses otherwise)")
    return Settings(
        args.duration, args.connections, args.threads, args.repeat, args.warmup, args.json
    )


# --- servers -----------------------------------------------------------------------------


def free_port() -> int:
    # Let the kernel pick; the port is free again between close() and the server's bind,
    # a race that is harmless on a machine not busy opening loopback listeners.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def nukiweb_command() -> list[str]:
    # The console script of the interpreter running this file, so the venv's nukiweb is used
    # even when the venv is not activated.
    script = Path(sys.executable).with_name("nukiweb")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nukiweb"]


def bare_command(port: int) -> list[str]:
    # Same uvicorn settings as `nukiweb serve`: one process, loop/http "auto" (uvloop and
    # httptools when installed), no access log, log level info.
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bare_asgi:app",
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "info",
    ]


def nukiweb_serve_command(port: int, database_url: str) -> list[str]:
    return [
        *nukiweb_command(),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--database-url",
        database_url,
        "--no-access-log",
    ]


def run_cli(args: list[str]) -> str:
    argv = [*nukiweb_command(), *args]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`nukiweb {args[0]} {args[1]}` took over {CLI_TIMEOUT_S:.0f}s") from exc
    if done.returncode != 0:
        raise BenchError(f"`nukiweb {' '.join(args[:2])}` failed: {done.stderr.strip()}")
    return done.stdout.strip()


def create_token(database_url: str) -> str:
    db = ["--database-url", database_url]
    run_cli(["admin", "create-account", "--email", BENCH_EMAIL, "--password", BENCH_PASSWORD, *db])
    token = run_cli(["admin", "create-token", "--email", BENCH_EMAIL, *db])
    if not token or any(ch.isspace() for ch in token):
        raise BenchError(f"create-token printed something other than a token: {token!r}")
    return token


@contextmanager
def serving(argv: list[str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    # Output goes to a file, not a pipe: nobody reads a pipe during the load, and a full
    # pipe would block the server mid-run.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # uvicorn shuts down gracefully on SIGTERM
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


def log_tail(log_path: Path, lines: int = 20) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def wait_ready(
    process: subprocess.Popen[bytes], url: str, headers: dict[str, str], log_path: Path
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(
                f"server for {url} exited with {process.returncode}:\n{log_tail(log_path)}"
            )
        try:
            response = httpx.get(url, headers=headers, timeout=2.0)
        except httpx.TransportError:
            time.sleep(0.1)  # not listening yet
            continue
        check_ok(url, response)
        return
    raise BenchError(f"{url} did not answer within {START_TIMEOUT_S:.0f}s:\n{log_tail(log_path)}")


def check_ok(url: str, response: httpx.Response) -> None:
    # wrk counts any answer as a request served; a 401 or 404 would be measured happily, so
    # every target must answer 200 JSON before it is loaded.
    content_type = response.headers.get("content-type", "")
    if response.status_code != httpx.codes.OK or not content_type.startswith("application/json"):
        raise BenchError(
            f"GET {url} answered {response.status_code} {content_type}: {response.text[:200]}"
        )


# --- wrk ---------------------------------------------------------------------------------

RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKET_ERRORS_RE = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
)
# wrk prints times with the largest unit that keeps the figure >= 1 (format_time_us/_s).
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def percentile_ms(output: str, percent: int) -> float:
    match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    if match is None:
        raise BenchError(f"no {percent}% latency in wrk's output:\n{output}")
    return float(match.group(1)) * UNIT_MS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    rps = RPS_RE.search(output)
    if rps is None:
        raise BenchError(f"no Requests/sec in wrk's output:\n{output}")
    non_2xx = NON_2XX_RE.search(output)
    socket_errors = SOCKET_ERRORS_RE.search(output)
    return WrkResult(
        rps=float(rps.group(1)),
        # wrk prints three significant digits; rounding drops the float noise of the unit scaling.
        p50_ms=round(percentile_ms(output, 50), 4),
        p99_ms=round(percentile_ms(output, 99), 4),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
    )


def run_wrk(url: str, headers: dict[str, str], settings: Settings, duration: int) -> WrkResult:
    argv = [
        "wrk",
        f"-t{settings.threads}",
        f"-c{settings.connections}",
        f"-d{duration}s",
        "--latency",
    ]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=duration + WRK_GRACE_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(
            f"wrk against {url} did not finish in {duration + WRK_GRACE_S:.0f}s"
        ) from exc
    if done.returncode != 0:
        raise BenchError(f"wrk against {url} failed: {done.stderr.strip() or done.stdout}")
    return parse_wrk(done.stdout)


# --- the run -----------------------------------------------------------------------------


def start_servers(stack: ExitStack, tmp: Path, console: Console) -> tuple[dict[str, str], str]:
    """Start both servers; return their base URLs by server key, and the bench token."""
    database_url = f"sqlite:///{tmp / 'bench.db'}"
    console.print("Creating the bench account and token…")
    token = create_token(database_url)
    ports = {"bare": free_port(), "nukiweb": free_port()}
    commands = {
        "bare": bare_command(ports["bare"]),
        "nukiweb": nukiweb_serve_command(ports["nukiweb"], database_url),
    }
    probes = {"bare": "/", "nukiweb": "/account"}
    bases: dict[str, str] = {}
    for key, argv in commands.items():
        console.print(f"Starting {key} on {HOST}:{ports[key]}…")
        log_path = tmp / f"{key}.log"
        process = stack.enter_context(serving(argv, log_path))
        bases[key] = f"http://{HOST}:{ports[key]}"
        wait_ready(
            process,
            bases[key] + probes[key],
            auth_headers(authenticated=True, token=token),
            log_path,
        )
    return bases, token


def auth_headers(authenticated: bool, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if authenticated else {}


def measure(settings: Settings, console: Console) -> list[Summary]:
    runs: dict[Target, list[WrkResult]] = {target: [] for target in TARGETS}
    # The temp dir is left last: SQLite's files must be closed (servers stopped) before removal.
    with tempfile.TemporaryDirectory(prefix="nukiweb-bench-") as tmp, ExitStack() as stack:
        bases, token = start_servers(stack, Path(tmp), console)
        urls = {target: bases[target.server] + target.path for target in TARGETS}
        headers = {target: auth_headers(target.authenticated, token) for target in TARGETS}
        for target in TARGETS:
            check_ok(urls[target], httpx.get(urls[target], headers=headers[target], timeout=5.0))
        if settings.warmup:
            # Discarded: the first requests pay for connection pools, statement caches and
            # lazy imports, which is not the steady state being compared.
            console.print(f"Warming up each target for {settings.warmup}s…")
            for target in TARGETS:
                run_wrk(urls[target], headers[target], settings, settings.warmup)
        # Alternating targets spreads the box's noise (other tenants, thermal) over all of them.
        for round_ in range(1, settings.repeat + 1):
            for target in TARGETS:
                console.print(f"Run {round_}/{settings.repeat}: {target.name}…")
                runs[target].append(
                    run_wrk(urls[target], headers[target], settings, settings.duration)
                )
    return summarise(runs)


def summarise(runs: dict[Target, list[WrkResult]]) -> list[Summary]:
    baseline_rps = statistics.median(r.rps for r in runs[BASELINE])
    summaries = []
    for target, results in runs.items():
        rps = statistics.median(r.rps for r in results)
        summaries.append(
            Summary(
                target=target,
                runs=results,
                rps=rps,
                p50_ms=statistics.median(r.p50_ms for r in results),
                p99_ms=statistics.median(r.p99_ms for r in results),
                errors=sum(r.non_2xx + r.socket_errors for r in results),
                ratio_pct=100.0 * rps / baseline_rps if baseline_rps else 0.0,
            )
        )
    return summaries


# --- the report --------------------------------------------------------------------------


def goals(summary: Summary) -> dict[str, bool]:
    return {
        f"ratio >= {RATIO_GOAL_PCT:g}%": summary.ratio_pct >= RATIO_GOAL_PCT,
        f"p99 <= {P99_GOAL_MS:g} ms": summary.p99_ms <= P99_GOAL_MS,
    }


def wrk_line(settings: Settings) -> str:
    return (
        f"wrk -t{settings.threads} -c{settings.connections} -d{settings.duration}s --latency, "
        f"{settings.repeat} run(s) per target, medians shown"
    )


def print_table(summaries: list[Summary], settings: Settings, console: Console) -> None:
    table = Table(title=wrk_line(settings))
    for column in ("target", "req/s", "p50 ms", "p99 ms", "% of bare", "errors"):
        table.add_column(column, justify="left" if column == "target" else "right")
    for s in summaries:
        table.add_row(
            s.target.name,
            f"{s.rps:,.0f}",
            f"{s.p50_ms:.2f}",
            f"{s.p99_ms:.2f}",
            f"{s.ratio_pct:.1f}%",
            str(s.errors),
        )
    console.print(table)
    for s in summaries:
        if s.target is BASELINE:
            continue
        verdicts = ", ".join(
            f"{goal}: {'holds' if ok else 'MISSED'}" for goal, ok in goals(s).items()
        )
        console.print(f"{s.target.name}: {verdicts}")
    if any(s.errors for s in summaries):
        console.print("[yellow]Some requests failed (non-2xx or socket errors): see 'errors'.")


def as_json(summaries: list[Summary], settings: Settings) -> str:
    figures = [
        {
            **asdict(s.target),
            "rps": s.rps,
            "p50_ms": s.p50_ms,
            "p99_ms": s.p99_ms,
            "errors": s.errors,
            "ratio_pct": round(s.ratio_pct, 2),
            "goals": None if s.target is BASELINE else goals(s),
            "runs": [asdict(r) for r in s.runs],
        }
        for s in summaries
    ]
    return json.dumps({"settings": asdict(settings), "targets": figures}, indent=2)


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "bench: wrk is not on PATH; install it first (Debian: apt-get install wrk).",
            file=sys.stderr,
        )
        return 2
    progress = Console(stderr=True)  # progress on stderr keeps stdout to the figures
    try:
        summaries = measure(settings, progress)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130  # the servers were already stopped on the way out of measure()
    if settings.json:
        print(as_json(summaries, settings))
    else:
        print_table(summaries, settings, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
