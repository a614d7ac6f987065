"""What has access to an account (its integrations): its API tokens, one by one, and the apps
it allowed through OAuth2, one per app.

An app may hold several grants of one account (each sign-in through the consent page is one,
and refreshes rotate its tokens); the account sees the app once, with every scope it holds,
since revoking it (``DELETE /account/integration?apiKeyId=``) revokes them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Version(StrEnum):
    """The spec's ``AccountIntegration.version``: API tokens are the vendor's legacy way in,
    OAuth2 grants its "new oauth implementation" (Ory Hydra)."""

    LEGACY = "LEGACY"
    HYDRA = "HYDRA"


class VendorKey(StrEnum):
    """Which kind of integration an entry is; ``sortOrder`` follows this order."""

    OAUTH_APP = "OAUTH_APP"
    API_TOKEN = "API_TOKEN"  # noqa: S105 - the vendor key's name, no secret

    @property
    def version(self) -> Version:
        return Version.LEGACY if self is VendorKey.API_TOKEN else Version.HYDRA

    @property
    def sort_order(self) -> int:
        return list(VendorKey).index(self) + 1


@dataclass(frozen=True, slots=True)
class Holder:
    """The account a token was issued to: the caller's own, or (seen by a master account) one
    of its sub-accounts."""

    account_id: int
    name: str
    is_sub_account: bool


@dataclass(frozen=True, slots=True)
class App:
    """An OAuth2 client (an API key), as the accounts that allowed it see it."""

    api_key_id: int
    client_id: str
    description: str | None
    advanced_name: str | None = None
    advanced_type: str | None = None
    advanced_state: str | None = None

    @property
    def name(self) -> str:
        return self.advanced_name or self.description or self.client_id


@dataclass(frozen=True, slots=True)
class Integration:
    vendor_key: VendorKey
    api_key_id: int
    holder: Holder
    name: str
    description: str | None
    scopes: frozenset[str]
    created_at: datetime
    last_active_at: datetime | None
    token_id: str | None = None
    advanced_type: str | None = None
    advanced_state: str | None = None


@dataclass(frozen=True, slots=True)
class GrantedToken:
    """One OAuth2 token pair of an app, as stored."""

    app: App
    holder: Holder
    scopes: Iterable[str]
    created_at: datetime
    last_active_at: datetime | None


def api_token_integration(
    api_key_id: int,
    holder: Holder,
    token_id: str,
    description: str | None,
    scopes: Iterable[str],
    created_at: datetime,
    last_active_at: datetime | None,
) -> Integration:
    return Integration(
        vendor_key=VendorKey.API_TOKEN,
        api_key_id=api_key_id,
        holder=holder,
        name=description or "API token",
        description=description,
        scopes=frozenset(scopes),
        created_at=created_at,
        last_active_at=last_active_at,
        token_id=token_id,
    )


def app_integrations(tokens: Iterable[GrantedToken]) -> list[Integration]:
    """One integration per app and account: every scope its tokens hold, created when the first
    of them was, last active when the latest was used or refreshed."""
    by_app: dict[tuple[int, int], list[GrantedToken]] = {}
    for token in tokens:
        by_app.setdefault((token.holder.account_id, token.app.api_key_id), []).append(token)
    integrations = []
    for held in by_app.values():
        app = held[0].app
        used = [token.last_active_at for token in held if token.last_active_at is not None]
        integrations.append(
            Integration(
                vendor_key=VendorKey.OAUTH_APP,
                api_key_id=app.api_key_id,
                holder=held[0].holder,
                name=app.name,
                description=None,
                scopes=frozenset(scope for token in held for scope in token.scopes),
                created_at=min(token.created_at for token in held),
                last_active_at=max(used, default=None),
                advanced_type=app.advanced_type,
                advanced_state=app.advanced_state,
            )
        )
    return integrations


def in_display_order(integrations: Iterable[Integration]) -> list[Integration]:
    """Apps first, then API tokens; the caller's own before its sub-accounts'; oldest first."""
    return sorted(
        integrations,
        key=lambda item: (
            item.vendor_key.sort_order,
            item.holder.is_sub_account,
            item.holder.account_id,
            item.created_at,
            item.token_id or "",
        ),
    )
