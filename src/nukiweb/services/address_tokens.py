"""Use cases of the AddressToken tag: each unit of an address has a token that one Nuki account
redeems, once, for app authorizations ("invite keys") on the address's devices.

The token's id is what its owner hands to the person moving in (printed, in a message); any
account may look at what it opens (``token_info``) and redeem it. The authorizations belong to
the address's account, for an account user with the redeeming account's email, and go when the
unit is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from nukiweb.domain.authorizations import MAX_NAME_LENGTH
from nukiweb.domain.errors import InvalidParameter, NotFound, NukiwebError
from nukiweb.domain.identity import Caller, acting_for
from nukiweb.services import account_users, authorizations
from nukiweb.services.addresses import owned_address
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as account_store
from nukiweb.store import addresses as store

REDEEMED_OK = "ok"
REDEEM_FAILED = "failed"


@dataclass(frozen=True, slots=True)
class AddressToken:
    id: str
    address_id: int
    creation_date: datetime
    redeem_date: datetime | None
    redeem_account_id: int | None
    invite_keys: list[str] | None
    redeem_result: str | None


@dataclass(frozen=True, slots=True)
class AddressTokenInfo:
    id: str
    address_name: str
    smartlock_names: list[str]


def _token(row: Row[Any]) -> AddressToken:
    return AddressToken(**row._asdict())


def list_tokens(ctx: ServiceContext, caller: Caller, address_id: int) -> list[AddressToken]:
    with ctx.db.read() as conn:
        owned_address(conn, caller, address_id)
        return [_token(row) for row in store.list_tokens(conn, address_id)]


def token_info(ctx: ServiceContext, token_id: str) -> AddressTokenInfo:
    """What the token opens: for whoever holds it, before redeeming."""
    with ctx.db.read() as conn:
        token = store.get_token(conn, token_id)
        if token is None:
            raise NotFound("address token", token_id)
        address = store.get_address(conn, None, token.address_id)
        assert address is not None
        names = store.smartlock_names(conn, address.address_id)
    return AddressTokenInfo(id=token_id, address_name=address.name, smartlock_names=names)


def redeemed_token(ctx: ServiceContext, caller: Caller, token_id: str) -> AddressToken:
    """The token as redeemed: for the account that redeemed it and the address's owner."""
    with ctx.db.read() as conn:
        token = store.get_token(conn, token_id)
        if token is None or caller.account_id not in {
            token.redeem_account_id,
            _owner(conn, token.address_id),
        }:
            raise NotFound("address token", token_id)
    return _token(token)


def redeem(ctx: ServiceContext, caller: Caller, token_id: str) -> AddressToken:
    """Once: the caller's account gets an app authorization on every device of the address;
    a second redemption is refused (400)."""
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        token = store.get_token(conn, token_id, for_update=True)
        unit = None if token is None else store.token_unit(conn, token_id)
        if token is None or unit is None:
            raise NotFound("address token", token_id)
        if token.redeem_date is not None:
            raise InvalidParameter("id", token_id, "The address token was redeemed already.")
        if unit.operation_id is not None:
            raise InvalidParameter("id", token_id, "The address token's unit is being deleted.")
        address = store.get_address(conn, None, token.address_id)
        assert address is not None
        redeemer = account_store.get_account(conn, caller.account_id)
        assert redeemer is not None
        owner = acting_for(address.account_id, "address token")
        user_id = account_users.user_for_email(
            ctx, conn, address.account_id, redeemer.email, redeemer.name
        )
        result, invite_keys, deliveries = REDEEMED_OK, [], authorizations.Deliveries()
        if address.smartlock_ids:
            new = authorizations.NewAuthorization(
                name=redeemer.name[:MAX_NAME_LENGTH].strip() or unit.name[:MAX_NAME_LENGTH],
                remote_allowed=True,
                account_user_id=user_id,
            )
            try:
                made, deliveries = authorizations.create_within(
                    ctx, conn, owner, list(address.smartlock_ids), new,
                    issued_by={"address_token_id": token_id},
                )  # fmt: skip
            except NukiwebError:
                made = []
                result = REDEEM_FAILED
            invite_keys = [auth.id for auth in made]
            if any(auth.error for auth in made):
                result = REDEEM_FAILED
        store.update_token(
            conn,
            token_id,
            {
                "redeem_date": now,
                "redeem_account_id": caller.account_id,
                "redeem_result": result,
                "invite_keys": invite_keys,
            },
        )
        redeemed = store.get_token(conn, token_id)
    authorizations.send(ctx, deliveries)
    assert redeemed is not None
    return _token(redeemed)


def _owner(conn: Connection, address_id: int) -> int | None:
    address = store.get_address(conn, None, address_id)
    return None if address is None else address.account_id
