"""Benchmark nukiweb's webhook delivery: latency of one event, and deliveries per second.

Usage: .venv/bin/python bench/webhooks.py [--latency-actions 100] [--events 5000]
                                           [--events-each 1000] [--subscribers 20]
                                           [--timeout 120] [--database-url postgresql://…]
                                           [--json]

One nukiweb server runs as a subprocess on a free 127.0.0.1 port (instant simulated devices,
local webhooks allowed), on a SQLite file in a temp dir or on a scratch database made on the
PostgreSQL server ``--database-url`` names (dropped after the run).

(a) latency: a receiver in this process (it only has to be quick to notice one delivery); a
    decentral webhook for DEVICE_LOGS and DEVICE_STATUS. One action at a time on one lock, lock
    and unlock alternating; a sample is the time from sending the POST
    /smartlock/{id}/action to the arrival of its DEVICE_LOGS.
(b) throughput to one receiver, (c) over ``--subscribers`` receivers: the receivers run in a
    process of their own (bench/webhooks_receiver.py), one port each, one decentral webhook
    for DEVICE_LOGS each. Another process (bench/webhooks_seed.py) writes the events into the
    outbox through nukiweb's own services.events.emit while the server runs, far faster than
    the API accepts actions: (b) ``--events`` events for one subscriber, (c) ``--events-each``
    events that each of the subscribers hears. deliveries/s = deliveries ÷ (first arrival →
    last arrival). Meanwhile a client GETs /account one request at a time: its latency before
    the events (idle) and while they are delivered.

Every delivery's signature is verified with its subscriber's secret; per subscriber, no event
may be missing or arrive twice (by X-Nuki-Event-Id), and events arrive in the order written.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, Self

import httpx
from rich.console import Console
from rich.table import Table
from run import (
    HOST,
    BenchError,
    bounded_int,
    free_port,
    log_tail,
    nukiweb_command,
    percentile,
    run_cli,
    scratch_store,
    serving,
)

BENCH_DIR = Path(__file__).resolve().parent
BENCH_EMAIL = "bench-webhooks@example.com"
BENCH_PASSWORD = "benchpassword"  # noqa: S105 - a throwaway account in a scratch database
DEVICE_TYPE = 4  # Smart Lock 3.0/Pro/4th gen
LATENCY_FEATURES = ("DEVICE_LOGS", "DEVICE_STATUS")
SIGNATURE_HEADER = "X-Nuki-Signature-SHA256"
EVENT_ID_HEADER = "X-Nuki-Event-Id"

LOCK, UNLOCK = 2, 1  # SmartlockAction.action of a lock
LOCKED, UNLOCKED = 1, 3  # Smartlock.State.state
NEXT_ACTION = {LOCKED: UNLOCK, UNLOCKED: LOCK}
OTHER_ACTION = {LOCK: UNLOCK, UNLOCK: LOCK}

START_TIMEOUT_S = 60.0  # the server from spawn to its first 200
HTTP_TIMEOUT_S = 5.0  # one request to the server
EVENT_TIMEOUT_S = 10.0  # (a): from the POST to its DEVICE_LOGS
COUNT_POLL_S = 0.05  # (b), (c): how often the receivers are asked how many arrived
GRACE_S = 1.0  # after the last expected delivery: time for extras and duplicates to show
IDLE_PROBE_S = 1.5  # GET /account timed before the events are written
PROBE_PAUSE_S = 0.05  # between two GET /account: a probe, not a load
LATENCY_WARMUP = 4  # discarded actions first in (a)
MAX_ACTIONS = 100_000
MAX_EVENTS = 1_000_000
MAX_SUBSCRIBERS = 20  # the decentral webhooks an account may have (nukiweb's default limit)
GOAL_ONE = 500.0  # deliveries/s to one receiver
GOAL_MANY = 2000.0  # deliveries/s over --subscribers receivers


@dataclass(frozen=True)
class Settings:
    latency_actions: int
    events: int
    events_each: int
    subscribers: int
    timeout: float
    database_url: str | None
    json: bool


# --- command line ------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description="Benchmark nukiweb's webhook delivery.")
    parser.add_argument(
        "--latency-actions",
        type=bounded_int(1, MAX_ACTIONS),
        default=100,
        help="(a) actions timed one at a time to their DEVICE_LOGS (default 100)",
    )
    parser.add_argument(
        "--events",
        type=bounded_int(1, MAX_EVENTS),
        default=5000,
        help="(b) events written for one subscriber (default 5000)",
    )
    parser.add_argument(
        "--events-each",
        type=bounded_int(1, MAX_EVENTS),
        default=1000,
        help="(c) events written that every one of --subscribers hears (default 1000)",
    )
    parser.add_argument(
        "--subscribers",
        type=bounded_int(1, MAX_SUBSCRIBERS),
        default=MAX_SUBSCRIBERS,
        help=f"(c) subscribers, each with its own receiver (default {MAX_SUBSCRIBERS})",
    )
    parser.add_argument(
        "--timeout",
        type=bounded_int(1, 3600),
        default=120,
        help="seconds (b) or (c) may take from the first event written to the last delivery "
        "(default 120)",
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql://USER@HOST:PORT/DB): the run makes a scratch "
        "database there and drops it after (default: a SQLite file in a temp dir)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.database_url is not None and not args.database_url.startswith("postgres"):
        parser.error("--database-url must name a PostgreSQL server (postgresql://…)")
    return Settings(
        args.latency_actions,
        args.events,
        args.events_each,
        args.subscribers,
        float(args.timeout),
        args.database_url,
        args.json,
    )


# --- (a)'s receiver, in this process ------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One POST (a)'s receiver got, as it got it."""

    arrived: float  # time.monotonic() once the body was read
    event_id: str
    signature: str
    body: bytes
    feature: str | None
    smartlock_id: int | None
    action: int | None  # smartlockLog.action of a DEVICE_LOGS


