"""Where a webhook's request goes: to an address that was checked, and nowhere else.

A host name is resolved once per connection (without blocking the event loop), every address it
resolves to is checked (``domain.webhooks.is_forbidden_address``), and the connection is made
to one of those addresses: nothing resolves the name again, so a name that answers a public
address to the check and a private one to the connection (DNS rebinding) reaches nothing it may
not. The request's URL keeps its host name: the Host header, the TLS server name and the
certificate's verification are the host name's, as without the check, and connections are
pooled per host name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable

import httpcore
import httpx

from nukiweb.domain import webhooks as rules

# A resolver: the addresses (as strings) a host name has, for a TCP connection to ``port``.
Resolver = Callable[[str, int], Awaitable[list[str]]]
# A socket option as httpcore's network backends take it.
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)

MAX_CONNECTIONS = 100
MAX_IDLE_CONNECTIONS = 20
IDLE_SECONDS = 5.0


class UnsafeAddress(Exception):
    """The webhook's host resolves to an address webhooks may not go to."""


async def resolve_with_system(host: str, port: int) -> list[str]:
    """The system's resolver, through the event loop (in its thread pool)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, whose connections go to checked addresses only."""

    def __init__(self, resolve: Resolver, *, allow_local: bool) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend, its connection pool does: the pool is made here as
        # httpx makes it (httpx 0.28), with the backend that checks where it connects.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=MAX_CONNECTIONS,
            max_keepalive_connections=MAX_IDLE_CONNECTIONS,
            keepalive_expiry=IDLE_SECONDS,
            network_backend=_CheckedNetwork(resolve, allow_local=allow_local),
        )


class _CheckedNetwork(httpcore.AsyncNetworkBackend):
    def __init__(self, resolve: Resolver, *, allow_local: bool) -> None:
        self._resolve = resolve
        self._allow_local = allow_local
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: httpcore.ConnectError | None = None
        for address in await self._checked_addresses(host, port, timeout):
            try:
                return await self._network.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                failure = error
        assert failure is not None  # there was at least one address
        raise failure

    async def _checked_addresses(self, host: str, port: int, seconds: float | None) -> list[str]:
        return await checked_addresses(
            self._resolve, host, port, seconds, allow_local=self._allow_local
        )

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


async def checked_addresses(
    resolve: Resolver, host: str, port: int, seconds: float | None, *, allow_local: bool
) -> list[str]:
    """The addresses ``host`` resolves to, each one checked: a connection may go to any."""
    try:
        async with asyncio.timeout(seconds):
            found = list(dict.fromkeys(await resolve(host, port)))
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
    except OSError as error:
        raise httpcore.ConnectError(f"{host} cannot be resolved: {error}") from None
    if not found:
        raise httpcore.ConnectError(f"{host} resolves to no address")
    for address in found:
        if rules.is_forbidden_address(ipaddress.ip_address(address), allow_local=allow_local):
            raise UnsafeAddress(f"{host} resolves to {address}, which webhooks may not reach")
    return found
