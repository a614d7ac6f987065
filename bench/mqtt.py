"""Benchmark nukiweb with locks on an MQTT broker: command round trips, memory per lock, and
how fast the events of many locks reach the log and the webhooks.

Usage: .venv/bin/python bench/mqtt.py [--locks 1000] [--round-trips 200] [--presses 1]
                                       [--timeout 120] [--database-url postgresql://…]
                                       [--mqtt-url mqtt://HOST:PORT] [--json]

One run: a Mosquitto of its own on a free 127.0.0.1 port (or the broker ``--mqtt-url`` names,
under a topic prefix of the run's own), one ``nukiweb serve --mqtt-url`` (instant simulated
devices, local webhooks allowed) on a SQLite file in a temp dir or a scratch PostgreSQL
database, and ``nukiweb device emulate`` processes for the locks (``--motor-time 0``).

1. Command round trips, as bench/run.py times them (POST the action, GET the device until it
   shows the final state and no operation): (a) a simulated lock, (b) one emulated lock, the
   only one connected, (c) the same lock with ``--locks`` emulated locks connected and claimed.
2. The server's resident memory (VmRSS) before any lock is claimed or connected and with
   ``--locks`` of them: the difference per lock.
3. Every emulated lock's button pressed ``--presses`` times (a lock 'n' go each, through the
   emulator's control topics): how long until all their log entries are in the store, and
   until a decentral webhook for DEVICE_LOGS has received them all; events/s of each.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from rich.console import Console
from rich.table import Table
from run import (
    HOST,
    NEXT_ACTION,
    ROUND_TRIP_WARMUP,
    BenchError,
    RoundTrips,
    auth_headers,
    bounded_int,
    device_state,
    free_port,
    log_tail,
    nukiweb_command,
    nukiweb_serve_command,
    round_trip,
    round_trip_device,
    scratch_store,
    seed,
    serving,
    wait_ready,
)
from sqlalchemy import func, select

from nukiweb.bridges.broker import BrokerSettings
from nukiweb.cli import open_context
from nukiweb.domain.devices import DeviceType, LockAction, ServerState, smartlock_id
from nukiweb.emulator.controls import control_topic
from nukiweb.services import accounts, mqtt_locks
from nukiweb.services.context import ServiceContext
from nukiweb.store.schema import smartlock_logs, smartlocks
from webhooks import receivers_running, register_webhook

LOCK_TYPE = DeviceType.SMARTLOCK3
BENCH_EMAIL = "bench@example.com"  # run.seed's account
HTTP_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 180.0  # all locks from the emulator's start to connected on the server
POLL_S = 0.05  # how often the store and the receiver are asked how far they are
GRACE_S = 1.0  # after the last expected delivery: time for extras to show
BROKER_START_S = 30.0
MAX_LOCKS = 20_000
MAX_ROUND_TRIPS = 100_000
FILES_PER_LOCK = 2  # the broker's socket to the lock, and the lock's own (same machine)
# A broker of the run's own: nothing kept on disk, no limit on a client's queue that a burst
# of a thousand locks' retained state could reach.
MOSQUITTO_CONF = (
    "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
    "max_queued_messages 100000\nmax_inflight_messages 0\nset_tcp_nodelay true\n"
)


@dataclass(frozen=True)
class Settings:
    locks: int
    round_trips: int
    concurrent: int  # locks measured at once in (d); 0: no (d)
    presses: int
    timeout: float
    database_url: str | None
    mqtt_url: str | None
    json: bool


@dataclass(frozen=True)
class Memory:
    idle_kb: int  # VmRSS with no lock claimed or connected
    loaded_kb: int  # with --locks claimed and connected
    locks: int

    @property
    def per_lock_kb(self) -> float:
        return (self.loaded_kb - self.idle_kb) / self.locks


@dataclass(frozen=True)
class Events:
    events: int  # lock 'n' go events asked for: --locks times --presses
    publish_s: float  # the button presses, published by the benchmark
    log_s: float  # first press published → every log entry in the store
    webhooks_s: float  # first press published → every DEVICE_LOGS at the receiver

    @property
    def log_per_s(self) -> float:
        return self.events / self.log_s

    @property
    def webhooks_per_s(self) -> float:
        return self.events / self.webhooks_s


@dataclass(frozen=True)
class Results:
    simulated: RoundTrips
    one_lock: RoundTrips
    many_locks: RoundTrips
    concurrent: RoundTrips | None  # (d), over all its locks' samples
    memory: Memory
    events: Events


# --- command line ------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description="Benchmark nukiweb with locks on MQTT.")
    parser.add_argument(
        "--locks",
        type=bounded_int(1, MAX_LOCKS),
        default=1000,
        help="emulated locks connected and claimed in (c), 2 and 3 (default 1000)",
    )
    parser.add_argument(
        "--round-trips",
        type=bounded_int(1, MAX_ROUND_TRIPS),
        default=200,
        help="command round trips per measure (default 200)",
    )
    parser.add_argument(
        "--concurrent",
        type=bounded_int(0, 100),
        default=0,
        help="(d): round trips on this many of the locks at once, a client each, after (c) "
        "(default 0: no (d))",
    )
    parser.add_argument(
        "--presses",
        type=bounded_int(1, 100),
        default=1,
        help="button presses per lock in 3, each a lock 'n' go (default 1)",
    )
    parser.add_argument(
        "--timeout",
        type=bounded_int(1, 3600),
        default=120,
        help="seconds 3 may take from the first press to the last delivery (default 120)",
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql://USER@HOST:PORT/DB): the run makes a scratch "
        "database there and drops it after (default: a SQLite file in a temp dir)",
    )
    parser.add_argument(
        "--mqtt-url",
        help="a broker (mqtt://HOST:PORT) to use, under a topic prefix of the run's own "
        "(default: a Mosquitto of the run's own on a free port)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.database_url is not None and not args.database_url.startswith("postgres"):
        parser.error("--database-url must name a PostgreSQL server (postgresql://…)")
    if args.concurrent > args.locks - 1:
        parser.error("--concurrent takes locks of (c)'s others: at most --locks - 1")
    if args.mqtt_url is not None and not args.mqtt_url.startswith("mqtt://"):
        parser.error("--mqtt-url must be an mqtt://HOST[:PORT] URL")
    return Settings(
        args.locks,
        args.round_trips,
        args.concurrent,
        args.presses,
        float(args.timeout),
        args.database_url,
        args.mqtt_url,
        args.json,
    )


# --- the broker and the locks ------------------------------------------------------------


def mosquitto_path() -> str | None:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which("mosquitto", path=search)


@contextmanager
def broker_url(given: str | None, directory: Path) -> Iterator[str]:
    """The broker's URL with a topic prefix of this run's own: ``given``, or a Mosquitto
    started for the run (stopped at the end)."""
    prefix = f"bench-{secrets.token_hex(4)}"
    if given is not None:
        yield f"{given.rstrip('/')}/{prefix}"
        return
    executable = mosquitto_path()
    if executable is None:
        raise BenchError("mosquitto is not installed (apt-get install mosquitto); or --mqtt-url")
    port = free_port()
    config = directory / "mosquitto.conf"
    config.write_text(MOSQUITTO_CONF.format(port=port))
    with serving([executable, "-c", str(config)], directory / "mosquitto.log") as process:
        wait_listening(process, port, directory / "mosquitto.log")
        yield f"mqtt://{HOST}:{port}/{prefix}"


def wait_listening(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + BROKER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"mosquitto exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
        except OSError:
            time.sleep(0.05)
        else:
            return
    raise BenchError(f"mosquitto did not listen on {port}:\n{log_tail(log_path)}")


def raise_open_files_limit(locks: int) -> None:
    """The broker, started from here, needs a socket per lock and inherits this limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = FILES_PER_LOCK * locks + 256
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def emulate_command(url: str, first: int, count: int) -> list[str]:
    return [
        *nukiweb_command(),
        "device",
        "emulate",
        "--mqtt-url",
        url,
        "--type",
        str(int(LOCK_TYPE)),
        "--nuki-id",
        f"{first:08X}",
        "--count",
        str(count),
        "--motor-time",
        "0",
    ]