@dataclass
class Received:
    """Every delivery so far, in arrival order; the receiver's threads append to it."""

    deliveries: list[Delivery] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)

    def add(self, delivery: Delivery) -> None:
        with self.condition:
            self.deliveries.append(delivery)
            self.condition.notify_all()

    def count(self) -> int:
        with self.condition:
            return len(self.deliveries)

    def since(self, start: int) -> list[Delivery]:
        with self.condition:
            return self.deliveries[start:]

    def wait_for(self, done: Any, deadline: float, what: str) -> None:
        """Until ``done(deliveries)`` holds; BenchError at ``deadline`` (monotonic)."""
        with self.condition:
            while not done(self.deliveries):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BenchError(f"timed out waiting for {what}")
                self.condition.wait(min(left, 0.5))


def parse_delivery(arrived: float, headers: Any, body: bytes) -> Delivery:
    feature = smartlock_id = action = None
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if isinstance(document, dict):
        feature = document.get("feature")
        log_entry = document.get("smartlockLog")
        if isinstance(log_entry, dict):
            smartlock_id, action = log_entry.get("smartlockId"), log_entry.get("action")
        else:
            smartlock_id = document.get("smartlockId")
    return Delivery(
        arrived=arrived,
        event_id=headers.get(EVENT_ID_HEADER, ""),
        signature=headers.get(SIGNATURE_HEADER, ""),
        body=body,
        feature=feature,
        smartlock_id=smartlock_id,
        action=action,
    )


