"""Tag Notification (deprecated by the vendor): push and webhook notification configurations."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import (
    authorized,
    json_list_response,
    json_response,
    no_content,
    operation,
)
from nukiweb.api.models.webhooks import Notification, NotificationBody
from nukiweb.api.parameters import TextId
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import notifications

router = APIRouter(route_class=CheckedRoute)


@operation(router, "NotificationsResource_get_get", response_model=list[Notification])
async def list_notifications(request: Request, referenceId: str | None = None) -> Response:
    call = authorized(request)
    configs = notifications.list_notifications(call.ctx, call.caller, referenceId)
    return json_list_response([Notification.of(config) for config in configs], Notification)


@operation(router, "NotificationsResource_put_put", response_model=Notification)
async def create_notification(request: Request, body: NotificationBody) -> Response:
    """``os`` 2 is a webhook: ``pushId`` is its URL and the answer's ``secret`` signs every
    POST (``X-Nuki-Signature-SHA256``, HMAC-SHA256 of the body). ``os`` 0 and 1 (phone push)
    are stored, and nothing is sent."""
    call = authorized(request)
    config = notifications.create_notification(call.ctx, call.caller, body.model_dump())
    return json_response(Notification.of(config))


@operation(router, "NotificationResource_get_get", response_model=Notification)
async def get_notification(request: Request, notificationId: TextId) -> Response:
    call = authorized(request)
    return json_response(
        Notification.of(notifications.get_notification(call.ctx, call.caller, notificationId))
    )


@operation(router, "NotificationResource_post_post", response_model=Notification)
async def update_notification(
    request: Request, notificationId: TextId, body: NotificationBody
) -> Response:
    """Replaces the configuration; a webhook keeps its secret."""
    call = authorized(request)
    config = notifications.update_notification(
        call.ctx, call.caller, notificationId, body.model_dump()
    )
    return json_response(Notification.of(config))


@operation(router, "NotificationResource_delete_delete", status_code=204)
async def delete_notification(request: Request, notificationId: TextId) -> Response:
    call = authorized(request)
    notifications.delete_notification(call.ctx, call.caller, notificationId)
    return no_content()
