"""Webhooks: features, signatures, the retry policy and which URLs may receive them.

Signatures (vendor-behaviour §1.4): every POST carries ``X-Nuki-Signature-SHA256``, the hex
HMAC-SHA256 of the raw body bytes, keyed with the webhook's secret (decentral webhooks and
os-2 notifications) or the API key's client secret (the central webhook).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
from enum import StrEnum
from urllib.parse import urlsplit

from nukiweb.domain.errors import InvalidParameter

SIGNATURE_HEADER = "X-Nuki-Signature-SHA256"
EVENT_ID_HEADER = "X-Nuki-Event-Id"  # nukiweb's: lets a receiver drop a redelivered event

# A subscriber that fails this many times in a row is DEACTIVATED (reactivate it through the
# API); with the backoff below that is 17 to 34 minutes of failures.
DEACTIVATE_AFTER_FAILURES = 12
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 15 * 60.0
MAX_URL_LENGTH = 2000


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
    """A URL webhooks may be sent to: https (http too when local webhooks are allowed), a
    host, and no private, loopback or link-local address unless local webhooks are allowed.
    A host name is checked again against what it resolves to when a webhook is sent."""
    url = url.strip()
    schemes = ("https", "http") if allow_local else ("https",)
    try:
        parts = urlsplit(url)
        no_port = parts.port == 0  # one beyond 65535 raises ValueError, here or when sending
    except ValueError:  # an unclosed "[" too
        raise InvalidParameter(parameter, url, "It must be an https URL.") from None
    if len(url) > MAX_URL_LENGTH or parts.scheme not in schemes or not parts.hostname or no_port:
        raise InvalidParameter(parameter, url, "It must be an https URL.")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        if not allow_local and parts.hostname.lower() in ("localhost", "localhost.localdomain"):
            raise InvalidParameter(parameter, url, "It must not point to this host.") from None
        return url
    if is_forbidden_address(address, allow_local=allow_local):
        raise InvalidParameter(parameter, url, "It must not point to a private address.")
    return url


def is_forbidden_address(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_local: bool
) -> bool:
    """Whether webhooks may not go to this address: private, loopback, link-local, multicast
    or reserved ones, unless local webhooks are allowed (development and tests)."""
    if allow_local:
        return address.is_multicast or address.is_unspecified
    return not address.is_global or address.is_multicast


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
