"""How ``nukiweb serve`` meets the network: the public URL it is reached at, the proxies
whose forwarded headers it believes, and the processes that serve (``--workers``).

Request headers never decide an absolute URL: ``Host`` and ``X-Forwarded-*`` are whatever the
client sent, unless a proxy in front rewrites them. Every absolute URL nukiweb makes comes from
the public URL instead. ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the
addresses named with ``--forwarded-allow-ips``; uvicorn would otherwise believe them from
loopback (or from what its own ``FORWARDED_ALLOW_IPS`` names), and anyone on the machine could
claim to be any address.

With ``--workers N`` (N > 1) the ``serve`` process becomes a supervisor. It does once what must
be done once, before any worker starts: the migrations, the secret key file, failing what the
last run left in flight, the demo account. Then it binds the listening socket and spawns N
workers that all accept on it (the kernel wakes one per connection), each with a context of
its own built from ``WorkerSettings``: its own connections, token cache, delivery worker and
simulated bridges. It restarts a worker that dies, after failing the operations the dead one
carried (``services.instances.finish``); SIGINT or SIGTERM stop every worker
gracefully. uvicorn's own ``--workers`` would do the socket and the restarts too, but not the
clean-up of what a dead worker carried, and it wants the app as an import string with the
settings in the environment.

What the workers keep in memory and would disagree on: the token cache (an invalidation in
one clears every worker's, through a counter they share), the simulated hardware's timers (the
store says which process carries which device, see ``bridges.simulated``), and the in-process
wake-up of the delivery worker (the other workers' delivery workers see a new event at their
next poll, within a second; leases keep them from delivering one subscriber twice at once).
"""

from __future__ import annotations

import ctypes
import ipaddress
import logging
import multiprocessing
import multiprocessing.connection
import os
import secrets
import signal
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from nukiweb.api.app import create_app
from nukiweb.bridges.broker import BrokerSettings
from nukiweb.bridges.mqtt import DEFAULT_COMMAND_TIMEOUT
from nukiweb.bridges.simulated import SimulationSpeed
from nukiweb.domain.limits import Limits
from nukiweb.mail.transports import transport_for
from nukiweb.runtime import build_context
from nukiweb.secretbox import SecretBox
from nukiweb.services.context import DEFAULT_FEED_SYNC_INTERVAL
from nukiweb.store.database import Database
from nukiweb.web.live import end_streams

_ANY_ADDRESS = ("0.0.0.0", "::")  # noqa: S104 - names, not a bind


def default_public_url(host: str, port: int) -> str:
    """``http://HOST:PORT``; an address that means every interface is shown as loopback."""
    shown = "127.0.0.1" if host in _ANY_ADDRESS else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def check_public_url(url: str) -> str:
    """``url`` without a trailing slash, if it is ``http(s)://HOST[:PORT]``; ``ValueError``
    otherwise."""
    url = url.strip().removesuffix("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or any((parts.path, parts.query, parts.fragment))
        or any(char.isspace() or char == "\\" for char in url)
    ):
        raise ValueError(f"--public-url: '{url}' is not http(s)://HOST[:PORT]")
    return url


def check_forwarded_allow_ips(value: str | None) -> list[str]:
    """The addresses and networks of ``--forwarded-allow-ips`` (comma-separated); none when
    ``value`` is empty. ``ValueError`` for anything that is not an address or a network."""
    allowed = [item.strip() for item in (value or "").split(",") if item.strip()]
    for item in allowed:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                f"--forwarded-allow-ips: '{item}' is not an IP address or network"
            ) from None
    return allowed


def server_config(
    app: ASGIApp,
    host: str,
    port: int,
    *,
    forwarded_allow_ips: Sequence[str] = (),
    access_log: bool = False,
    log_level: str = "info",
) -> uvicorn.Config:
    """uvicorn's configuration for nukiweb: forwarded headers only from ``forwarded_allow_ips``
    (named explicitly, so that uvicorn's own environment variable cannot widen them)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=access_log,
        log_level=log_level,
        proxy_headers=bool(forwarded_allow_ips),
        forwarded_allow_ips=list(forwarded_allow_ips),
    )


class Server(uvicorn.Server):
    """uvicorn's server for nukiweb's app. Stopping, it ends the live pages' event streams
    (web/live.py) first: uvicorn finishes every response in flight before it stops, and a
    stream would otherwise go on for minutes."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        end_streams(self._app)
        await super().shutdown(sockets)


