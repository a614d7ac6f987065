"""Whether anything an account's pages show changed since the last look (web/live.py polls it).

Read from the store, which every server instance shares: a change made through any instance
is seen by every instance's live pages, with nothing else between them.
"""

from __future__ import annotations

from nukiweb.domain.identity import Caller
from nukiweb.services.context import ServiceContext
from nukiweb.store import changes as store
from nukiweb.store.changes import Fingerprint


def account_fingerprint(ctx: ServiceContext, caller: Caller) -> Fingerprint:
    """A value that differs from the previous one when the account's devices, activity log,
    authorizations or users changed (a sub-account's: its master account's)."""
    with ctx.db.read() as conn:
        return store.account_fingerprint(conn, caller.owner_account_id)


async def account_fingerprint_async(ctx: ServiceContext, caller: Caller) -> Fingerprint:
    """``account_fingerprint``, awaiting PostgreSQL's answer where the store has asynchronous
    readers; SQLite's read is short and local, and runs inline as every read does."""
    readers = ctx.db.async_readers
    if readers is None:
        return account_fingerprint(ctx, caller)
    return await store.account_fingerprint_async(readers, caller.owner_account_id)