def press_buttons(url: str, nuki_ids: Sequence[int], presses: int) -> None:
    """Each lock's button pressed ``presses`` times, through the emulator's control topics;
    returns once the broker has every press (QoS 1)."""
    settings = BrokerSettings.from_url(url)
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"bench-{secrets.token_hex(4)}",
        protocol=paho.MQTTv5,
    )
    client.max_queued_messages_set(0)
    client.max_inflight_messages_set(1000)
    client.connect(settings.host, settings.port)
    client.loop_start()
    try:
        sent = [
            client.publish(control_topic(settings.root, nuki_id, "button"), "1", qos=1)
            for _ in range(presses)
            for nuki_id in nuki_ids
        ]
        for info in sent:
            info.wait_for_publish(HTTP_TIMEOUT_S)
    finally:
        client.disconnect()
        client.loop_stop()


# --- the store ---------------------------------------------------------------------------


def claim_locks(ctx: ServiceContext, nuki_ids: Sequence[int]) -> None:
    """The locks join the bench account, as ``admin add-device --via mqtt`` claims one."""
    account = accounts.find_account_by_email(ctx, BENCH_EMAIL)
    for nuki_id in nuki_ids:
        mqtt_locks.claim(ctx, account.account_id, int(LOCK_TYPE), f"{nuki_id:08X}", None)


