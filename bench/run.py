"""Benchmark nukiweb against a bare ASGI endpoint served the same way, in one run.

Usage: .venv/bin/python bench/run.py [--duration 10] [--connections 32] [--threads 1]
                                      [--repeat 2] [--warmup 2] [--round-trips 200]
                                      [--database-url postgresql://…] [--workers 1] [--json]

nukiweb's store is a SQLite file in a temp dir, or, with ``--database-url`` naming a PostgreSQL
server, a scratch database made on that server for the run and dropped after it. Both servers
run as subprocesses on free 127.0.0.1 ports, each is loaded by ``wrk`` in
turn (alternating, ``--repeat`` times), and the medians are compared. Absolute figures
depend on the machine; the ratio to the bare endpoint measured in the same run is what
is meant to hold. Then, on the same nukiweb process, one client times ``--round-trips``
commands from the POST of the action to the GET that first shows its outcome.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
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
from typing import Any, cast

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # loopback only: the benchmark never listens on or talks to anything else

P99_GOAL_MS = 50.0  # every nukiweb target's p99 latency at most this
ROUND_TRIP_GOAL_MS = 5.0  # design target: p50 of a command round trip on an instant device

CLI_TIMEOUT_S = 60.0  # one admin command, migrations included
START_TIMEOUT_S = 60.0  # a server from spawn to its first 200
STOP_TIMEOUT_S = 10.0  # SIGTERM to exit, then again SIGKILL to exit
WRK_GRACE_S = 30.0  # on top of --duration: wrk's own start-up, drain and report
MAX_DURATION_S = 300  # keeps a typo from tying up the machine for hours
MAX_REPEAT = 20
MAX_WORKERS = 8
MAX_ROUND_TRIPS = 100_000
ROUND_TRIP_TIMEOUT_S = 5.0  # from the POST to the final state; at motor time 0, a few ms
ROUND_TRIP_WARMUP = 4  # discarded round trips first (none with --warmup 0)
HTTP_TIMEOUT_S = 5.0  # one request of the round-trip client

BENCH_EMAIL = "bench@example.com"
BENCH_PASSWORD = "benchpassword"  # noqa: S105 - a throwaway account in a temp database
# Five simulated devices, as a household or a small office has them (a Smart Lock 1.0/2.0, an
# opener, a smart door and two Smart Lock 3.0/4th gen), so that GET /smartlock lists a
# realistic account.
BENCH_DEVICE_TYPES = (0, 2, 3, 4, 4)
ROUND_TRIP_DEVICE_TYPE = 4  # Smart Lock 3.0/Pro/4th gen: the round trips lock and unlock it
# `serve` options: simulated devices have no delays of their own (their events run on the
# next event-loop iterations), so a round trip measures nukiweb (API, store, simulated
# bridge), not a simulated motor.
INSTANT_DEVICES = ("--motor-time", "0", "--time-scale", "0")

LOCK, UNLOCK = 2, 1  # SmartlockAction.action of a lock
LOCKED, UNLOCKED = 1, 3  # Smartlock.State.state
# The action that leaves a lock standing in the other of its two stable states.
NEXT_ACTION = {LOCKED: (UNLOCK, UNLOCKED), UNLOCKED: (LOCK, LOCKED)}


class BenchError(Exception):
    """Something the benchmark cannot go on from; the message says what."""


@dataclass(frozen=True)
class Target:
    """One endpoint loaded by wrk (always GET), and the share of the bare endpoint's req/s it
    must keep on each store."""

    name: str
    server: str  # key of the server it lives on: "bare" or "nukiweb"
    path: str
    authenticated: bool = False  # send the bench account's bearer token
    sqlite_goal_pct: float = 0.0
    postgresql_goal_pct: float = 0.0

    def ratio_goal_pct(self, settings: Settings) -> float:
        return self.postgresql_goal_pct if settings.database_url else self.sqlite_goal_pct


BASELINE = Target("bare ASGI", "bare", "/")
# What is measured, in this order, each compared against BASELINE. One line per endpoint.
TARGETS: tuple[Target, ...] = (
    BASELINE,
    Target(
        "nukiweb GET /account",
        "nukiweb",
        "/account",
        authenticated=True,
        sqlite_goal_pct=12.0,
        postgresql_goal_pct=8.0,
    ),
    Target(
        "nukiweb GET /smartlock",
        "nukiweb",
        "/smartlock",
        authenticated=True,
        sqlite_goal_pct=10.0,
        postgresql_goal_pct=6.0,
    ),
)


@dataclass(frozen=True)
class Settings:
    duration: int
    connections: int
    threads: int
    repeat: int
    warmup: int
    round_trips: int
    json: bool
    database_url: str | None = None  # a PostgreSQL server; None: a SQLite file
    workers: int = 1  # nukiweb's server processes (serve --workers)


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


@dataclass(frozen=True)
class RoundTrips:
    """Command round trips: POST an action, then GET the device until it shows the outcome."""

    smartlock_id: int
    samples_ms: list[float]  # one per round trip, in the order made
    polls: int  # GET /smartlock/{id} requests over all round trips

    @property
    def count(self) -> int:
        return len(self.samples_ms)

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples_ms, 99)

    @property
    def holds(self) -> bool:
        return self.p50_ms <= ROUND_TRIP_GOAL_MS


def percentile(samples: Sequence[float], percent: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default, statistics'
    "inclusive"); the single sample when there is one."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    position = (len(ordered) - 1) * percent / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


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
    parser.add_argument(
        "--round-trips",
        type=bounded_int(1, MAX_ROUND_TRIPS),
        default=200,
        help="command round trips (POST action, GET until done) after wrk (default 200)",
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql://USER@HOST:PORT/DB): the run makes a scratch "
        "database there and drops it after (default: a SQLite file in a temp dir)",
    )
    parser.add_argument(
        "--workers",
        type=bounded_int(1, MAX_WORKERS),
        default=1,
        help="nukiweb's server processes, as `serve --workers` (default 1)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.database_url and not args.database_url.startswith(("postgresql", "postgres")):
        parser.error("--database-url must name a PostgreSQL server (postgresql://…)")
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads (wrk refuses otherwise)")
    return Settings(
        args.duration,
        args.connections,
        args.threads,
        args.repeat,
        args.warmup,
        args.round_trips,
        args.json,
        args.database_url,
        args.workers,
    )


# --- the store ---------------------------------------------------------------------------


@contextmanager
def scratch_store(server_url: str | None, directory: Path) -> Iterator[str]:
    """The URL of an empty store for one run: a SQLite file in ``directory``, or a database
    made on the PostgreSQL server ``server_url`` names, dropped when the run ends."""
    if server_url is None:
        yield f"sqlite:///{directory / 'bench.db'}"
        return
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    with postgres_database(server, f"nukiweb_bench_{secrets.token_hex(6)}") as (url, _existed):
        yield url


@contextmanager
def postgres_database(server: URL, name: str, *, keep: bool = False) -> Iterator[tuple[str, bool]]:
    """The database ``name`` on the PostgreSQL server of ``server``, made unless it exists: its
    URL, and whether it existed already. Dropped at the end unless ``keep``."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False), bool(exists)
        finally:
            if not keep:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


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