def handler_for(received: Received) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the worker's client reuses its connection

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            received.add(parse_delivery(time.monotonic(), self.headers, body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # no line per request on stderr

    return Handler


@contextmanager
def receiving(received: Received) -> Iterator[str]:
    """A receiver on a free loopback port (the kernel picks it); yields its URL."""
    server = ThreadingHTTPServer((HOST, 0), handler_for(received))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="receiver", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/webhook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5.0)


# --- (b) and (c)'s receivers, in a process of their own -----------------------------------


class Receivers:
    """bench/webhooks_receiver.py, running: one port per subscriber."""

    def __init__(self, process: subprocess.Popen[str], ports: list[int]) -> None:
        self.process = process
        self.ports = ports
        self._client = httpx.Client(timeout=HTTP_TIMEOUT_S, trust_env=False)

    def url(self, index: int) -> str:
        return f"http://{HOST}:{self.ports[index]}/hook/{index}"

    def count(self) -> int:
        response = self._client.get(f"http://{HOST}:{self.ports[0]}/count")
        return int(response.json()["count"])

    def dump(self, path: Path) -> list[dict[str, Any]]:
        """Every record so far (forgotten by the receivers)."""
        self._client.get(f"http://{HOST}:{self.ports[0]}/dump", params={"to": str(path)})
        with path.open() as lines:
            return [json.loads(line) for line in lines]

    def close(self) -> None:
        self._client.close()


@contextmanager
def receivers_running(count: int) -> Iterator[Receivers]:
    script = str(BENCH_DIR / "webhooks_receiver.py")
    process = subprocess.Popen(
        [sys.executable, script, str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first:
            raise BenchError("the receivers' process exited before listening")
        receivers = Receivers(process, json.loads(first)["ports"])
        try:
            yield receivers
        finally:
            receivers.close()
    finally:
        stdin: IO[str] | None = process.stdin
        if stdin is not None:
            stdin.close()  # its signal to stop
        try:
            process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the server --------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    account_id: int
    token: str
    smartlock_id: int


def seed(database_url: str, data_dir: Path) -> Seeded:
    db = ["--database-url", database_url, "--data-dir", str(data_dir)]
    printed = run_cli(
        ["admin", "create-account", "--email", BENCH_EMAIL, "--password", BENCH_PASSWORD, *db]
    )
    if not printed.isdigit():
        raise BenchError(f"create-account printed something other than an accountId: {printed!r}")
    account_id = int(printed)
    kind = str(DEVICE_TYPE)
    device = run_cli(["admin", "add-device", "--email", BENCH_EMAIL, "--type", kind, *db])
    if not device.isdigit():
        raise BenchError(f"add-device printed something other than a smartlockId: {device!r}")
    token = run_cli(["admin", "create-token", "--email", BENCH_EMAIL, *db])
    if not token or any(ch.isspace() for ch in token):
        raise BenchError(f"create-token printed something other than a token: {token!r}")
    return Seeded(account_id, token, int(device))


def serve_command(port: int, database_url: str, data_dir: Path) -> list[str]:
    return [
        *nukiweb_command(),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--database-url",
        database_url,
        "--data-dir",
        str(data_dir),
        "--simulator",
        "--allow-local-webhooks",
        "--motor-time",
        "0",
        "--time-scale",
        "0",
        "--no-access-log",
    ]


def wait_ready(process: Any, client: httpx.Client, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"nukiweb exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            response = client.get(base + "/account")
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        if response.status_code != httpx.codes.OK:
            raise BenchError(f"GET /account answered {response.status_code}: {response.text}")
        return
    raise BenchError(f"nukiweb did not answer within {START_TIMEOUT_S:.0f}s:\n{log_tail(log_path)}")


def register_webhook(client: httpx.Client, base: str, url: str, features: Sequence[str]) -> Any:
    """The new decentral webhook: its id and secret."""
    response = client.put(
        base + "/api/decentralWebhook",
        json={"webhookUrl": url, "webhookFeatures": list(features)},
    )
    if response.status_code != httpx.codes.OK:
        raise BenchError(
            f"PUT /api/decentralWebhook answered {response.status_code}: {response.text}"
        )
    webhook = response.json()
    if not isinstance(webhook.get("secret"), str) or not webhook["secret"]:
        raise BenchError(f"PUT /api/decentralWebhook answered no secret: {response.text[:200]}")
    return webhook


def delete_webhook(client: httpx.Client, base: str, webhook_id: int) -> None:
    response = client.delete(f"{base}/api/decentralWebhook/{webhook_id}")
    if response.status_code != httpx.codes.NO_CONTENT:
        raise BenchError(f"DELETE /api/decentralWebhook answered {response.status_code}")


def device_state(client: httpx.Client, base: str, smartlock_id: int) -> int:
    response = client.get(f"{base}/smartlock/{smartlock_id}")
    if response.status_code != httpx.codes.OK:
        raise BenchError(f"GET /smartlock/{smartlock_id} answered {response.status_code}")
    state = int(response.json()["state"]["state"])
    if state not in NEXT_ACTION:
        raise BenchError(
            f"device {smartlock_id} stands in state {state}, neither locked nor unlocked"
        )
    return state


def post_action(client: httpx.Client, base: str, smartlock_id: int, action: int) -> None:
    url = f"{base}/smartlock/{smartlock_id}/action"
    response = client.post(url, json={"action": action})
    if response.status_code != httpx.codes.NO_CONTENT:
        raise BenchError(
            f"POST {url} {{'action': {action}}} answered {response.status_code}: "
            f"{response.text[:200]}"
        )


# --- (a) latency -------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    smartlock_id: int
    samples_ms: list[float]
    deliveries: int
    signatures_ok: int
    duplicates: int

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples_ms, 99)


def is_log(delivery: Delivery, smartlock_id: int) -> bool:
    return delivery.feature == "DEVICE_LOGS" and delivery.smartlock_id == smartlock_id


def time_latency(client: httpx.Client, base: str, smartlock_id: int, count: int) -> Latency:
    received = Received()
    with receiving(received) as hook_url:
        webhook = register_webhook(client, base, hook_url, LATENCY_FEATURES)
        action = NEXT_ACTION[device_state(client, base, smartlock_id)]
        samples: list[float] = []
        for index in range(LATENCY_WARMUP + count):
            start = received.count()
            sent = time.monotonic()
            post_action(client, base, smartlock_id, action)
            received.wait_for(
                lambda ds, start=start: any(is_log(d, smartlock_id) for d in ds[start:]),
                sent + EVENT_TIMEOUT_S,
                f"the DEVICE_LOGS of action {index + 1} ({EVENT_TIMEOUT_S:g}s)",
            )
            arrived = next(d for d in received.since(start) if is_log(d, smartlock_id))
            if index >= LATENCY_WARMUP:  # the first ones pay for connections and lazy imports
                samples.append((arrived.arrived - sent) * 1000.0)
            action = OTHER_ACTION[action]
        time.sleep(GRACE_S)
        delete_webhook(client, base, webhook["id"])
    deliveries = received.since(0)
    secret = webhook["secret"].encode()
    signatures_ok = sum(
        hmac.compare_digest(hmac.new(secret, d.body, hashlib.sha256).hexdigest(), d.signature)
        for d in deliveries
    )
    duplicates = len(deliveries) - len({d.event_id for d in deliveries})
    logs = [d.action for d in deliveries if is_log(d, smartlock_id)]
    problems = []
    if signatures_ok != len(deliveries) or duplicates:
        problems.append(f"{len(deliveries) - signatures_ok} bad signatures, {duplicates} twice")
    if len(logs) != LATENCY_WARMUP + count:
        problems.append(f"{len(logs)} DEVICE_LOGS for {LATENCY_WARMUP + count} actions")
    if problems:
        raise BenchError("(a) failed the checks: " + "; ".join(problems))
    return Latency(smartlock_id, samples, len(deliveries), signatures_ok, duplicates)


# --- (b), (c) throughput -----------------------------------------------------------------


class ApiProbe:
    """GET /account one request at a time, in a thread: (sent, milliseconds) of each."""

    def __init__(self, base: str, token: str) -> None:
        self._url = base + "/account"
        self._headers = {"Authorization": f"Bearer {token}"}
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="api-probe", daemon=True)

    def _run(self) -> None:
        with httpx.Client(headers=self._headers, timeout=HTTP_TIMEOUT_S, trust_env=False) as c:
            while not self._stop.is_set():
                sent = time.monotonic()
                response = c.get(self._url)
                took = (time.monotonic() - sent) * 1000.0
                if response.status_code == httpx.codes.OK:
                    self.samples.append((sent, took))
                time.sleep(PROBE_PAUSE_S)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=HTTP_TIMEOUT_S + 1)

    def between(self, start: float, end: float) -> list[float]:
        return [took for sent, took in self.samples if start <= sent <= end]


@dataclass(frozen=True)
class Throughput:
    subscribers: int
    events: int  # written, each heard by every subscriber
    deliveries: int
    seed_s: float  # writing the events, in the seeding process
    span_s: float  # first arrival → last arrival
    total_s: float  # first event written → last arrival
    api_idle_ms: list[float]  # GET /account before the events
    api_busy_ms: list[float]  # GET /account while they are delivered
    signatures_ok: int
    duplicates: int
    missing: int
    out_of_order: int

    @property
    def deliveries_per_s(self) -> float:
        return self.deliveries / self.span_s if self.span_s else 0.0

    @property
    def written_per_s(self) -> float:
        return self.events / self.seed_s if self.seed_s else 0.0


def write_events(database_url: str, seeded: Seeded, count: int) -> dict[str, Any]:
    script = str(BENCH_DIR / "webhooks_seed.py")
    args = [database_url, str(seeded.account_id), str(seeded.smartlock_id), str(count)]
    done = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"writing the events failed: {done.stderr.strip()[-2000:]}")
    written: dict[str, Any] = json.loads(done.stdout)
    return written


