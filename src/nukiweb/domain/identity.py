"""Who is calling: the identity every operation checks scopes and rights against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nukiweb.domain.errors import Forbidden, Unauthorized
from nukiweb.domain.rights import Rights
from nukiweb.domain.scopes import Scope, grants


@dataclass(frozen=True, slots=True)
class Caller:
    account_id: int
    """The account the token belongs to (a sub-account's own id)."""
    owner_account_id: int
    """Whose devices, users and logs the caller acts on: its master account if it is a
    sub-account, else itself."""
    rights: Rights | None
    """A sub-account's rights; ``None`` for a master account, which may do everything."""
    scopes: frozenset[Scope]
    token_id: str
    api_key_id: int | None = None
    """The API key the token was issued under (an API token) or to (an OAuth2 token): its
    central webhook hears the outcome of the caller's Advanced API requests."""
    expires_at: datetime | None = None
    oauth: bool = False
    """An OAuth2 access token: an app acting for the account, which may not take it over by
    changing its password or email."""

    @property
    def is_sub_account(self) -> bool:
        return self.rights is not None

    @property
    def own_subscriptions_only(self) -> int | None:
        """Whose webhooks and notifications the caller sees and manages, when not every one of
        its account's: a sub-account only those it made (their secrets sign what its master's
        receivers trust), a master account all (``None``)."""
        return self.account_id if self.is_sub_account else None

    def require_scope(self, accepted: tuple[str, ...]) -> None:
        if not grants(self.scopes, accepted):
            raise Unauthorized

    def require_rights(self, needed: Rights) -> None:
        """A sub-account needs one of ``needed`` (none when ``needed`` is ``NONE``)."""
        if self.rights is None or not needed:
            return
        if not self.rights & needed:
            raise Forbidden(
                f"This sub-account's rights ({int(self.rights)}) do not allow this operation."
            )


def acting_for(account_id: int, actor: str) -> Caller:
    """The account itself, as nukiweb acts for it on its own (short-rental automation, an
    address token's redemption): every right, no token; ``actor`` names it."""
    return Caller(
        account_id=account_id,
        owner_account_id=account_id,
        rights=None,
        scopes=frozenset(),
        token_id=actor,
    )
