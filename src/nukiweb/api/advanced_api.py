"""Tag AdvancedApi: decentral webhooks and an API key's webhook logs (the advanced actions are
in their own module)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import (
    authorized,
    json_list_response,
    json_response,
    no_content,
    operation,
)
from nukiweb.api.models.common import Int64
from nukiweb.api.models.webhooks import DecentralWebhook, DecentralWebhookCreate, WebhookLog
from nukiweb.api.parameters import Int32Id
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import webhook_subscriptions

router = APIRouter(route_class=CheckedRoute)


@operation(router, "DecentralWebhooksResource_get_get", response_model=list[DecentralWebhook])
async def list_decentral_webhooks(request: Request) -> Response:
    """With their secrets, as the vendor lists them."""
    call = authorized(request)
    webhooks = webhook_subscriptions.list_decentral(call.ctx, call.caller)
    return json_list_response([DecentralWebhook.of(w) for w in webhooks], DecentralWebhook)


@operation(router, "DecentralWebhooksResource_put_put", response_model=DecentralWebhook)
async def create_decentral_webhook(request: Request, body: DecentralWebhookCreate) -> Response:
    """The answer carries the ``secret`` that signs every POST (``X-Nuki-Signature-SHA256``).
    The webhook hears only what happens after it was created."""
    call = authorized(request)
    webhook = webhook_subscriptions.create_decentral(
        call.ctx, call.caller, body.webhookUrl, body.webhookFeatures
    )
    return json_response(DecentralWebhook.of(webhook))


@operation(router, "DecentralWebhookResource_delete_delete", status_code=204)
async def delete_decentral_webhook(
    request: Request,
    id: Int32Id,  # noqa: A002 - the vendor's parameter name
) -> Response:
    call = authorized(request)
    webhook_subscriptions.delete_decentral(call.ctx, call.caller, id)
    return no_content()


@operation(router, "WebhookLogsResource_get_get", response_model=list[WebhookLog])
async def list_webhook_logs(
    request: Request,
    apiKeyId: Int32Id,
    id: str | None = None,  # noqa: A002 - the vendor's parameter name
    limit: Int64 = 50,
) -> Response:
    """The last 300 deliveries of the key's central webhook, newest first; ``id`` names a log:
    only older ones (``limit`` 1 … 100)."""
    call = authorized(request)
    logs = webhook_subscriptions.list_logs(call.ctx, call.caller, apiKeyId, id, limit)
    return json_list_response([WebhookLog.of(log) for log in logs], WebhookLog)
