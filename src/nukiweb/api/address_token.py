"""Tag AddressToken: the token of an address unit, redeemed once for app authorizations on the
address's devices."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import (
    authorized,
    json_list_response,
    json_response,
    no_content,
    operation,
)
from nukiweb.api.models.short_rental import AddressToken, AddressTokenInfo
from nukiweb.api.parameters import Int32Id, TextId
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import address_tokens

router = APIRouter(route_class=CheckedRoute)


@operation(router, "AddressTokensResource_get_get", response_model=list[AddressToken])
async def list_tokens(request: Request, addressId: Int32Id) -> Response:
    call = authorized(request)
    tokens = address_tokens.list_tokens(call.ctx, call.caller, addressId)
    return json_list_response([AddressToken.of(token) for token in tokens], AddressToken)


@operation(router, "AddressTokenResource_get_get", response_model=AddressTokenInfo)
async def token_info(request: Request, id: TextId) -> Response:  # noqa: A002 - the vendor's parameter name
    """What the token opens, for any account that holds it: the address's and devices' names."""
    call = authorized(request)
    return json_response(AddressTokenInfo.of(address_tokens.token_info(call.ctx, id)))


@operation(router, "AddressTokenRedeemResource_get_get", response_model=AddressToken)
async def redeemed_token(request: Request, id: TextId) -> Response:  # noqa: A002 - the vendor's parameter name
    """The token as redeemed, for the account that redeemed it or owns the address."""
    call = authorized(request)
    return json_response(AddressToken.of(address_tokens.redeemed_token(call.ctx, call.caller, id)))


@operation(router, "AddressTokenRedeemResource_post_post", status_code=204)
async def redeem(request: Request, id: TextId, email: bool = True) -> Response:  # noqa: A002 - the vendor's parameter name
    """Once: the calling account gets an app authorization on each device of the address
    (asynchronous, as authorizations are). nukiweb sends no mail: ``email`` is accepted and
    changes nothing."""
    del email
    call = authorized(request)
    address_tokens.redeem(call.ctx, call.caller, id)
    return no_content()