def measure_throughput(
    client: httpx.Client,
    base: str,
    database_url: str,
    seeded: Seeded,
    receivers: Receivers,
    *,
    subscribers: int,
    events: int,
    settings: Settings,
    dump: Path,
) -> Throughput:
    webhooks = [
        register_webhook(client, base, receivers.url(i), ["DEVICE_LOGS"])
        for i in range(subscribers)
    ]
    expected = subscribers * events
    with ApiProbe(base, seeded.token) as probe:
        time.sleep(IDLE_PROBE_S)
        written = write_events(database_url, seeded, events)
        deadline = written["started"] + settings.timeout
        while (arrived := receivers.count()) < expected:
            if time.monotonic() > deadline:
                raise BenchError(f"{arrived} of {expected} deliveries within {settings.timeout:g}s")
            time.sleep(COUNT_POLL_S)
    time.sleep(GRACE_S)  # duplicates or extras show up meanwhile, if any
    records = receivers.dump(dump)
    for webhook in webhooks:
        delete_webhook(client, base, webhook["id"])
    first = min(r["arrived"] for r in records)
    last = max(r["arrived"] for r in records)
    secrets = {receivers.ports[i]: w["secret"].encode() for i, w in enumerate(webhooks)}
    signatures_ok, duplicates, missing, out_of_order = check(records, secrets, events)
    return Throughput(
        subscribers=subscribers,
        events=events,
        deliveries=len(records),
        seed_s=written["ended"] - written["started"],
        span_s=last - first,
        total_s=last - written["started"],
        api_idle_ms=probe.between(0.0, written["started"]),
        api_busy_ms=probe.between(first, last),
        signatures_ok=signatures_ok,
        duplicates=duplicates,
        missing=missing,
        out_of_order=out_of_order,
    )


