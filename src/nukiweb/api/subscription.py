"""Tag Subscription: the plans the operator offers (``nukiweb admin import-subscriptions``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import authorized, json_list_response, json_response, operation
from nukiweb.api.models.subscription import Subscription
from nukiweb.api.parameters import Int32Id
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import subscriptions

router = APIRouter(route_class=CheckedRoute)


@operation(router, "SubscriptionsResource_get_get", response_model=list[Subscription])
async def list_subscriptions(request: Request) -> Response:
    """Every plan, by subscriptionId; ``available`` says whether it can be checked out."""
    call = authorized(request)
    found = subscriptions.list_plans(call.ctx, call.caller)
    return json_list_response([Subscription.of(plan) for plan in found], Subscription)


@operation(router, "SubscriptionResource_get_get", response_model=Subscription)
async def get_subscription(request: Request, subscriptionId: Int32Id) -> Response:
    call = authorized(request)
    return json_response(
        Subscription.of(subscriptions.get_plan(call.ctx, call.caller, subscriptionId))
    )
