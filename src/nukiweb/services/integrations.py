"""Use cases of an account's integrations (``/account/integration``): what has access to it —
its API tokens and the OAuth2 apps it allowed — with when each was last active, and revoking
one.

A master account sees and revokes its sub-accounts' integrations too; a sub-account only its
own. Last activity is noted in memory by the token cache as requests authenticate and written
down in batches (``record_activity``), at most once a minute per token: a request never writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from anyio import to_thread

from nukiweb.domain.errors import InvalidParameter, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.integrations import Integration, app_integrations, in_display_order
from nukiweb.services.context import ServiceContext
from nukiweb.store import integrations as store
from nukiweb.store.faults import StoreUnavailable

log = logging.getLogger(__name__)

RECORD_EVERY = 60.0
"""Seconds between two batches of last activity: how stale ``lastActiveAt`` may be."""


def list_integrations(ctx: ServiceContext, caller: Caller) -> list[Integration]:
    with ctx.db.read() as conn:
        tokens = store.list_api_token_integrations(conn, caller.account_id)
        apps = app_integrations(store.list_granted_tokens(conn, caller.account_id))
    return in_display_order([*apps, *tokens])


def revoke(
    ctx: ServiceContext, caller: Caller, api_key_id: int | None, token_id: str | None
) -> None:
    """Revokes one API token (``token_id``, under ``api_key_id`` if given), or everything
    given through an API key (``api_key_id`` alone: the API tokens issued under it, and the
    grants to it as an OAuth2 app). The key itself stays: deleting it is ``DELETE
    /api/key/{apiKeyId}``. A revoked token stops working at once in this server's processes
    (and within the token cache's time to live in other instances)."""
    if api_key_id is None and token_id is None:
        raise InvalidParameter(
            "apiKeyId", None, "Name the integration: its apiKeyId, and tokenId for an API token."
        )
    if api_key_id is not None and not 0 <= api_key_id <= store.MAX_API_KEY_ID:
        raise NotFound("integration", api_key_id)
    with ctx.db.transaction() as conn:
        if token_id is not None:
            if not store.delete_api_token(conn, caller.account_id, token_id, api_key_id):
                raise NotFound("integration token", token_id)
        elif api_key_id is not None and not store.delete_key_access(
            conn, caller.account_id, api_key_id
        ):
            raise NotFound("integration", api_key_id)
    ctx.tokens.invalidate()


def record_activity(ctx: ServiceContext) -> int:
    """Writes down when the tokens used since the last batch were used; how many. On the
    thread that authenticates requests (the event loop's), or while none are served."""
    used = ctx.tokens.take_used()
    try:
        write_activity(ctx, used)
    except BaseException:
        ctx.tokens.give_back(used)
        raise
    return len(used)


def write_activity(ctx: ServiceContext, used: dict[str, bool]) -> None:
    """Marks the tokens of ``used`` (token id → whether it is an OAuth2 token) used now, to
    within one batch."""
    if not used:
        return
    oauth_ids = [token_id for token_id, is_oauth in used.items() if is_oauth]
    api_ids = [token_id for token_id, is_oauth in used.items() if not is_oauth]
    with ctx.db.transaction() as conn:
        store.record_activity(conn, api_ids, oauth_ids, ctx.clock.now())


async def keep_recording_activity(
    ctx: ServiceContext, stopping: asyncio.Event, every: float = RECORD_EVERY
) -> None:
    """Writes a batch of last activity every ``every`` seconds, and a last one when
    ``stopping`` is set. The batch is taken on the event loop, where requests note their
    tokens, and written in a worker thread, off it; one that fails is kept for the next."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), every)
        used = ctx.tokens.take_used()
        try:
            await to_thread.run_sync(write_activity, ctx, used)
        except StoreUnavailable as unavailable:
            ctx.tokens.give_back(used)
            log.warning("tokens' last activity not recorded yet: %s", unavailable.reason)
        except Exception:
            ctx.tokens.give_back(used)
            log.exception("recording tokens' last activity failed")
        if stopping.is_set():
            return