def nukiweb_serve_command(port: int, database_url: str, workers: int = 1) -> list[str]:
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
        "--workers",
        str(workers),
        *INSTANT_DEVICES,
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


def seed(database_url: str, data_dir: Path) -> tuple[str, dict[int, int]]:
    """Create the bench account, its devices and a token; return the token and each device's
    type by its smartlockId."""
    db = ["--database-url", database_url, "--data-dir", str(data_dir)]
    run_cli(["admin", "create-account", "--email", BENCH_EMAIL, "--password", BENCH_PASSWORD, *db])
    devices: dict[int, int] = {}
    for device_type in BENCH_DEVICE_TYPES:
        printed = run_cli(
            ["admin", "add-device", "--email", BENCH_EMAIL, "--type", str(device_type), *db]
        )
        if not printed.isdigit():
            raise BenchError(f"add-device printed something other than a smartlockId: {printed!r}")
        devices[int(printed)] = device_type
    token = run_cli(["admin", "create-token", "--email", BENCH_EMAIL, *db])
    if not token or any(ch.isspace() for ch in token):
        raise BenchError(f"create-token printed something other than a token: {token!r}")
    return token, devices


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


def start_servers(
    stack: ExitStack, tmp: Path, settings: Settings, console: Console
) -> tuple[dict[str, str], str, dict[int, int]]:
    """Start both servers; return their base URLs by server key, the bench token, and the
    bench devices' types by smartlockId."""
    database_url = stack.enter_context(scratch_store(settings.database_url, tmp))
    console.print("Creating the bench account, its devices and a token…")
    # The run's data directory (secret key, the account's verification mail) is its temp dir.
    token, devices = seed(database_url, tmp)
    ports = {"bare": free_port(), "nukiweb": free_port()}
    commands = {
        "bare": bare_command(ports["bare"]),
        "nukiweb": [
            *nukiweb_serve_command(ports["nukiweb"], database_url, settings.workers),
            "--data-dir",
            str(tmp),
        ],
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
    return bases, token, devices


def auth_headers(authenticated: bool, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if authenticated else {}


def measure(settings: Settings, console: Console) -> tuple[list[Summary], RoundTrips]:
    runs: dict[Target, list[WrkResult]] = {target: [] for target in TARGETS}
    # The temp dir is left last: SQLite's files must be closed (servers stopped) before removal.
    with tempfile.TemporaryDirectory(prefix="nukiweb-bench-") as tmp, ExitStack() as stack:
        bases, token, devices = start_servers(stack, Path(tmp), settings, console)
        urls = {target: bases[target.server] + target.path for target in TARGETS}
        headers = {target: auth_headers(target.authenticated, token) for target in TARGETS}
        for target in TARGETS:
            check_ok(urls[target], httpx.get(urls[target], headers=headers[target], timeout=5.0))
        check_device_list(bases["nukiweb"], token, devices)
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
        # After wrk, on the same nukiweb process: nothing else loads it meanwhile.
        console.print(f"Timing {settings.round_trips} command round trip(s)…")
        try:
            round_trips = time_round_trips(
                bases["nukiweb"], token, round_trip_device(devices), settings
            )
        except httpx.HTTPError as exc:  # a timeout, a dropped connection
            raise BenchError(f"command round trips: {type(exc).__name__}: {exc}") from exc
    return summarise(runs), round_trips


def round_trip_device(devices: dict[int, int]) -> int:
    """The first device of the type the round trips lock and unlock."""
    return min(
        smartlock_id for smartlock_id, kind in devices.items() if kind == ROUND_TRIP_DEVICE_TYPE
    )


def check_device_list(base: str, token: str, devices: dict[int, int]) -> None:
    # GET /smartlock is loaded by wrk as a list of the bench devices, not an empty one.
    url = base + "/smartlock"
    listed = httpx.get(
        url, headers=auth_headers(authenticated=True, token=token), timeout=HTTP_TIMEOUT_S
    ).json()
    ids = sorted(device["smartlockId"] for device in listed)
    if ids != sorted(devices):
        raise BenchError(f"GET {url} lists {ids}, expected the bench devices {devices}")


# --- command round trips -----------------------------------------------------------------


def time_round_trips(base: str, token: str, smartlock_id: int, settings: Settings) -> RoundTrips:
    """``--round-trips`` times: POST an action to the lock, alternately unlock and lock, and
    GET the device until its state is the action's final one with no operation in flight.
    One client, one keep-alive connection, one request at a time."""
    device_url = f"{base}/smartlock/{smartlock_id}"
    samples: list[float] = []
    polls = 0
    # trust_env=False: no proxy from the environment between the client and loopback.
    with httpx.Client(
        headers=auth_headers(authenticated=True, token=token),
        timeout=HTTP_TIMEOUT_S,
        trust_env=False,
    ) as client:
        state, _operation = device_state(client, device_url)
        if state not in NEXT_ACTION:
            raise BenchError(f"{device_url} stands in state {state}, neither locked nor unlocked")
        warmup = ROUND_TRIP_WARMUP if settings.warmup else 0
        for index in range(warmup + settings.round_trips):
            action, final = NEXT_ACTION[state]
            elapsed_s, gets = round_trip(client, device_url, action, final)
            state = final
            if index >= warmup:  # the first ones pay for lazy imports and cold caches
                samples.append(elapsed_s * 1000.0)
                polls += gets
    return RoundTrips(smartlock_id, samples, polls)


def round_trip(client: httpx.Client, device_url: str, action: int, final: int) -> tuple[float, int]:
    """Seconds from sending the POST to the GET that shows ``final`` and no operationId,
    and the number of GETs it took."""
    started = time.perf_counter()
    response = client.post(device_url + "/action", json={"action": action})
    if response.status_code != httpx.codes.NO_CONTENT:
        raise BenchError(
            f"POST {device_url}/action {{'action': {action}}} answered "
            f"{response.status_code}: {response.text[:200]}"
        )
    deadline = started + ROUND_TRIP_TIMEOUT_S
    gets = 0
    while True:
        state, operation = device_state(client, device_url)
        gets += 1
        if state == final and operation is None:
            return time.perf_counter() - started, gets
        if time.perf_counter() > deadline:
            raise BenchError(
                f"{device_url} did not reach state {final} within {ROUND_TRIP_TIMEOUT_S:g}s of "
                f"action {action}: after {gets} GET(s) it shows state {state}, "
                f"operationId {operation}"
            )


def device_state(client: httpx.Client, device_url: str) -> tuple[int, str | None]:
    """``state.state`` and ``operationId`` (None when absent) of the device."""
    response = client.get(device_url)
    check_ok(device_url, response)
    device = response.json()
    if not isinstance(device, dict) or not isinstance(device.get("state"), dict):
        raise BenchError(f"GET {device_url} answered no device state: {response.text[:200]}")
    document = cast(dict[str, Any], device)
    return int(document["state"]["state"]), document.get("operationId")


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


def goals(summary: Summary, settings: Settings) -> dict[str, bool]:
    store = "PostgreSQL" if settings.database_url else "SQLite"
    ratio_goal = summary.target.ratio_goal_pct(settings)
    return {
        f"ratio >= {ratio_goal:g}% ({store})": summary.ratio_pct >= ratio_goal,
        f"p99 <= {P99_GOAL_MS:g} ms": summary.p99_ms <= P99_GOAL_MS,
    }


def wrk_line(settings: Settings) -> str:
    return (
        f"wrk -t{settings.threads} -c{settings.connections} -d{settings.duration}s --latency, "
        f"{settings.repeat} run(s) per target, medians shown"
        + (f", nukiweb with {settings.workers} workers" if settings.workers > 1 else "")
    )


def round_trip_line(round_trips: RoundTrips) -> str:
    return (
        f"command round trip, n={round_trips.count} (POST action to the type-"
        f"{ROUND_TRIP_DEVICE_TYPE} device → a GET shows its final state): "
        f"p50 {round_trips.p50_ms:.2f} ms, p99 {round_trips.p99_ms:.2f} ms, "
        f"{round_trips.polls / round_trips.count:.2f} GETs per round trip"
    )


def print_table(
    summaries: list[Summary], round_trips: RoundTrips, settings: Settings, console: Console
) -> None:
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
            f"{goal}: {'holds' if ok else 'MISSED'}" for goal, ok in goals(s, settings).items()
        )
        console.print(f"{s.target.name}: {verdicts}")
    if any(s.errors for s in summaries):
        console.print("[yellow]Some requests failed (non-2xx or socket errors): see 'errors'.")
    console.print(round_trip_line(round_trips), highlight=False, soft_wrap=True)
    verdict = "holds" if round_trips.holds else "MISSED"
    console.print(f"command round trip: p50 <= {ROUND_TRIP_GOAL_MS:g} ms: {verdict}")


def as_json(summaries: list[Summary], round_trips: RoundTrips, settings: Settings) -> str:
    figures = [
        {
            **asdict(s.target),
            "rps": round(s.rps, 2),
            # Medians of two runs average them: rounding drops the float noise.
            "p50_ms": round(s.p50_ms, 4),
            "p99_ms": round(s.p99_ms, 4),
            "errors": s.errors,
            "ratio_pct": round(s.ratio_pct, 2),
            "goals": None if s.target is BASELINE else goals(s, settings),
            "runs": [asdict(r) for r in s.runs],
        }
        for s in summaries
    ]
    round_trip = {
        "smartlock_id": round_trips.smartlock_id,
        "device_type": ROUND_TRIP_DEVICE_TYPE,
        "count": round_trips.count,
        "p50_ms": round(round_trips.p50_ms, 4),
        "p99_ms": round(round_trips.p99_ms, 4),
        "polls": round_trips.polls,
        "goals": {f"p50 <= {ROUND_TRIP_GOAL_MS:g} ms": round_trips.holds},
        "samples_ms": [round(sample, 4) for sample in round_trips.samples_ms],
    }
    return json.dumps(
        {"settings": asdict(settings), "targets": figures, "round_trip": round_trip}, indent=2
    )


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
        summaries, round_trips = measure(settings, progress)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130  # the servers were already stopped on the way out of measure()
    if settings.json:
        print(as_json(summaries, round_trips, settings))
    else:
        print_table(summaries, round_trips, settings, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
