"""Bearer tokens (API tokens and OAuth2 access tokens) to callers, from an in-memory cache in
front of the store.

Every request authenticates, so this is the hot path: a hit costs one SHA-256 and one dict
lookup. Changes made through this process (revoking a token, changing a password, editing a
sub-account's rights) clear the cache at once, and so do those made by the other workers of
the same ``serve --workers``, which share a counter of such changes in memory
(``share_revocations``); changes made by any other process (a second server instance on the
same PostgreSQL, an admin command) are seen after ``ttl`` seconds at most.

The cache also notes which tokens were used (a dict store per request, no I/O); the services'
``integrations.keep_recording_activity`` writes that down in batches, once a minute.
"""

from __future__ import annotations

import ctypes
import time
from multiprocessing.sharedctypes import Synchronized

from nukiweb.clock import Clock
from nukiweb.domain.errors import Unauthorized
from nukiweb.domain.identity import Caller
from nukiweb.domain.rights import Rights
from nukiweb.domain.scopes import Scope
from nukiweb.secrets import OAUTH_ACCESS_TOKEN_PREFIX, token_digest
from nukiweb.store import api_keys, oauth
from nukiweb.store.database import Database

DEFAULT_TTL_SECONDS = 2.0
MAX_ENTRIES = 10_000
MAX_TOKEN_LENGTH = 512


class TokenCache:
    def __init__(self, db: Database, clock: Clock, ttl: float = DEFAULT_TTL_SECONDS) -> None:
        self._db = db
        self._clock = clock
        self._ttl = ttl
        self._entries: dict[str, tuple[float, Caller]] = {}
        self._revocations: Synchronized[int] | None = None
        self._shared_count: ctypes._SimpleCData[int] | None = None
        self._seen = 0
        # token id → whether it is an OAuth2 token, for the tokens used since the last batch
        self._used: dict[str, bool] = {}

    def share_revocations(self, revocations: Synchronized[int]) -> None:
        """Count invalidations in ``revocations``, shared memory of the processes of one server,
        and clear this cache whenever another process has counted one."""
        self._revocations = revocations
        # Read without its lock: one aligned word, and a stale read only means one more hit.
        self._shared_count = revocations.get_obj()
        self._seen = revocations.value

    def authenticate(self, authorization: str | None) -> Caller:
        """The caller behind an ``Authorization: Bearer …`` header value; ``Unauthorized`` for
        a missing, malformed, unknown, revoked or expired token."""
        token = _bearer(authorization)
        digest = token_digest(token)
        if self._shared_count is not None and self._shared_count.value != self._seen:
            self._seen = self._shared_count.value
            self._entries.clear()
        entry = self._entries.get(digest)
        if entry is None or entry[0] < time.monotonic():
            caller = self._load(token, digest)
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = (time.monotonic() + self._ttl, caller)
        else:
            caller = entry[1]
        if caller.expires_at is not None and caller.expires_at <= self._clock.now():
            raise Unauthorized
        self._used[caller.token_id] = caller.oauth
        return caller

    def take_used(self) -> dict[str, bool]:
        """The tokens used since the last call (token id → whether it is an OAuth2 token)."""
        used, self._used = self._used, {}
        return used

    def give_back(self, used: dict[str, bool]) -> None:
        """Tokens taken with ``take_used`` whose use could not be written down: the next batch
        writes it."""
        self._used = used | self._used

    def invalidate(self) -> None:
        self._entries.clear()
        if self._revocations is not None:
            with self._revocations.get_lock():
                self._revocations.value += 1
                self._seen = self._revocations.value

    def _load(self, token: str, digest: str) -> Caller:
        is_oauth = token.startswith(OAUTH_ACCESS_TOKEN_PREFIX)
        store = oauth if is_oauth else api_keys
        with self._db.read() as conn:
            row = store.find_token_owner(conn, digest)
        if row is None:
            raise Unauthorized
        return Caller(
            account_id=row.account_id,
            owner_account_id=row.master_account_id or row.account_id,
            rights=None if row.master_account_id is None else Rights(row.rights or 0),
            scopes=frozenset(Scope(s) for s in row.scopes),
            token_id=row.token_id,
            api_key_id=row.api_key_id,
            expires_at=row.expires_at,
            oauth=is_oauth,
        )


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized
    return token