def connected_count(ctx: ServiceContext, first: int, count: int) -> int:
    """How many of the claimed locks the server shows connected."""
    low, high = smartlock_id(LOCK_TYPE, first), smartlock_id(LOCK_TYPE, first + count - 1)
    query = (
        select(func.count())
        .select_from(smartlocks)
        .where(smartlocks.c.smartlock_id.between(low, high))
        .where(smartlocks.c.server_state == int(ServerState.OK))
    )
    with ctx.db.read() as conn:
        return int(conn.scalar(query) or 0)


def log_actions(ctx: ServiceContext) -> Counter[tuple[int, int]]:
    """The log's entries, counted by (smartlockId, action)."""
    query = select(smartlock_logs.c.smartlock_id, smartlock_logs.c.action)
    with ctx.db.read() as conn:
        return Counter((int(row[0]), int(row[1])) for row in conn.execute(query))


def log_count(ctx: ServiceContext) -> int:
    with ctx.db.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(smartlock_logs)) or 0)


def wait_until(done: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out ({timeout:g}s) waiting for {what}")
        time.sleep(POLL_S)


def resident_kb(pid: int) -> int:
    """VmRSS of the process, in kB (/proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS in /proc/{pid}/status")


# --- round trips -------------------------------------------------------------------------


def time_round_trips(client: httpx.Client, base: str, device: int, count: int) -> RoundTrips:
    """bench/run.py's round trips on ``device``: POST an action, alternately unlock and lock,
    then GET the device until it shows the final state and no operation; warm-up discarded."""
    device_url = f"{base}/smartlock/{device}"
    state, _operation = device_state(client, device_url)
    if state not in NEXT_ACTION:
        raise BenchError(f"{device_url} stands in state {state}, neither locked nor unlocked")
    samples: list[float] = []
    polls = 0
    for index in range(ROUND_TRIP_WARMUP + count):
        action, final = NEXT_ACTION[state]
        elapsed_s, gets = round_trip(client, device_url, action, final)
        state = final
        if index >= ROUND_TRIP_WARMUP:
            samples.append(elapsed_s * 1000.0)
            polls += gets
    return RoundTrips(device, samples, polls)


def time_concurrent(base: str, token: str, devices: Sequence[int], count: int) -> RoundTrips:
    """``time_round_trips`` on every device at once, each with a client in a thread of its
    own; their samples together."""

    def one(device: int) -> RoundTrips:
        with httpx.Client(
            headers=auth_headers(authenticated=True, token=token),
            timeout=HTTP_TIMEOUT_S,
            trust_env=False,
        ) as client:
            return time_round_trips(client, base, device, count)

    with ThreadPoolExecutor(len(devices)) as pool:
        each = list(pool.map(one, devices))
    samples = [sample for trips in each for sample in trips.samples_ms]
    return RoundTrips(devices[0], samples, sum(trips.polls for trips in each))


# --- events ------------------------------------------------------------------------------


def measure_events(
    ctx: ServiceContext,
    client: httpx.Client,
    base: str,
    url: str,
    nuki_ids: Sequence[int],
    settings: Settings,
    dump: Path,
) -> Events:
    expected = len(nuki_ids) * settings.presses
    with receivers_running(1) as receivers:
        register_webhook(client, base, receivers.url(0), ["DEVICE_LOGS"])
        before = log_actions(ctx)
        logged_before = sum(before.values())
        started = time.monotonic()
        press_buttons(url, nuki_ids, settings.presses)
        published = time.monotonic()
        log_at = webhooks_at = None
        deadline = started + settings.timeout
        while log_at is None or webhooks_at is None:
            now = time.monotonic()
            if log_at is None and log_count(ctx) >= logged_before + expected:
                log_at = now
            if webhooks_at is None and receivers.count() >= expected:
                webhooks_at = now
            if now > deadline:
                raise BenchError(
                    f"after {settings.timeout:g}s: {log_count(ctx) - logged_before} of {expected} "
                    f"log entries, {receivers.count()} of {expected} webhook deliveries"
                )
            time.sleep(POLL_S)
        time.sleep(GRACE_S)
        check_events(ctx, before, receivers.dump(dump), nuki_ids, settings.presses)
    return Events(expected, published - started, log_at - started, webhooks_at - started)


def check_events(
    ctx: ServiceContext,
    before: Counter[tuple[int, int]],
    deliveries: list[dict[str, Any]],
    nuki_ids: Sequence[int],
    presses: int,
) -> None:
    """Every lock logged exactly ``presses`` lock 'n' go, each delivered once; nothing else
    was logged or delivered."""
    logged = log_actions(ctx) - before
    wanted = Counter(
        {
            (smartlock_id(LOCK_TYPE, nuki_id), int(LockAction.LOCK_N_GO)): presses
            for nuki_id in nuki_ids
        }
    )
    delivered = Counter(
        (int(log["smartlockId"]), int(log["action"]))
        for log in (json.loads(d["body"])["smartlockLog"] for d in deliveries)
    )
    twice = len(deliveries) - len({d["event_id"] for d in deliveries})
    problems = []
    if logged != wanted:
        problems.append(
            f"log: {sum((logged - wanted).values())} extra, "
            f"{sum((wanted - logged).values())} missing"
        )
    if delivered != wanted or twice:
        problems.append(
            f"webhooks: {sum((delivered - wanted).values())} extra, "
            f"{sum((wanted - delivered).values())} missing, {twice} twice"
        )
    if problems:
        raise BenchError("the events failed the checks: " + "; ".join(problems))


# --- the run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log_path: Path
    token: str  # the bench account's


def start_server(
    stack: ExitStack, database_url: str, data_dir: Path, url: str, token: str
) -> Server:
    port = free_port()
    argv = [
        *nukiweb_serve_command(port, database_url),
        "--data-dir",
        str(data_dir),
        "--mqtt-url",
        url,
        "--allow-local-webhooks",
    ]
    log_path = data_dir / "nukiweb.log"
    process = stack.enter_context(serving(argv, log_path))
    base = f"http://{HOST}:{port}"
    wait_ready(process, base + "/account", auth_headers(authenticated=True, token=token), log_path)
    return Server(process, base, log_path, token)


def connect_locks(
    stack: ExitStack, ctx: ServiceContext, url: str, first: int, count: int, log_path: Path
) -> None:
    """``count`` locks from nukiId ``first`` claimed, emulated, and shown connected."""
    claim_locks(ctx, range(first, first + count))
    stack.enter_context(serving(emulate_command(url, first, count), log_path))
    wait_until(
        lambda: connected_count(ctx, first, count) == count,
        CONNECT_TIMEOUT_S,
        f"{count} emulated lock(s) to show connected (emulator log: {log_path})",
    )


def measure(settings: Settings, console: Console) -> Results:
    raise_open_files_limit(settings.locks)
    # The temp dir is left last: SQLite's files must be closed (servers stopped) before removal.
    with tempfile.TemporaryDirectory(prefix="nukiweb-bench-") as tmp, ExitStack() as stack:
        data_dir = Path(tmp)
        url = stack.enter_context(broker_url(settings.mqtt_url, data_dir))
        database_url = stack.enter_context(scratch_store(settings.database_url, data_dir))
        console.print(f"Broker {url}; creating the bench account, its devices and a token…")
        token, devices = seed(database_url, data_dir)
        ctx = open_context(database_url, data_dir)
        stack.callback(ctx.db.dispose)
        server = start_server(stack, database_url, data_dir, url, token)
        client = stack.enter_context(
            httpx.Client(
                headers=auth_headers(authenticated=True, token=token),
                timeout=HTTP_TIMEOUT_S,
                trust_env=False,
            )
        )
        try:
            return run_measures(stack, ctx, client, server, url, devices, settings, console)
        except httpx.HTTPError as exc:
            raise BenchError(f"{type(exc).__name__}: {exc}\n{log_tail(server.log_path)}") from exc
        except BenchError as exc:
            raise BenchError(f"{exc}\nserver log:\n{log_tail(server.log_path)}") from exc


def run_measures(
    stack: ExitStack,
    ctx: ServiceContext,
    client: httpx.Client,
    server: Server,
    url: str,
    devices: dict[int, int],
    settings: Settings,
    console: Console,
) -> Results:
    count, base = settings.round_trips, server.base
    console.print(f"(a) {count} round trips on a simulated lock…")
    simulated = time_round_trips(client, base, round_trip_device(devices), count)
    idle_kb = resident_kb(server.process.pid)
    # Consecutive nukiIds from a random one, so that the run's locks are one range.
    first = secrets.randbelow(0xF000_0000) + 0x0100_0000
    measured = smartlock_id(LOCK_TYPE, first)
    logs = server.log_path.parent
    console.print("(b) one emulated lock…")
    connect_locks(stack, ctx, url, first, 1, logs / "emulator-1.log")
    one_lock = time_round_trips(client, base, measured, count)
    console.print(f"(c) {settings.locks - 1} more emulated locks…")
    if settings.locks > 1:
        rest = settings.locks - 1
        connect_locks(stack, ctx, url, first + 1, rest, logs / "emulator-n.log")
    loaded_kb = resident_kb(server.process.pid)
    console.print(f"(c) {count} round trips with {settings.locks} locks connected…")
    many_locks = time_round_trips(client, base, measured, count)
    concurrent = None
    if settings.concurrent:
        console.print(f"(d) {count} round trips on each of {settings.concurrent} locks at once…")
        others = [smartlock_id(LOCK_TYPE, first + 1 + n) for n in range(settings.concurrent)]
        concurrent = time_concurrent(base, server.token, others, count)
    nuki_ids = range(first, first + settings.locks)
    console.print(f"Pressing every lock's button {settings.presses} time(s)…")
    events = measure_events(ctx, client, base, url, nuki_ids, settings, logs / "hooks.jsonl")
    memory = Memory(idle_kb, loaded_kb, settings.locks)
    return Results(simulated, one_lock, many_locks, concurrent, memory, events)


# --- the report --------------------------------------------------------------------------


def round_trip_row(name: str, trips: RoundTrips) -> tuple[str, str]:
    return (
        f"{name}, n={trips.count}: p50 / p99 (GETs per round trip)",
        f"{trips.p50_ms:.2f} / {trips.p99_ms:.2f} ms ({trips.polls / trips.count:.2f})",
    )


def rows(results: Results, settings: Settings) -> list[tuple[str, str]]:
    memory, events, locks = results.memory, results.events, settings.locks
    return [
        round_trip_row("1a round trip, simulated lock", results.simulated),
        round_trip_row("1b round trip, MQTT, 1 lock connected", results.one_lock),
        round_trip_row(f"1c round trip, MQTT, {locks} locks connected", results.many_locks),
        *(
            [round_trip_row(f"1d … {settings.concurrent} locks at once", results.concurrent)]
            if results.concurrent is not None
            else []
        ),
        (
            f"2  server VmRSS: no lock → {locks} claimed and connected",
            f"{memory.idle_kb / 1024:,.1f} → {memory.loaded_kb / 1024:,.1f} MB",
        ),
        ("2  … per lock", f"{memory.per_lock_kb:,.1f} KB"),
        (
            (
                f"3  {events.events} lock 'n' go events ({settings.presses} per lock): "
                "presses published in"
            ),
            f"{events.publish_s:.2f} s",
        ),
        ("3  … all in the log: after; events/s", f"{events.log_s:.2f} s; {events.log_per_s:,.0f}"),
        (
            "3  … all at the webhook: after; events/s",
            f"{events.webhooks_s:.2f} s; {events.webhooks_per_s:,.0f}",
        ),
    ]


def print_table(results: Results, settings: Settings, console: Console) -> None:
    store = "PostgreSQL" if settings.database_url else "SQLite"
    broker = "own Mosquitto" if settings.mqtt_url is None else settings.mqtt_url
    table = Table(title=f"nukiweb, locks on MQTT ({store}, {broker})")
    table.add_column("measure")
    table.add_column("figure", justify="right")
    for row in rows(results, settings):
        table.add_row(*row)
    console.print(table)


def trips_json(trips: RoundTrips) -> dict[str, Any]:
    return {
        "smartlock_id": trips.smartlock_id,
        "count": trips.count,
        "p50_ms": round(trips.p50_ms, 4),
        "p99_ms": round(trips.p99_ms, 4),
        "polls": trips.polls,
        "samples_ms": [round(sample, 4) for sample in trips.samples_ms],
    }


def as_json(results: Results, settings: Settings) -> str:
    memory, events = results.memory, results.events
    return json.dumps(
        {
            "settings": asdict(settings),
            "round_trip_simulated": trips_json(results.simulated),
            "round_trip_one_lock": trips_json(results.one_lock),
            "round_trip_many_locks": trips_json(results.many_locks),
            "round_trip_concurrent": (
                None if results.concurrent is None else trips_json(results.concurrent)
            ),
            "memory": {**asdict(memory), "per_lock_kb": round(memory.per_lock_kb, 2)},
            "events": {
                **asdict(events),
                "log_per_s": round(events.log_per_s, 1),
                "webhooks_per_s": round(events.webhooks_per_s, 1),
            },
        },
        indent=2,
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    progress = Console(stderr=True)  # progress on stderr keeps stdout to the figures
    try:
        results = measure(settings, progress)
    except BenchError as exc:
        progress.print(f"bench: {exc}", markup=False, highlight=False)
        return 1
    except KeyboardInterrupt:
        return 130  # the processes were already stopped on the way out of measure()
    if settings.json:
        print(as_json(results, settings))
    else:
        print_table(results, settings, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
