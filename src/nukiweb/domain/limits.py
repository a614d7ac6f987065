"""How much one account may set up: every API key, token and subscriber costs the store and
the delivery worker something on every event, so none of them is unbounded."""

from __future__ import annotations

from dataclasses import dataclass

from nukiweb.domain.errors import Conflict


@dataclass(frozen=True, slots=True)
class Limits:
    """The defaults are well above what an account uses (Nuki Web's pages offer one API key
    and a handful of tokens) and well below what would let one account slow the others."""

    api_keys: int = 20
    """API keys of one account (a master or a sub-account); each may have a central webhook."""
    tokens_per_api_key: int = 100
    decentral_webhooks: int = 20
    """Decentral webhooks of a master account and its sub-accounts together."""
    notifications: int = 50
    """Notification configurations of a master account and its sub-accounts together."""
    sub_accounts: int = 100
    """Sub-accounts of a master account: each has API keys, tokens and webhooks of its own."""


def check_limit(count: int, limit: int, what: str, whose: str = "This account") -> None:
    """Room for one more of ``what`` beside ``count`` of them, else ``Conflict``."""
    if count >= limit:
        raise Conflict(f"{whose} has reached its limit on {what}: {limit}.")
