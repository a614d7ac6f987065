"""The sub-account rights bitmask, and which right each vendor operation needs.

The spec describes the bitmask twice and differently: ``MyAccount.rights`` (1 manage smartlock,
2 operate, 4 manage config, 8 manage authorizations, 16 view logs, 32 manage sub accounts,
64 create smartlocks) and ``AccountSubCreate.rights`` (1 operate, 2 change config, 4 manage users,
8 view logs, 16 manage sub accounts). nukiweb follows ``MyAccount``, the newest and widest of the
two, everywhere; see docs/accounts.md.
"""

from __future__ import annotations

from enum import IntFlag

from nukiweb.domain.scopes import Scope


class Rights(IntFlag):
    NONE = 0
    MANAGE_SMARTLOCK = 1
    OPERATE_SMARTLOCK = 2
    MANAGE_CONFIG = 4
    MANAGE_AUTHORIZATIONS = 8
    VIEW_LOGS = 16
    MANAGE_SUB_ACCOUNTS = 32
    CREATE_SMARTLOCKS = 64


ALL_RIGHTS = Rights(127)

# Reading devices is what every other right builds on, so any right at all admits it.
ANY_RIGHT = ALL_RIGHTS


def required_rights(tag: str, method: str, path: str) -> Rights:  # noqa: PLR0911 - a table
    """The rights of which a sub-account needs one to call an operation (``NONE``: no right is
    needed, e.g. for its own account, settings and API tokens)."""
    if tag == "Account":
        return Rights.MANAGE_SUB_ACCOUNTS if path.startswith("/account/sub") else Rights.NONE
    if tag in ("ApiKey", "AccountSubscription", "Subscription", "Opener", "Company"):
        return Rights.NONE
    if tag in ("SmartlockAuth", "AccountUser"):
        return Rights.MANAGE_AUTHORIZATIONS
    if tag in ("SmartlockLog", "Notification"):
        return Rights.VIEW_LOGS
    if tag == "AdvancedApi":
        return _advanced_api_rights(path)
    if tag == "Smartlock":
        return _smartlock_rights(method, path)
    # Address, AddressReservation, AddressToken, Service: the account's property management.
    return Rights.MANAGE_SMARTLOCK


def _advanced_api_rights(path: str) -> Rights:
    if "/action" in path:
        return Rights.OPERATE_SMARTLOCK
    if path.startswith("/smartlock/auth"):
        return Rights.MANAGE_AUTHORIZATIONS
    if path.endswith("/webhook/logs"):
        return Rights.NONE
    return Rights.MANAGE_SMARTLOCK


def _smartlock_rights(method: str, path: str) -> Rights:
    if method == "GET":
        return ANY_RIGHT
    if path == "/smartlock" and method == "PUT":
        return Rights.CREATE_SMARTLOCKS
    if "/action" in path or path.endswith("/sync"):
        return Rights.OPERATE_SMARTLOCK
    if path.endswith(("/config", "/openerconfig", "/smartdoorconfig", "/admin/pin")):
        return Rights.MANAGE_CONFIG
    if path == "/bulk-web-config":
        return Rights.MANAGE_CONFIG
    return Rights.MANAGE_SMARTLOCK


# What a token must hold to give a sub-account a right: a scope of every operation the right
# opens (tests/contract/test_reading_tables.py checks this against the vendor's operation
# table). A sub-account signs in to the pages, where its rights are all that limit it, so
# giving it a right is giving a token the scopes of that right.
SCOPES_OF_RIGHT: dict[Rights, frozenset[Scope]] = {
    Rights.MANAGE_SMARTLOCK: frozenset({Scope.SMARTLOCK, Scope.ACCOUNT, Scope.WEBHOOK_DECENTRAL}),
    Rights.OPERATE_SMARTLOCK: frozenset({Scope.SMARTLOCK_ACTION}),
    Rights.MANAGE_CONFIG: frozenset({Scope.SMARTLOCK_CONFIG}),
    Rights.MANAGE_AUTHORIZATIONS: frozenset({Scope.SMARTLOCK_AUTH}),
    Rights.VIEW_LOGS: frozenset({Scope.SMARTLOCK_LOG}),
    Rights.MANAGE_SUB_ACCOUNTS: frozenset({Scope.ACCOUNT}),
    Rights.CREATE_SMARTLOCKS: frozenset({Scope.SMARTLOCK_CREATE}),
}
# Any right lets a sub-account read the devices (``ANY_RIGHT``): a token that may not read
# them may give none.
_READING_DEVICES = frozenset({Scope.SMARTLOCK, Scope.SMARTLOCK_READ_ONLY})


def grantable_rights(scopes: frozenset[Scope]) -> Rights:
    """The rights a token holding ``scopes`` may give a sub-account."""
    if not scopes & _READING_DEVICES:
        return Rights.NONE
    granted = Rights.NONE
    for right, needed in SCOPES_OF_RIGHT.items():
        if needed <= scopes:
            granted |= right
    return granted
