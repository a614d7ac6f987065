"""Fetching a booking feed: one GET, to an address that was checked, within a time and a size.

A feed URL is a secret: platforms put a token in its query (Airbnb's ``?s=…``, Booking.com's
``?t=…``) that lets anyone read the listing's bookings. Messages name the feed by its host and
path only (``_shown``), never its query.

Where the request goes is decided as for webhooks (``webhooks.addresses``): https only (http
too with ``allow_local``, as ``--allow-local-webhooks`` says), the host resolved once, every
address it resolves to checked (no private, loopback or link-local address unless
``allow_local``), and the connection made to a checked address, so that a name server cannot
answer the check with one address and the connection with another (DNS rebinding). The
request keeps its host name: the Host header, the TLS server name and the certificate's
verification are the host name's. Proxies from the environment are not used: a proxy would
connect wherever the name leads.

Redirects: platforms move feeds (http to https, one domain to another), so up to
``MAX_REDIRECTS`` are followed, each target checked as the first URL was (scheme, host, every
address) and fetched on a connection of its own; a redirect to anywhere the first URL could
not have named is refused like that URL would be.

Every failure is a ``FeedError`` (the one ``domain.bookings`` raises for what is not iCal, so
that a caller catches one class) whose message says what went wrong in words, not a trace.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx

from nukiweb.domain.bookings import FeedError
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.webhooks import check_webhook_url
from nukiweb.webhooks.addresses import (
    Resolver,
    UnsafeAddress,
    checked_addresses,
    resolve_with_system,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "MAX_REDIRECTS",
    "MAX_URL_LENGTH",
    "FeedError",
    "check_feed_url",
    "feed_host",
    "fetch_feed",
]

MAX_URL_LENGTH = 2000
MAX_REDIRECTS = 3
DEFAULT_TIMEOUT = 10.0  # seconds, for all of it: resolving, connecting, redirects, reading
DEFAULT_MAX_BYTES = 2_000_000  # a year of a busy listing is some 100 kB
PARAMETER = "url"
DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECTS = frozenset({301, 302, 303, 307, 308})
HEADERS = {
    "Accept": "text/calendar, */*;q=0.5",
    # The size limit counts what is read; a compressed answer could unpack to far more in one
    # piece, so ask for none (a feed is small, and an answer compressed anyway is still read).
    "Accept-Encoding": "identity",
    "User-Agent": "nukiweb (booking feed sync)",
}
_NOT_HTTPS = "It must be an https URL."


def check_feed_url(url: str, *, allow_local: bool) -> str:
    """A feed URL as it is to be kept: stripped, ``webcal://`` (what calendar apps are given)
    read as ``https://``; https (http too with ``allow_local``), a host, no user or password,
    at most ``MAX_URL_LENGTH`` characters, no private or loopback address written as the host
    unless ``allow_local``. What its host resolves to is checked when it is fetched.
    ``InvalidParameter`` ("url") otherwise, naming the URL without its query."""
    url = url.strip()
    if url[:9].lower() == "webcal://":
        url = "https://" + url[9:]
    shown = _shown(url)
    if len(url) > MAX_URL_LENGTH or any(c.isspace() or not c.isprintable() for c in url):
        raise InvalidParameter(
            PARAMETER, shown, f"It must be an https URL of at most {MAX_URL_LENGTH} characters."
        )
    try:
        parts = urlsplit(url)
        httpx.URL(url)  # what is checked below, httpx reads the same way
    except (ValueError, httpx.InvalidURL):
        raise InvalidParameter(PARAMETER, shown, _NOT_HTTPS) from None
    if "@" in parts.netloc:  # refused below too, but with the password in the message
        raise InvalidParameter(PARAMETER, shown, "It must not hold a user name or password.")
    # Checked without its query, so that the message does not show the feed's secret.
    without_query = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    check_webhook_url(without_query, allow_local=allow_local, parameter=PARAMETER)
    return url


def feed_host(url: str) -> str:
    """The host of a feed URL, as people read it (``bücher.example``, not its IDNA form);
    "" if the URL has none."""
    try:
        return httpx.URL(url.strip()).host
    except httpx.InvalidURL:
        return ""


async def fetch_feed(
    url: str,
    *,
    allow_local: bool,
    resolve: Resolver = resolve_with_system,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - the callers' word for it, spent whole below
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> bytes:
    """The body of the feed at ``url`` (answered 200, at most ``max_bytes`` bytes), all of it
    within ``timeout`` seconds; ``FeedError`` saying why not."""
    try:
        url = check_feed_url(url, allow_local=allow_local)
    except InvalidParameter as error:
        raise FeedError(error.message) from None
    first = _shown(url)
    # Loading the authorities takes a while: once (per place they are read from), in a thread.
    where = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    tls = await asyncio.to_thread(_tls_context, *where)
    try:
        async with asyncio.timeout(timeout):
            for _ in range(MAX_REDIRECTS + 1):
                target = _Target.of(url)
                fetched = await _fetch_once(target, resolve, tls, allow_local, timeout, max_bytes)
                if isinstance(fetched, bytes):
                    return fetched
                url = _redirect_target(target, fetched, allow_local=allow_local)
    except (TimeoutError, httpx.TimeoutException, httpcore.TimeoutException):
        raise FeedError(f"The feed at {first} did not answer within {timeout:g} s.") from None
    raise FeedError(f"The feed at {first} redirects more than {MAX_REDIRECTS} times.")


@functools.lru_cache(maxsize=4)
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """As httpx makes it: certifi's authorities, or those of SSL_CERT_FILE or SSL_CERT_DIR
    when they are set (the arguments: what they were when it was made)."""
    del cert_file, cert_dir  # httpx reads them from the environment
    return httpx.create_ssl_context()


@dataclass(frozen=True, slots=True)
class _Target:
    url: httpx.URL
    host: str  # its ASCII form, what is resolved and what TLS verifies
    port: int
    host_header: str
    shown: str

    @classmethod
    def of(cls, url: str) -> _Target:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
        written = f"[{host}]" if ":" in host else host
        host_header = written if parsed.port is None else f"{written}:{parsed.port}"
        port = parsed.port or DEFAULT_PORTS[parsed.scheme]
        return cls(parsed, host, port, host_header, _shown(url))


@dataclass(frozen=True, slots=True)
class _Redirect:
    status: int
    location: str


async def _fetch_once(
    target: _Target,
    resolve: Resolver,
    tls: ssl.SSLContext,
    allow_local: bool,
    seconds: float,
    max_bytes: int,
) -> bytes | _Redirect:
    """One GET of ``target``, on the first of its checked addresses that takes a connection."""
    try:
        addresses = await checked_addresses(
            resolve, target.host, target.port, seconds, allow_local=allow_local
        )
    except UnsafeAddress:
        raise FeedError(
            f"The feed at {target.shown} cannot be fetched: its host resolves to a private, "
            "loopback or link-local address, which nukiweb does not reach (unless it runs "
            "with --allow-local-webhooks)."
        ) from None
    except httpcore.ConnectError as error:
        raise FeedError(f"The feed at {target.shown} cannot be reached: {error}") from None
    failure: httpx.ConnectError | None = None
    for address in addresses:
        try:
            return await _get(target, address, tls, seconds, max_bytes)
        except httpx.ConnectError as error:
            failure = error  # the next address may answer
        except httpx.TimeoutException:
            raise  # the time is up for all of it
        except httpx.HTTPError as error:  # the server broke off, or spoke no HTTP
            raise FeedError(
                f"The feed at {target.shown} could not be read: {_what(error, target)}"
            ) from None
    assert failure is not None  # there was at least one address
    raise FeedError(f"The feed at {target.shown} cannot be reached: {_what(failure, target)}")


async def _get(
    target: _Target, address: str, tls: ssl.SSLContext, seconds: float, max_bytes: int
) -> bytes | _Redirect:
    # A client of its own for each request: a kept connection, made with another host name's
    # TLS name, must not serve it.
    async with httpx.AsyncClient(
        verify=tls,
        trust_env=False,
        follow_redirects=False,
        timeout=seconds,
    ) as client:
        extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
        async with client.stream(
            "GET",
            _at(target, address),
            headers={**HEADERS, "Host": target.host_header},
            extensions=extensions,
        ) as response:
            status = response.status_code
            if status in REDIRECTS and response.headers.get("location"):
                return _Redirect(status, response.headers["location"])
            if status != HTTPStatus.OK:
                raise FeedError(f"The feed at {target.shown} answered HTTP {_status(status)}.")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FeedError(_too_large(target, max_bytes))
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:  # the rest is not read: the connection is closed
                    raise FeedError(_too_large(target, max_bytes))
            return bytes(body)


def _at(target: _Target, address: str) -> httpx.URL:
    """The target's URL with the address for its host: where the connection goes."""
    try:
        return target.url.copy_with(host=address)
    except httpx.InvalidURL:  # an address with a zone id (fe80::1%eth0), where local ones go
        raise httpx.ConnectError(f"{address} is not an address nukiweb connects to") from None


