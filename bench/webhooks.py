"""Benchmark nukiweb's webhook delivery: latency of one event, and deliveries per second.

Usage: .venv/bin/python bench/webhooks.py [--latency-actions 100] [--throughput-actions 300]
                                           [--devices 5] [--timeout 60] [--json]

One nukiweb server runs as a subprocess on a free 127.0.0.1 port (instant simulated devices,
local webhooks allowed); a receiver runs in this process on another 127.0.0.1 port and answers
every POST 200 at once. A decentral webhook for DEVICE_LOGS and DEVICE_STATUS points at it.

(a) latency: one action at a time on one lock, lock and unlock alternating; a sample is the
    time from sending the POST /smartlock/{id}/action to the arrival of its DEVICE_LOGS.
(b) throughput: ``--throughput-actions`` actions sent one after another, round robin over
    ``--devices`` locks (a 423 is retried after a short pause); then deliveries are counted
    until every expected DEVICE_STATUS and DEVICE_LOGS has arrived.

Every delivery's signature is verified, and none may be missing or duplicated (by
X-Nuki-Event-Id). See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

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
    serving,
)

BENCH_EMAIL = "bench-webhooks@example.com"
BENCH_PASSWORD = "benchpassword"  # noqa: S105 - a throwaway account in a temp database
DEVICE_TYPE = 4  # Smart Lock 3.0/Pro/4th gen
FEATURES = ("DEVICE_LOGS", "DEVICE_STATUS")
SIGNATURE_HEADER = "X-Nuki-Signature-SHA256"
EVENT_ID_HEADER = "X-Nuki-Event-Id"

LOCK, UNLOCK = 2, 1  # SmartlockAction.action of a lock
LOCKED, UNLOCKED = 1, 3  # Smartlock.State.state
NEXT_ACTION = {LOCKED: UNLOCK, UNLOCKED: LOCK}
OTHER_ACTION = {LOCK: UNLOCK, UNLOCK: LOCK}

START_TIMEOUT_S = 60.0  # the server from spawn to its first 200
HTTP_TIMEOUT_S = 5.0  # one request to the server
EVENT_TIMEOUT_S = 10.0  # (a): from the POST to its DEVICE_LOGS; the worker polls every 0.1 s
BUSY_PAUSE_S = 0.005  # (b): pause before retrying an action answered 423
GRACE_S = 1.0  # after the last expected delivery: time for extras and duplicates to show
LATENCY_WARMUP = 4  # discarded actions first in (a)
MAX_ACTIONS = 100_000


@dataclass(frozen=True)
class Settings:
    latency_actions: int
    throughput_actions: int
    devices: int
    timeout: float
    json: bool


@dataclass(frozen=True)
class Delivery:
    """One POST the receiver got, as it got it."""

    arrived: float  # time.perf_counter() once the body was read
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
        """Until ``done(deliveries)`` holds; BenchError at ``deadline`` (perf_counter)."""
        with self.condition:
            while not done(self.deliveries):
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise BenchError(f"timed out waiting for {what}")
                self.condition.wait(min(left, 0.5))


@dataclass(frozen=True)
class Latency:
    smartlock_id: int
    samples_ms: list[float]
    statuses_per_action: int  # DEVICE_STATUS deliveries before each action's DEVICE_LOGS
    busy_retries: int

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples_ms, 99)


@dataclass(frozen=True)
class Throughput:
    actions: int
    devices: int
    busy_retries: int
    send_s: float  # first POST sent to the last 204
    deliveries: int  # every one, DEVICE_STATUS and DEVICE_LOGS
    logs: int
    statuses: int
    span_s: float  # first POST sent to the arrival of the last delivery
    drain_s: float  # last 204 to the arrival of the last delivery

    @property
    def actions_per_s(self) -> float:
        return self.actions / self.send_s if self.send_s else 0.0

    @property
    def deliveries_per_s(self) -> float:
        return self.deliveries / self.span_s if self.span_s else 0.0


@dataclass(frozen=True)
class Checks:
    deliveries: int
    signatures_ok: int
    duplicates: int
    missing: int


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
        "--throughput-actions",
        type=bounded_int(1, MAX_ACTIONS),
        default=300,
        help="(b) actions fired as fast as the API accepts them (default 300)",
    )
    parser.add_argument(
        "--devices",
        type=bounded_int(1, 100),
        default=5,
        help="(b) locks the actions go to, round robin (default 5)",
    )
    parser.add_argument(
        "--timeout",
        type=bounded_int(1, 3600),
        default=60,
        help="seconds (b) may take from its first POST to its last delivery (default 60)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    return Settings(
        args.latency_actions,
        args.throughput_actions,
        args.devices,
        float(args.timeout),
        args.json,
    )


# --- the receiver ------------------------------------------------------------------------


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
            received.add(parse_delivery(time.perf_counter(), self.headers, body))
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


# --- the server --------------------------------------------------------------------------


def seed(database_url: str, devices: int) -> tuple[str, list[int]]:
    db = ["--database-url", database_url]
    run_cli(["admin", "create-account", "--email", BENCH_EMAIL, "--password", BENCH_PASSWORD, *db])
    ids = []
    for _ in range(devices):
        printed = run_cli(
            ["admin", "add-device", "--email", BENCH_EMAIL, "--type", str(DEVICE_TYPE), *db]
        )
        if not printed.isdigit():
            raise BenchError(f"add-device printed something other than a smartlockId: {printed!r}")
        ids.append(int(printed))
    token = run_cli(["admin", "create-token", "--email", BENCH_EMAIL, *db])
    if not token or any(ch.isspace() for ch in token):
        raise BenchError(f"create-token printed something other than a token: {token!r}")
    return token, ids


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


def register_webhook(client: httpx.Client, base: str, url: str) -> str:
    response = client.put(
        base + "/api/decentralWebhook",
        json={"webhookUrl": url, "webhookFeatures": list(FEATURES)},
    )
    if response.status_code != httpx.codes.OK:
        raise BenchError(
            f"PUT /api/decentralWebhook answered {response.status_code}: {response.text}"
        )
    secret = response.json().get("secret")
    if not isinstance(secret, str) or not secret:
        raise BenchError(f"PUT /api/decentralWebhook answered no secret: {response.text[:200]}")
    return secret


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


def post_action(client: httpx.Client, base: str, smartlock_id: int, action: int) -> int:
    """POST the action until it is accepted; returns how many 423s came first."""
    url = f"{base}/smartlock/{smartlock_id}/action"
    deadline = time.perf_counter() + EVENT_TIMEOUT_S
    busy = 0
    while True:
        response = client.post(url, json={"action": action})
        if response.status_code == httpx.codes.NO_CONTENT:
            return busy
        if response.status_code != httpx.codes.LOCKED or time.perf_counter() > deadline:
            raise BenchError(
                f"POST {url} {{'action': {action}}} answered {response.status_code} "
                f"(after {busy} 423s): {response.text[:200]}"
            )
        busy += 1
        time.sleep(BUSY_PAUSE_S)


# --- (a) latency -------------------------------------------------------------------------


def is_log(delivery: Delivery, smartlock_id: int) -> bool:
    return delivery.feature == "DEVICE_LOGS" and delivery.smartlock_id == smartlock_id


def time_latency(
    client: httpx.Client, base: str, received: Received, smartlock_id: int, count: int
) -> Latency:
    action = NEXT_ACTION[device_state(client, base, smartlock_id)]
    samples: list[float] = []
    statuses: list[int] = []
    busy = 0
    for index in range(LATENCY_WARMUP + count):
        start = received.count()
        sent = time.perf_counter()
        busy += post_action(client, base, smartlock_id, action)
        received.wait_for(
            lambda ds, start=start: any(is_log(d, smartlock_id) for d in ds[start:]),
            sent + EVENT_TIMEOUT_S,
            f"the DEVICE_LOGS of action {index + 1} ({EVENT_TIMEOUT_S:g}s)",
        )
        arrived = received.since(start)
        log_at = next(i for i, d in enumerate(arrived) if is_log(d, smartlock_id))
        statuses.append(sum(d.feature == "DEVICE_STATUS" for d in arrived[:log_at]))
        if index >= LATENCY_WARMUP:  # the first ones pay for connections and lazy imports
            samples.append((arrived[log_at].arrived - sent) * 1000.0)
        action = OTHER_ACTION[action]
    # Status events are written before the action's log entry and delivered in order, so each
    # action's arrive before its DEVICE_LOGS; (b) expects as many per action.
    if len(set(statuses)) != 1:
        raise BenchError(f"DEVICE_STATUS deliveries per action vary: {Counter(statuses)}")
    return Latency(smartlock_id, samples, statuses[0], busy)


# --- (b) throughput ----------------------------------------------------------------------


def fire(
    client: httpx.Client, base: str, devices: list[int], count: int
) -> tuple[float, float, int, dict[int, list[int]]]:
    """``count`` actions, round robin over ``devices``, each lock alternating; returns when the
    first was sent and the last accepted (perf_counter), the 423s, and the actions by device."""
    actions = {d: NEXT_ACTION[device_state(client, base, d)] for d in devices}
    sent: dict[int, list[int]] = {d: [] for d in devices}
    busy = 0
    first = time.perf_counter()
    for index in range(count):
        device = devices[index % len(devices)]
        busy += post_action(client, base, device, actions[device])
        sent[device].append(actions[device])
        actions[device] = OTHER_ACTION[actions[device]]
    return first, time.perf_counter(), busy, sent


def measure_throughput(
    client: httpx.Client,
    base: str,
    received: Received,
    devices: list[int],
    settings: Settings,
    statuses_per_action: int,
) -> tuple[Throughput, dict[int, list[int]], int]:
    start = received.count()
    first, last_accepted, busy, sent = fire(client, base, devices, settings.throughput_actions)
    expected = settings.throughput_actions * (1 + statuses_per_action)
    try:
        received.wait_for(
            lambda ds: len(ds) - start >= expected,
            first + settings.timeout,
            f"{expected} deliveries within {settings.timeout:g}s of the first POST",
        )
    except BenchError as exc:
        raise BenchError(f"{exc}: {received.count() - start} arrived") from exc
    arrived = received.since(start)[:expected]
    last = max(d.arrived for d in arrived)
    result = Throughput(
        actions=settings.throughput_actions,
        devices=len(devices),
        busy_retries=busy,
        send_s=last_accepted - first,
        deliveries=len(arrived),
        logs=sum(d.feature == "DEVICE_LOGS" for d in arrived),
        statuses=sum(d.feature == "DEVICE_STATUS" for d in arrived),
        span_s=last - first,
        drain_s=max(0.0, last - last_accepted),
    )
    return result, sent, start


# --- checks ------------------------------------------------------------------------------


def check(
    received: Received,
    secret: str,
    latency: Latency,
    latency_device: int,
    throughput_start: int,
    sent: dict[int, list[int]],
    statuses_per_action: int,
) -> Checks:
    """Every delivery signed right, no event twice, none missing and nothing unexpected."""
    time.sleep(GRACE_S)  # duplicates or extras show up meanwhile, if any
    deliveries = received.since(0)
    problems: list[str] = []
    signatures_ok = sum(
        hmac.compare_digest(
            hmac.new(secret.encode(), d.body, hashlib.sha256).hexdigest(), d.signature
        )
        for d in deliveries
    )
    if signatures_ok != len(deliveries):
        problems.append(f"{len(deliveries) - signatures_ok} deliveries with a wrong signature")
    ids = Counter(d.event_id for d in deliveries)
    duplicates = sum(n - 1 for n in ids.values() if n > 1)
    if duplicates or "" in ids:
        problems.append(f"{duplicates} duplicated event ids, {ids['']} without one")
    features = Counter(d.feature for d in deliveries)
    if set(features) - set(FEATURES):
        problems.append(f"unexpected features: {features}")
    latency_actions = LATENCY_WARMUP + len(latency.samples_ms)
    expected = (latency_actions + sum(map(len, sent.values()))) * (1 + statuses_per_action)
    missing = max(0, expected - len(ids))
    if len(ids) != expected:
        problems.append(f"{len(ids)} distinct events, expected {expected}")
    # Per device, one DEVICE_LOGS per action, with the action sent, in the order sent.
    later = deliveries[throughput_start:]
    for device, actions in sent.items():
        logged = [d.action for d in later if is_log(d, device)]
        if logged != actions:
            problems.append(f"device {device}: logged actions {logged} != sent {actions}")
    early = [d for d in deliveries[:throughput_start] if d.feature == "DEVICE_LOGS"]
    if len(early) != latency_actions or any(d.smartlock_id != latency_device for d in early):
        problems.append(f"(a): {len(early)} DEVICE_LOGS for {latency_actions} actions")
    if problems:
        raise BenchError("webhook deliveries failed the checks:\n  " + "\n  ".join(problems))
    return Checks(len(deliveries), signatures_ok, duplicates, missing)


# --- the run -----------------------------------------------------------------------------


def measure(settings: Settings, console: Console) -> tuple[Latency, Throughput, Checks]:
    received = Received()
    # The temp dir is left last: SQLite's files must be closed (server stopped) before removal.
    with tempfile.TemporaryDirectory(prefix="nukiweb-bench-") as tmp, ExitStack() as stack:
        data_dir = Path(tmp)
        database_url = f"sqlite:///{data_dir / 'bench.db'}"
        console.print(f"Creating the bench account, {settings.devices} locks and a token…")
        token, devices = seed(database_url, settings.devices)
        hook_url = stack.enter_context(receiving(received))
        port = free_port()
        base = f"http://{HOST}:{port}"
        log_path = data_dir / "nukiweb.log"
        console.print(f"Starting nukiweb on {HOST}:{port}, the receiver at {hook_url}…")
        process = stack.enter_context(
            serving(serve_command(port, database_url, data_dir), log_path)
        )
        # trust_env=False: no proxy from the environment between the client and loopback.
        client = stack.enter_context(
            httpx.Client(
                headers={"Authorization": f"Bearer {token}"},
                timeout=HTTP_TIMEOUT_S,
                trust_env=False,
            )
        )
        try:
            wait_ready(process, client, base, log_path)
            secret = register_webhook(client, base, hook_url)
            console.print(f"(a) latency: {settings.latency_actions} actions, one at a time…")
            latency = time_latency(client, base, received, devices[0], settings.latency_actions)
            console.print(
                f"(b) throughput: {settings.throughput_actions} actions over "
                f"{settings.devices} locks…"
            )
            throughput, sent, start = measure_throughput(
                client, base, received, devices, settings, latency.statuses_per_action
            )
            checks = check(
                received, secret, latency, devices[0], start, sent, latency.statuses_per_action
            )
        except httpx.HTTPError as exc:
            raise BenchError(f"{type(exc).__name__}: {exc}\n{log_tail(log_path)}") from exc
        except BenchError as exc:
            raise BenchError(f"{exc}\nserver log:\n{log_tail(log_path)}") from exc
    return latency, throughput, checks


# --- the report --------------------------------------------------------------------------


def print_table(latency: Latency, throughput: Throughput, checks: Checks, console: Console) -> None:
    table = Table(title="nukiweb webhooks (decentral, DEVICE_LOGS + DEVICE_STATUS)")
    table.add_column("measure")
    table.add_column("figure", justify="right")
    table.add_row(
        f"(a) POST action → its DEVICE_LOGS, n={len(latency.samples_ms)}: p50",
        f"{latency.p50_ms:.1f} ms",
    )
    table.add_row("(a) … p99", f"{latency.p99_ms:.1f} ms")
    table.add_row(
        f"(b) deliveries/s ({throughput.actions} actions, {throughput.devices} locks)",
        f"{throughput.deliveries_per_s:,.0f}",
    )
    table.add_row(
        "(b) deliveries (DEVICE_LOGS + DEVICE_STATUS)",
        f"{throughput.deliveries} ({throughput.logs} + {throughput.statuses})",
    )
    table.add_row("(b) first POST → last delivery", f"{throughput.span_s:.2f} s")
    table.add_row(
        "(b) actions accepted/s (423s retried)",
        f"{throughput.actions_per_s:,.0f} ({throughput.busy_retries})",
    )
    table.add_row("(b) last 204 → last delivery", f"{throughput.drain_s:.2f} s")
    table.add_row(
        "signatures ok / duplicates / missing",
        f"{checks.signatures_ok}/{checks.deliveries} / {checks.duplicates} / {checks.missing}",
    )
    console.print(table)


def as_json(latency: Latency, throughput: Throughput, checks: Checks, settings: Settings) -> str:
    return json.dumps(
        {
            "settings": asdict(settings),
            "latency": {
                "smartlock_id": latency.smartlock_id,
                "count": len(latency.samples_ms),
                "p50_ms": round(latency.p50_ms, 3),
                "p99_ms": round(latency.p99_ms, 3),
                "statuses_per_action": latency.statuses_per_action,
                "busy_retries": latency.busy_retries,
                "samples_ms": [round(s, 3) for s in latency.samples_ms],
            },
            "throughput": {
                **asdict(throughput),
                "send_s": round(throughput.send_s, 4),
                "span_s": round(throughput.span_s, 4),
                "drain_s": round(throughput.drain_s, 4),
                "actions_per_s": round(throughput.actions_per_s, 1),
                "deliveries_per_s": round(throughput.deliveries_per_s, 1),
            },
            "checks": asdict(checks),
        },
        indent=2,
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    progress = Console(stderr=True)  # progress on stderr keeps stdout to the figures
    try:
        latency, throughput, checks = measure(settings, progress)
    except BenchError as exc:
        progress.print(f"bench: {exc}", markup=False, highlight=False)
        return 1
    except KeyboardInterrupt:
        return 130  # the server was already stopped on the way out of measure()
    if settings.json:
        print(as_json(latency, throughput, checks, settings))
    else:
        print_table(latency, throughput, checks, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