# Several worker processes: ``nukiweb serve --workers N``.


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What a worker process is told to serve with: what ``serve`` was given. It is pickled
    to each spawned worker, which builds its own context and app from it."""

    database_url: str
    data_dir: Path
    speed: SimulationSpeed
    allow_local_webhooks: bool
    public_url: str
    limits: Limits
    simulator_api: bool
    forwarded_allow_ips: tuple[str, ...] = ()
    access_log: bool = False
    feed_sync_interval: float = DEFAULT_FEED_SYNC_INTERVAL
    smtp_url: str | None = None
    mail_from: str | None = None
    mqtt_url: str | None = None
    mqtt_command_timeout: float = DEFAULT_COMMAND_TIMEOUT


def serve_worker(
    settings: WorkerSettings,
    sock: socket.socket,
    carrier: str,
    revocations: Synchronized[int],
) -> None:
    """One worker process: a context of its own on the shared store (migrated by the
    supervisor before any worker started; the secret key file made by it too), its delivery
    worker and simulated bridges (named ``carrier`` in the store), and uvicorn accepting on
    the shared listening socket."""
    database = Database(settings.database_url)
    ctx = build_context(
        database,
        speed=settings.speed,
        secrets=SecretBox.for_data_dir(settings.data_dir),
        allow_local_webhooks=settings.allow_local_webhooks,
        public_url=settings.public_url,
        limits=settings.limits,
        instance=carrier,
        feed_sync_interval=settings.feed_sync_interval,
        mail_transport=transport_for(settings.smtp_url, settings.data_dir),
        mail_from=settings.mail_from,
        broker=None if settings.mqtt_url is None else BrokerSettings.from_url(settings.mqtt_url),
        command_timeout=settings.mqtt_command_timeout,
    )
    ctx.tokens.share_revocations(revocations)
    app = create_app(ctx, simulator_api=settings.simulator_api)
    host, port = sock.getsockname()[:2]
    config = server_config(
        app,
        host,
        port,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        access_log=settings.access_log,
    )
    Server(config, app).run(sockets=[sock])
    database.dispose()


@dataclass
class _Worker:
    process: BaseProcess
    carrier: str
    started: float


class Supervisor:
    """Runs ``workers`` worker processes on one listening socket, which the kernel hands
    connections from in turn; restarts a worker that dies, after telling ``on_death`` which
    carrier it was (so that what it carried is failed, not left pending); stops them all,
    gracefully, on SIGINT or SIGTERM. The store must be migrated before ``run``."""

    def __init__(
        self,
        settings: WorkerSettings,
        host: str,
        port: int,
        workers: int,
        on_death: Callable[[str], object],
    ) -> None:
        self._settings = settings
        self._host = host
        self._port = port
        self._count = workers
        self._on_death = on_death
        self._spawn = multiprocessing.get_context("spawn")
        # Bumped by any worker that changes who a token authenticates (revocation, password).
        self._revocations = self._spawn.Value(ctypes.c_uint64, 0)
        self._stopping = False
        self._workers: list[_Worker] = []

    def run(self) -> None:
        # uvicorn's configuration only to bind the socket as uvicorn would, and for its logging.
        sock = server_config(_unused_app, self._host, self._port).bind_socket()
        previous = {
            signum: signal.signal(signum, self._stop) for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            _log.info("Started supervisor [%d] of %d workers", os.getpid(), self._count)
            self._workers = [self._start(sock) for _ in range(self._count)]
            while not self._stopping:
                sentinels = [worker.process.sentinel for worker in self._workers]
                multiprocessing.connection.wait(sentinels, timeout=_WATCH_SECONDS)
                for index, worker in enumerate(self._workers):
                    if worker.process.is_alive() or self._stopping:
                        continue
                    self._workers[index] = self._replace(worker, sock)
        finally:
            self._stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            sock.close()

    def _start(self, sock: socket.socket) -> _Worker:
        carrier = secrets.token_hex(6)
        process = self._spawn.Process(
            target=serve_worker,
            args=(self._settings, sock, carrier, self._revocations),
            name=f"nukiweb-worker-{carrier}",
        )
        process.start()
        return _Worker(process, carrier, time.monotonic())

    def _replace(self, dead: _Worker, sock: socket.socket) -> _Worker:
        _log.warning(
            "Worker [%s] died (exit code %s): restarting it",
            dead.process.pid,
            dead.process.exitcode,
        )
        dead.process.join()
        try:
            self._on_death(dead.carrier)  # logs the devices it finished
        except Exception:  # noqa: BLE001 - the other workers must go on being supervised
            _log.exception("What the dead worker carried could not be released")
        if time.monotonic() - dead.started < _RESTART_GRACE_SECONDS:
            time.sleep(_RESTART_DELAY_SECONDS)  # a worker that cannot start must not spin
        return self._start(sock)

    def _stop(self, _signum: int, _frame: object) -> None:
        self._stopping = True

    def _stop_all(self) -> None:
        """SIGTERM: each worker's uvicorn finishes the requests in flight, then exits."""
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
        deadline = time.monotonic() + _STOP_SECONDS
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                _log.warning("Worker [%s] did not stop: killing it", worker.process.pid)
                worker.process.kill()
                worker.process.join()


_log = logging.getLogger("uvicorn.error")
_WATCH_SECONDS = 1.0
_RESTART_GRACE_SECONDS = 5.0
_RESTART_DELAY_SECONDS = 1.0
_STOP_SECONDS = 30.0


async def _unused_app(_scope: Scope, _receive: Receive, _send: Send) -> None:
    raise RuntimeError("the supervisor serves nothing itself")  # pragma: no cover
