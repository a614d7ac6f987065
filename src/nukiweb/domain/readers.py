"""What a webhook subscriber may hear: an event only if the API would let its subscriber read
the same thing at that moment.

Each feature's events are what one reading operation of the API answers (``DEVICE_AUTHS`` are
authorizations, read with ``GET /smartlock/auth``). A subscriber hears a feature while the
scopes of its credentials admit that operation and, for a sub-account, while its rights do:
the same two checks that operation makes of a caller (``tests/contract/test_reading_tables``
checks the table below against the vendor's operation table and the rights table).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nukiweb.domain.errors import Forbidden
from nukiweb.domain.rights import Rights, required_rights
from nukiweb.domain.scopes import Scope, grants
from nukiweb.domain.webhooks import Feature


@dataclass(frozen=True, slots=True)
class Reading:
    """The API operation that reads what a feature's events carry."""

    tag: str
    method: str
    path: str
    scopes: tuple[Scope, ...]
    """Its security entry: a token needs one of them."""

    @property
    def rights(self) -> Rights:
        """The rights of which a sub-account needs one to call it."""
        return required_rights(self.tag, self.method, self.path)

    def admits(self, scopes: frozenset[Scope], rights: Rights | None) -> bool:
        """Whether a caller with ``scopes`` and ``rights`` (``None``: a master account) may
        call it."""
        if not grants(scopes, self.scopes):
            return False
        return rights is None or not self.rights or bool(rights & self.rights)


_SMARTLOCKS = Reading(
    "Smartlock", "GET", "/smartlock", (Scope.SMARTLOCK, Scope.SMARTLOCK_READ_ONLY)
)

FEATURE_READINGS: dict[Feature, Reading] = {
    Feature.DEVICE_STATUS: _SMARTLOCKS,
    Feature.DEVICE_MASTERDATA: _SMARTLOCKS,
    Feature.DEVICE_CONFIG: _SMARTLOCKS,
    # Notifications (os 2) hear activity-log entries too.
    Feature.DEVICE_LOGS: Reading("SmartlockLog", "GET", "/smartlock/log", (Scope.SMARTLOCK_LOG,)),
    Feature.DEVICE_AUTHS: Reading(
        "SmartlockAuth", "GET", "/smartlock/auth", (Scope.SMARTLOCK_AUTH,)
    ),
    Feature.ACCOUNT_USER: Reading(
        "AccountUser", "GET", "/account/user", (Scope.ACCOUNT, Scope.SMARTLOCK_AUTH)
    ),
}


def readable_features(scopes: Iterable[Scope], rights: Rights | None) -> frozenset[str]:
    """The features whose events a holder of ``scopes`` with ``rights`` (``None``: a master
    account) may read."""
    held = frozenset(scopes)
    return frozenset(
        feature.value
        for feature, reading in FEATURE_READINGS.items()
        if reading.admits(held, rights)
    )


def require_readable(
    scopes: frozenset[Scope], rights: Rights | None, features: Iterable[str]
) -> None:
    """A subscription to ``features`` by this caller, or ``Forbidden`` naming those it may not
    read."""
    readable = readable_features(scopes, rights)
    unreadable = [_named(feature) for feature in features if feature not in readable]
    if unreadable:
        raise Forbidden(
            f"This token or account may not read {', '.join(unreadable)}, "
            "so it may not subscribe to it."
        )


def _named(feature: str) -> str:
    reading = FEATURE_READINGS[Feature(feature)]
    return f"{feature} ({reading.method} {reading.path})"
