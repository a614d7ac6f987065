"""How ``nukiweb serve`` meets the network: the public URL it is reached at, and the proxies
whose forwarded headers it believes.

Request headers never decide an absolute URL: ``Host`` and ``X-Forwarded-*`` are whatever the
client sent, unless a proxy in front rewrites them. Every absolute URL nukiweb makes comes from
the public URL instead. ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the
addresses named with ``--forwarded-allow-ips``; uvicorn would otherwise believe them from
loopback (or from what its own ``FORWARDED_ALLOW_IPS`` names), and anyone on the machine could
claim to be any address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

import uvicorn
from starlette.types import ASGIApp

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