def check(
    records: list[dict[str, Any]], secrets: dict[int, bytes], events: int
) -> tuple[int, int, int, int]:
    """Every delivery signed with its subscriber's secret; per subscriber, every event exactly
    once, in the order written. Anything else stops the run."""
    signatures_ok = 0
    by_port: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        secret = secrets.get(record["port"], b"")
        body = record["body"].encode("latin-1")
        digest = hmac.new(secret, body, hashlib.sha256).hexdigest()
        signatures_ok += hmac.compare_digest(digest, record["signature"])
        by_port[record["port"]].append(record)
    duplicates = missing = out_of_order = 0
    for port in secrets:
        got = by_port.get(port, [])
        ids = Counter(r["event_id"] for r in got)
        duplicates += sum(n - 1 for n in ids.values() if n > 1)
        missing += max(0, events - len(ids))
        order = [int(json.loads(r["body"])["smartlockLog"]["id"], 16) for r in got]
        out_of_order += sum(a >= b for a, b in itertools.pairwise(order))
    problems = []
    if signatures_ok != len(records):
        problems.append(f"{len(records) - signatures_ok} deliveries with a wrong signature")
    if duplicates or missing or out_of_order:
        problems.append(f"{duplicates} twice, {missing} missing, {out_of_order} out of order")
    if set(by_port) - set(secrets):
        problems.append("deliveries to a receiver no webhook names")
    if problems:
        raise BenchError("webhook deliveries failed the checks: " + "; ".join(problems))
    return signatures_ok, duplicates, missing, out_of_order


