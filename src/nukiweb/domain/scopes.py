"""OAuth / API-token scopes (doc §4.3.1, and ``webhook.decentral`` which the spec uses)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from nukiweb.domain.errors import InvalidParameter


class Scope(StrEnum):
    ACCOUNT = "account"
    NOTIFICATION = "notification"
    SMARTLOCK = "smartlock"
    SMARTLOCK_READ_ONLY = "smartlock.readOnly"
    SMARTLOCK_ACTION = "smartlock.action"
    SMARTLOCK_AUTH = "smartlock.auth"
    SMARTLOCK_CONFIG = "smartlock.config"
    SMARTLOCK_LOG = "smartlock.log"
    SMARTLOCK_CREATE = "smartlock.create"
    WEBHOOK_DECENTRAL = "webhook.decentral"


# The labels Nuki Web shows beside each scope (doc §4.3 screenshot and §4.3.1).
SCOPE_LABELS: dict[Scope, str] = {
    Scope.ACCOUNT: "View and manage account",
    Scope.NOTIFICATION: "View and manage notifications",
    Scope.SMARTLOCK: "View and edit Smart Locks",
    Scope.SMARTLOCK_READ_ONLY: "View Smart Locks",
    Scope.SMARTLOCK_ACTION: "Operate Smart Locks",
    Scope.SMARTLOCK_AUTH: "View and manage Smart Lock authorizations",
    Scope.SMARTLOCK_CONFIG: "Manage Smart Lock configuration",
    Scope.SMARTLOCK_LOG: "View Smart Lock activity log",
    Scope.SMARTLOCK_CREATE: "Create Smart Locks",
    Scope.WEBHOOK_DECENTRAL: "Manage decentral webhooks",
}

# How the consent page names what an app asks for ("This app would like to: …", doc §4.4.1.2);
# the vendor's OpenAPI document describes its scopes with the same words.
CONSENT_LABELS: dict[Scope, str] = {
    Scope.ACCOUNT: "View and manage your account",
    Scope.NOTIFICATION: "View and manage your notifications",
    Scope.SMARTLOCK: "View and manage your smartlocks",
    Scope.SMARTLOCK_READ_ONLY: "View your smartlocks",
    Scope.SMARTLOCK_ACTION: "Operate your smartlocks",
    Scope.SMARTLOCK_AUTH: "View and manage your smartlock authorizations",
    Scope.SMARTLOCK_CONFIG: "Manage your smartlock config",
    Scope.SMARTLOCK_LOG: "View your activity logs and get log notifications",
    Scope.SMARTLOCK_CREATE: "Create smartlocks",
    Scope.WEBHOOK_DECENTRAL: "Manage your decentral webhooks",
}

# The eight check-boxes of Nuki Web's "Generate new API token" dialog (doc §4.3), in its order.
TOKEN_DIALOG_SCOPES: tuple[Scope, ...] = (
    Scope.ACCOUNT,
    Scope.NOTIFICATION,
    Scope.SMARTLOCK,
    Scope.SMARTLOCK_READ_ONLY,
    Scope.SMARTLOCK_ACTION,
    Scope.SMARTLOCK_AUTH,
    Scope.SMARTLOCK_CONFIG,
    Scope.SMARTLOCK_LOG,
)

ALL_SCOPES: frozenset[Scope] = frozenset(Scope)


def parse_scopes(values: Iterable[str], parameter: str = "scopes") -> frozenset[Scope]:
    """The scopes named by ``values``; an unknown name is an invalid parameter.

    The doc writes ``smartlock.readonly`` in one table; it is accepted for ``smartlock.readOnly``.
    """
    by_lower = {scope.value.lower(): scope for scope in Scope}
    scopes = set()
    for value in values:
        scope = by_lower.get(str(value).lower())
        if scope is None:
            raise InvalidParameter(parameter, value)
        scopes.add(scope)
    return frozenset(scopes)


def grants(held: frozenset[Scope], accepted: tuple[str, ...]) -> bool:
    """Whether a token holding ``held`` may call an operation whose security entry lists
    ``accepted``: the vendor lists alternatives there (``smartlock`` or ``smartlock.readOnly``),
    so one of them suffices; an empty list admits any valid token."""
    return not accepted or any(scope in held for scope in accepted)


# Scopes that hold what others grant: every operation that admits smartlock.readOnly admits
# smartlock too (tests/contract/test_reading_tables.py checks it against the vendor's table).
_HOLDS_ALSO: dict[Scope, frozenset[Scope]] = {
    Scope.SMARTLOCK: frozenset({Scope.SMARTLOCK_READ_ONLY}),
}


def not_held(held: frozenset[Scope], wanted: frozenset[Scope]) -> frozenset[Scope]:
    """The scopes of ``wanted`` that a token holding ``held`` may not grant another token: it
    grants only what it holds itself."""
    holds = held.union(*(_HOLDS_ALSO.get(scope, frozenset()) for scope in held))
    return wanted - holds
