"""Tag AccountSubscription: the account's subscriptions, checkout, terminate and activate (the
states in ``domain.subscriptions``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import (
    authorized,
    json_document_response,
    json_list_response,
    no_content,
    operation,
)
from nukiweb.api.models.subscription import AccountSubscription
from nukiweb.api.parameters import TextId
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import subscriptions

router = APIRouter(route_class=CheckedRoute)


@operation(router, "AccountSubscriptionsResource_get_get", response_model=list[AccountSubscription])
async def list_account_subscriptions(request: Request) -> Response:
    """The account's subscriptions, oldest first, finished ones included."""
    call = authorized(request)
    held = subscriptions.list_held(call.ctx, call.caller)
    return json_list_response([AccountSubscription.of(each) for each in held], AccountSubscription)


@operation(router, "AccountSubscriptionPayResource_post_post", response_model=str)
async def pay(request: Request) -> Response:
    """The URL of the checkout page, where the signed-in account picks a plan and pays; it
    changes nothing by itself."""
    call = authorized(request)
    return json_document_response(subscriptions.checkout_url(call.ctx, call.caller))


@operation(router, "AccountSubscriptionActivateResource_post_post", status_code=204)
async def activate(request: Request, id: TextId) -> Response:  # noqa: A002 - the spec's name
    """Resumes a terminated subscription before its period ends; 409 for a finished one, or a
    deactivated one whose next period is not paid yet."""
    call = authorized(request)
    subscriptions.activate(call.ctx, call.caller, id)
    return no_content()


@operation(router, "AccountSubscriptionTerminateResource_post_post", status_code=204)
async def terminate(request: Request, id: TextId) -> Response:  # noqa: A002 - the spec's name
    """An active subscription runs to its period's end and then finishes; a deactivated one
    finishes now (its pending payment is cancelled); 409 for a finished one."""
    call = authorized(request)
    subscriptions.terminate(call.ctx, call.caller, id)
    return no_content()