# --- the run -----------------------------------------------------------------------------


def measure(settings: Settings, console: Console) -> tuple[Latency, Throughput, Throughput]:
    # The temp dir is left last: SQLite's files must be closed (server stopped) before removal.
    with tempfile.TemporaryDirectory(prefix="nukiweb-bench-") as tmp, ExitStack() as stack:
        data_dir = Path(tmp)
        database_url = stack.enter_context(scratch_store(settings.database_url, data_dir))
        console.print("Creating the bench account, a lock and a token…")
        seeded = seed(database_url, data_dir)
        receivers = stack.enter_context(receivers_running(settings.subscribers))
        port = free_port()
        base = f"http://{HOST}:{port}"
        log_path = data_dir / "nukiweb.log"
        console.print(f"Starting nukiweb on {HOST}:{port}…")
        process = stack.enter_context(
            serving(serve_command(port, database_url, data_dir), log_path)
        )
        # trust_env=False: no proxy from the environment between the client and loopback.
        client = stack.enter_context(
            httpx.Client(
                headers={"Authorization": f"Bearer {seeded.token}"},
                timeout=HTTP_TIMEOUT_S,
                trust_env=False,
            )
        )
        try:
            wait_ready(process, client, base, log_path)
            console.print(f"(a) latency: {settings.latency_actions} actions, one at a time…")
            latency = time_latency(client, base, seeded.smartlock_id, settings.latency_actions)
            console.print(f"(b) {settings.events} events to one receiver…")
            one = measure_throughput(
                client, base, database_url, seeded, receivers,
                subscribers=1, events=settings.events, settings=settings,
                dump=data_dir / "one.jsonl",
            )  # fmt: skip
            console.print(
                f"(c) {settings.events_each} events to each of {settings.subscribers} receivers…"
            )
            many = measure_throughput(
                client, base, database_url, seeded, receivers,
                subscribers=settings.subscribers, events=settings.events_each,
                settings=settings, dump=data_dir / "many.jsonl",
            )  # fmt: skip
        except httpx.HTTPError as exc:
            raise BenchError(f"{type(exc).__name__}: {exc}\n{log_tail(log_path)}") from exc
        except BenchError as exc:
            raise BenchError(f"{exc}\nserver log:\n{log_tail(log_path)}") from exc
    return latency, one, many


# --- the report --------------------------------------------------------------------------


def verdict(figure: float, goal: float) -> str:
    return "holds" if figure >= goal else "MISSED"


