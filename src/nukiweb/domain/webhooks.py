"""Webhooks: features, signatures, the retry policy and which URLs may receive them.

Signatures (vendor-behaviour §1.4): every POST carries ``X-Nuki-Signature-SHA256``, the hex
HMAC-SHA256 of the raw body bytes, keyed with the webhook's secret (decentral webhooks and
os-2 notifications) or the API key's client secret (the central webhook).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import random
import re
import socket
from collections.abc import Iterable
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import idna

from nukiweb.domain.errors import InvalidParameter

SIGNATURE_HEADER = "X-Nuki-Signature-SHA256"
EVENT_ID_HEADER = "X-Nuki-Event-Id"  # nukiweb's: lets a receiver drop a redelivered event

# A subscriber that fails this many times in a row is DEACTIVATED (reactivate it through the
# API); with the backoff below that is 17 to 34 minutes of failures.
DEACTIVATE_AFTER_FAILURES = 12
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 15 * 60.0
MAX_URL_LENGTH = 2000
MAX_HOST_NAME_LENGTH = 253  # in its ASCII form, without a final dot
MAX_PORT = 65535
# What the webhook log keeps of a receiver's answer: the start of its body, and the headers
# below (each value cut to its first characters).
MAX_STORED_BODY = 2048  # bytes
MAX_STORED_HEADER = 256  # characters
STORED_RESPONSE_HEADERS = frozenset(
    {"content-type", "content-length", "date", "server", "retry-after", "location"}
)


class Feature(StrEnum):
    DEVICE_STATUS = "DEVICE_STATUS"
    DEVICE_MASTERDATA = "DEVICE_MASTERDATA"
    DEVICE_CONFIG = "DEVICE_CONFIG"
    DEVICE_LOGS = "DEVICE_LOGS"
    DEVICE_AUTHS = "DEVICE_AUTHS"
    ACCOUNT_USER = "ACCOUNT_USER"


# What API-triggered events (advanced actions) carry as their feature in the outbox; they go
# to the central webhook of the API key that asked, whatever its features.
API_TRIGGERED = "API"


def parse_features(values: list[str] | None, parameter: str = "webhookFeatures") -> list[str]:
    if not values:
        raise InvalidParameter(parameter, values, "Name at least one feature.")
    features = []
    for value in values:
        try:
            features.append(Feature(value).value)
        except ValueError:
            raise InvalidParameter(parameter, value) from None
    return sorted(set(features))


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(failures: int, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after ``failures`` failures in a row: exponential
    (1 s, 2 s, 4 s … up to 15 min) with jitter, so that many subscribers failing at once do
    not retry at once."""
    ceiling = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, failures - 1))
    return (rng or random.SystemRandom()).uniform(ceiling / 2, ceiling)


def check_webhook_url(url: str, *, allow_local: bool, parameter: str = "webhookUrl") -> str:
    """A URL webhooks may be sent to: https (http too when local webhooks are allowed), no
    user or password, a host that is an IP address or a valid (IDNA) host name, a port 1 to
    65535 if any, and no private, loopback or link-local address unless local webhooks are
    allowed. Anything this accepts, an HTTP client can take apart again; a host name is checked
    again against what it resolves to when a webhook is sent."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or any(char.isspace() or not char.isprintable() for char in url):
        raise InvalidParameter(parameter, url, "It must be an https URL.")
    schemes = ("https", "http") if allow_local else ("https",)
    try:
        parts = urlsplit(url)
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError("It must be an https URL.")  # noqa: TRY301 - refused like the rest
        host = _url_host(parts.netloc)
    except ValueError as error:
        raise InvalidParameter(parameter, url, str(error)) from None
    if isinstance(host, str):
        if not allow_local and (host == "localhost" or host.endswith(".localhost")):
            raise InvalidParameter(parameter, url, "It must not point to this host.")
    elif is_forbidden_address(host, allow_local=allow_local):
        raise InvalidParameter(parameter, url, "It must not point to a private address.")
    return url


_PORT = re.compile(r"[0-9]{1,5}")
_NOT_IPV6 = "Its host is not an IPv6 address in brackets."
_NOT_A_HOST_NAME = "Its host is not a valid host name."


def _url_host(netloc: str) -> str | ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The host of a URL's ``netloc`` (an address, or a host name in its ASCII form), its port
    checked; ``ValueError`` saying what is wrong."""
    if "@" in netloc:
        raise ValueError("It must not hold a user name or password.")
    if netloc.startswith("["):
        literal, bracket, rest = netloc[1:].partition("]")
        if not bracket or rest[:1] not in ("", ":") or "%" in literal:  # no zone ids either
            raise ValueError(_NOT_IPV6)
        _check_port(rest[1:] if rest else None)
        try:
            return ipaddress.IPv6Address(literal)
        except ValueError:
            raise ValueError(_NOT_IPV6) from None
    name, colon, port = netloc.partition(":")
    _check_port(port if colon else None)
    return _host(name.lower())


