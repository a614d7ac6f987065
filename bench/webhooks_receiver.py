"""Webhook receivers for bench/webhooks.py, in a process of their own so that they are not what
the benchmark measures.

Usage: python bench/webhooks_receiver.py PORTS

Listens on ``PORTS`` free 127.0.0.1 ports (the kernel picks them) and prints them as one JSON
line on stdout. Every POST is answered ``200`` with an empty body at once (HTTP/1.1,
keep-alive) and recorded: the port, the arrival time (``time.monotonic()``, the system-wide
clock, comparable with the benchmark's), ``X-Nuki-Event-Id``, ``X-Nuki-Signature-SHA256`` and
the raw body. Two GETs, on any of the ports, let the benchmark read what arrived:
``GET /count`` answers how many POSTs arrived so far, ``GET /dump?to=FILE`` writes every record
to FILE (one JSON object a line) and forgets them. An asyncio protocol with a minimal HTTP/1.1
parser: a few tens of microseconds a request, so that the receivers are never the bottleneck.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
MAX_HEAD = 64 * 1024

Record = tuple[float, int, str, str, bytes]


class Recorder:
    def __init__(self) -> None:
        self.records: list[Record] = []

    def answer_control(self, target: str) -> bytes:
        url = urlsplit(target)
        if url.path == "/count":
            body = json.dumps({"count": len(self.records)}).encode()
        elif url.path == "/dump":
            path = Path(parse_qs(url.query)["to"][0])
            with path.open("w") as out:
                for arrived, port, event_id, signature, raw in self.records:
                    line = {
                        "arrived": arrived,
                        "port": port,
                        "event_id": event_id,
                        "signature": signature,
                        "body": raw.decode("latin-1"),  # bytes as they came, losslessly
                    }
                    out.write(json.dumps(line) + "\n")
            body = json.dumps({"dumped": len(self.records)}).encode()
            self.records = []
        else:
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        return head.encode() + b"\r\n\r\n" + body


class Receiving(asyncio.Protocol):
    def __init__(self, recorder: Recorder, port: int) -> None:
        self._recorder = recorder
        self._port = port
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: Any) -> None:
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._answer_one():
            pass

    def _answer_one(self) -> bool:
        """Answers the first whole request in the buffer, if there is one."""
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD and self._transport is not None:
                self._transport.close()
            return False
        lines = self._buffer[:end].decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if len(self._buffer) < end + 4 + length:
            return False
        body = self._buffer[end + 4 : end + 4 + length]
        self._buffer = self._buffer[end + 4 + length :]
        assert self._transport is not None
        if method == "POST":
            self._recorder.records.append(
                (
                    time.monotonic(),
                    self._port,
                    headers.get("x-nuki-event-id", ""),
                    headers.get("x-nuki-signature-sha256", ""),
                    body,
                )
            )
            self._transport.write(OK)
        else:
            self._transport.write(self._recorder.answer_control(target))
        return True


async def serve(count: int) -> None:
    loop = asyncio.get_running_loop()
    recorder = Recorder()
    servers = []
    ports = []
    for _ in range(count):
        # The port is known once listening: bound first, then served.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        server = await loop.create_server(
            partial(Receiving, recorder, port), sock=sock, backlog=512
        )
        servers.append(server)
        ports.append(port)
    print(json.dumps({"ports": ports}), flush=True)
    # Until the benchmark closes our stdin (or is gone).
    await loop.run_in_executor(None, sys.stdin.read)
    for server in servers:
        server.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
