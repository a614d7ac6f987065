"""Where a webhook's request goes: to an address that was checked, and nowhere else.

A host name is resolved once per connection (without blocking the event loop), every address it
resolves to is checked (``domain.webhooks.is_forbidden_address``), and the connection is made
to one of those addresses (``webhooks.posting``): nothing resolves the name again, so a name
that answers a public address to the check and a private one to the connection (DNS rebinding)
reaches nothing it may not. The request's URL keeps its host name: the Host header, the TLS
server name and the certificate's verification are the host name's, as without the check, and
connections are kept per host name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

import httpcore

from nukiweb.domain import webhooks as rules

# A resolver: the addresses (as strings) a host name has, for a TCP connection to ``port``.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class UnsafeAddress(Exception):
    """The webhook's host resolves to an address webhooks may not go to."""


async def resolve_with_system(host: str, port: int) -> list[str]:
    """The system's resolver, through the event loop (in its thread pool)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


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