def _check_port(port: str | None) -> None:
    if port is not None and not (_PORT.fullmatch(port) and 1 <= int(port) <= MAX_PORT):
        raise ValueError(f"Its port must be a number from 1 to {MAX_PORT}.")


def _host(name: str) -> str | ipaddress.IPv4Address:
    """An IPv4 address in dotted-quad form, or a host name in its ASCII (IDNA) form. Other ways
    of writing an address (``127.1``, ``0x7f.0.0.1``, ``2130706433``), which resolvers read as
    one, are refused, as are names whose last label is a number."""
    with contextlib.suppress(ValueError):
        return ipaddress.IPv4Address(name)
    with contextlib.suppress(OSError):
        socket.inet_aton(name)
        raise ValueError("Its host is an IPv4 address written in an unusual way.")
    try:
        encoded = idna.encode(name).decode("ascii").removesuffix(".")
    except (idna.IDNAError, UnicodeError):
        raise ValueError(_NOT_A_HOST_NAME) from None
    if len(encoded) > MAX_HOST_NAME_LENGTH or encoded.rsplit(".", 1)[-1].isdigit():
        raise ValueError(_NOT_A_HOST_NAME)
    return encoded


def is_forbidden_address(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_local: bool
) -> bool:
    """Whether webhooks may not go to this address: private, loopback, link-local, multicast
    or reserved ones, unless local webhooks are allowed (development and tests)."""
    if allow_local:
        return address.is_multicast or address.is_unspecified
    return not address.is_global or address.is_multicast


def without_keypad_codes(payload: dict[str, Any]) -> dict[str, Any]:
    """An event's payload as the webhook log keeps it: an authorization's keypad code left out
    (the log is kept for 300 attempts; the code stays readable through the API)."""
    shown = payload.get("smartlockAuth")
    if not isinstance(shown, dict) or "code" not in shown:
        return payload
    return {**payload, "smartlockAuth": {k: v for k, v in shown.items() if k != "code"}}


def stored_answer(start: bytes, *, complete: bool) -> dict[str, Any]:
    """A receiver's answer as the webhook log keeps it (a JSON object): its body if that was a
    JSON object, ``{"json": …}`` if it was another JSON value, else ``{"text": …}``; only its
    first ``MAX_STORED_BODY`` bytes, as ``{"text": …, "truncated": true}``, when it was longer
    (``complete`` false)."""
    text = start.decode("utf-8", errors="replace")
    if not complete:
        return {"text": text, "truncated": True}
    try:
        body = json.loads(start)
        # What the store cannot hold as JSON (NaN, lone surrogates) is kept as text.
        json.dumps(body, allow_nan=False, ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        return {"text": text}
    return body if isinstance(body, dict) else {"json": body}


def stored_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The response headers the webhook log keeps: those of ``STORED_RESPONSE_HEADERS``."""
    return {
        name.lower(): value[:MAX_STORED_HEADER]
        for name, value in headers
        if name.lower() in STORED_RESPONSE_HEADERS
    }


# SmartlockLog.action → the notification trigger event it answers to (Notification.Setting).
_TRIGGER_EVENTS = {1: "unlock", 2: "lock", 3: "unlatch", 4: "lockngo", 5: "lockngo"}
_TRIGGER_EVENTS |= {224: "ring", 240: "doorsensor", 241: "doorsensor", 242: "doorsensor"}
_OPENER_TRIGGER_EVENTS = {1: "unlock", 2: "lock", 3: "open", 224: "ring"}


def trigger_event(log: dict[str, object]) -> str | None:
    """The notification trigger event of a ``SmartlockLog`` (an opener's action 3 is "open")."""
    action = log.get("action")
    table = _OPENER_TRIGGER_EVENTS if log.get("deviceType") == 2 else _TRIGGER_EVENTS  # noqa: PLR2004
    return table.get(action) if isinstance(action, int) else None


def notification_wants(settings: list[dict[str, object]], log: dict[str, object]) -> bool:
    """Whether an os-2 notification with these settings is sent this log entry: a setting for
    its device (or for every device), whose trigger events include the entry's, and whose
    authIds (if any) include the entry's authorization."""
    event = trigger_event(log)
    if event is None:
        return False
    for setting in settings:
        device = setting.get("smartlockId")
        if device is not None and device != log.get("smartlockId"):
            continue
        events = setting.get("triggerEvents") or []
        auth_ids = setting.get("authIds") or []
        if event in events and (not auth_ids or log.get("authId") in auth_ids):  # type: ignore[operator]
            return True
    return False
