"""What every use case needs: the store, the clock, and the cache of authenticated tokens."""

from __future__ import annotations

from dataclasses import dataclass, field

from nukiweb.clock import Clock, SystemClock
from nukiweb.services.authentication import TokenCache
from nukiweb.store.database import Database


@dataclass
class ServiceContext:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    tokens: TokenCache = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = TokenCache(self.db, self.clock)
