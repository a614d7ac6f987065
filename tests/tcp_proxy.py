"""A TCP proxy between a server under test and its PostgreSQL, on a loopback port: the test
cuts the database off (every connection through it closed, new ones refused) and lets it back,
without touching the machine's PostgreSQL. asyncio streams, on an event loop in a thread of its
own."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from tests.support import free_port

T = TypeVar("T")
CHUNK = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.port = free_port()
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._listener: asyncio.Server | None = None
        self._streams: set[asyncio.StreamWriter] = set()
        self._piping: set[asyncio.Task[Any]] = set()
        self.connections = 0  # accepted and piped to the target, ever

    def start(self) -> None:
        self._thread.start()
        self.restore()

    def cut(self) -> None:
        """Every connection through the proxy is reset, and new ones are refused."""
        self._run(self._cut())

    def restore(self) -> None:
        """Connections are accepted (again), on the same port."""
        self._run(self._listen())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(10)

    async def _listen(self) -> None:
        if self._listener is not None:
            return
        deadline = time.monotonic() + 5
        while True:
            try:
                self._listener = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
            except OSError:  # the port is still being released
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
            else:
                return

    async def _cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
            await listener.wait_closed()
        for stream in list(self._streams):
            stream.transport.abort()
        self._streams.clear()
        if self._piping:
            await asyncio.wait(self._piping, timeout=5)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._piping.add(task)
        try:
            try:
                target_reader, target_writer = await asyncio.open_connection(*self._target)
            except OSError:
                writer.transport.abort()
                return
            self.connections += 1
            self._streams.update((writer, target_writer))
            await asyncio.gather(
                _pipe(reader, target_writer), _pipe(target_reader, writer), return_exceptions=True
            )
            self._streams.difference_update((writer, target_writer))
        finally:
            self._piping.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except OSError:  # reset by the cut, or by either end
        pass
    finally:
        with contextlib.suppress(OSError):
            writer.close()


@contextmanager
def tcp_proxy(target_host: str, target_port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(target_host, target_port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.close()