def _redirect_target(target: _Target, redirect: _Redirect, *, allow_local: bool) -> str:
    try:
        joined = str(target.url.join(redirect.location))
    except httpx.InvalidURL:
        joined = redirect.location
    try:
        return check_feed_url(joined, allow_local=allow_local)
    except InvalidParameter:
        raise FeedError(
            f"The feed at {target.shown} redirects (HTTP {redirect.status}) to "
            f"{_shown(joined)}, which is not a URL nukiweb may fetch a feed from."
        ) from None


def _status(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _too_large(target: _Target, max_bytes: int) -> str:
    limit = f"{max_bytes / 1_000_000:g} MB" if max_bytes >= 1_000_000 else f"{max_bytes} bytes"  # noqa: PLR2004
    return f"The feed at {target.shown} is larger than {limit}."


def _what(error: Exception, target: _Target) -> str:
    """What went wrong, in the error's words (never the feed's query)."""
    what = str(error) or type(error).__name__
    query = target.url.query.decode("ascii", errors="replace")
    return what.replace(query, "…") if query else what


def _shown(url: str) -> str:
    """A feed URL as messages show it: scheme, host, port and path; no user, password, query
    or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
    except ValueError:
        return "the given URL"
    return urlunsplit((parts.scheme, host, parts.path, "", "")) or "the given URL"