def ms(samples: list[float], percent: float) -> str:
    return f"{percentile(samples, percent):.1f}" if samples else "-"


def print_table(
    latency: Latency, one: Throughput, many: Throughput, settings: Settings, console: Console
) -> None:
    store = "PostgreSQL" if settings.database_url else "SQLite"
    table = Table(title=f"nukiweb webhooks ({store})")
    table.add_column("measure")
    table.add_column("figure", justify="right")
    table.add_column("goal")
    table.add_row(
        f"(a) POST action → its DEVICE_LOGS, n={len(latency.samples_ms)}: p50 / p99",
        f"{latency.p50_ms:.1f} / {latency.p99_ms:.1f} ms",
        "",
    )
    for name, result, goal in (("(b)", one, GOAL_ONE), ("(c)", many, GOAL_MANY)):
        receivers = "1 receiver" if result.subscribers == 1 else f"{result.subscribers} receivers"
        table.add_row(
            f"{name} deliveries/s to {receivers} ({result.deliveries} deliveries)",
            f"{result.deliveries_per_s:,.0f}",
            f"≥ {goal:,.0f}: {verdict(result.deliveries_per_s, goal)}",
        )
        table.add_row(
            f"{name} first arrival → last; first event written → last arrival",
            f"{result.span_s:.2f} s; {result.total_s:.2f} s",
            "",
        )
        table.add_row(
            f"{name} events written/s (another process, {result.events} events)",
            f"{result.written_per_s:,.0f}",
            "",
        )
        table.add_row(
            f"{name} GET /account p50 / p99: idle (n={len(result.api_idle_ms)})",
            f"{ms(result.api_idle_ms, 50)} / {ms(result.api_idle_ms, 99)} ms",
            "",
        )
        table.add_row(
            f"{name} … while delivering (n={len(result.api_busy_ms)})",
            f"{ms(result.api_busy_ms, 50)} / {ms(result.api_busy_ms, 99)} ms",
            "",
        )
        table.add_row(
            f"{name} signatures ok / twice / missing / out of order",
            f"{result.signatures_ok}/{result.deliveries} / {result.duplicates} / "
            f"{result.missing} / {result.out_of_order}",
            "",
        )
    console.print(table)


def throughput_json(result: Throughput, goal: float) -> dict[str, Any]:
    figures = asdict(result)
    for name in ("api_idle_ms", "api_busy_ms"):
        samples = figures.pop(name)
        figures[name] = {
            "count": len(samples),
            "p50": round(percentile(samples, 50), 3) if samples else None,
            "p99": round(percentile(samples, 99), 3) if samples else None,
        }
    return {
        **figures,
        "deliveries_per_s": round(result.deliveries_per_s, 1),
        "written_per_s": round(result.written_per_s, 1),
        "goal_per_s": goal,
        "goal": verdict(result.deliveries_per_s, goal),
    }


def as_json(latency: Latency, one: Throughput, many: Throughput, settings: Settings) -> str:
    return json.dumps(
        {
            "settings": asdict(settings),
            "latency": {
                "smartlock_id": latency.smartlock_id,
                "count": len(latency.samples_ms),
                "p50_ms": round(latency.p50_ms, 3),
                "p99_ms": round(latency.p99_ms, 3),
                "samples_ms": [round(s, 3) for s in latency.samples_ms],
            },
            "one_receiver": throughput_json(one, GOAL_ONE),
            "many_receivers": throughput_json(many, GOAL_MANY),
        },
        indent=2,
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    progress = Console(stderr=True)  # progress on stderr keeps stdout to the figures
    try:
        latency, one, many = measure(settings, progress)
    except BenchError as exc:
        progress.print(f"bench: {exc}", markup=False, highlight=False)
        return 1
    except KeyboardInterrupt:
        return 130  # the server was already stopped on the way out of measure()
    if settings.json:
        print(as_json(latency, one, many, settings))
    else:
        print_table(latency, one, many, settings, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
