"""What a webhook subscriber's reader holds now: its rights, and the scopes of its live
credentials under the subscriber's API key (domain.readers decides what that lets it hear)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, or_, select

from nukiweb.domain.rights import Rights
from nukiweb.domain.scopes import Scope
from nukiweb.store.schema import accounts, api_tokens, oauth_tokens


@dataclass(frozen=True, slots=True)
class ReaderGrant:
    rights: Rights | None
    """A sub-account's rights; ``None`` for a master account."""
    scopes: frozenset[Scope]
    """Every scope one of its credentials under the API key holds."""


NOTHING = ReaderGrant(Rights.NONE, frozenset())


def reader_grant(
    conn: Connection, reader_account_id: int, api_key_id: int | None, now: datetime
) -> ReaderGrant:
    """The reader's current rights, and the scopes of its API tokens under the key and of
    its OAuth tokens issued to it that are unexpired or can be refreshed (the app can read
    with them at any moment). A subscriber without a key holds nothing."""
    account = conn.execute(
        select(accounts.c.master_account_id, accounts.c.rights).where(
            accounts.c.account_id == reader_account_id
        )
    ).first()
    if account is None or api_key_id is None:
        return NOTHING
    api = select(api_tokens.c.scopes).where(
        api_tokens.c.account_id == reader_account_id, api_tokens.c.api_key_id == api_key_id
    )
    oauth = select(oauth_tokens.c.scopes).where(
        oauth_tokens.c.account_id == reader_account_id,
        oauth_tokens.c.api_key_id == api_key_id,
        or_(oauth_tokens.c.expires_at > now, oauth_tokens.c.refresh_digest.is_not(None)),
    )
    scopes = {
        Scope(scope) for query in (api, oauth) for (held,) in conn.execute(query) for scope in held
    }
    rights = None if account.master_account_id is None else Rights(account.rights or 0)
    return ReaderGrant(rights, frozenset(scopes))
