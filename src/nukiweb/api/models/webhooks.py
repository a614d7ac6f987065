"""Schemas of webhooks: DecentralWebhook, AdvancedApiKey (and its create/update bodies),
WebhookLog with its WebhookMessages, and Notification with its settings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from nukiweb.api.models.common import ApiDateTime, RequestModel, ResponseModel
from nukiweb.services.notifications import Notification as NotificationRecord
from nukiweb.services.webhook_subscriptions import AdvancedApiKey as AdvancedApiKeyRecord
from nukiweb.services.webhook_subscriptions import DecentralWebhook as DecentralWebhookRecord
from nukiweb.store.webhooks import WebhookLog as WebhookLogRecord

Features = Annotated[list[str], Field(max_length=20)]
ApplicationType = Literal["ONLY_SECRET", "SHORT_RENTAL", "HEALTHCARE", "SMART_HOME", "OTHER"]


class DecentralWebhook(ResponseModel):
    id: int
    secret: str
    webhookUrl: str
    webhookFeatures: list[str]

    @classmethod
    def of(cls, webhook: DecentralWebhookRecord) -> DecentralWebhook:
        return cls(
            id=webhook.id,
            secret=webhook.secret,
            webhookUrl=webhook.url,
            webhookFeatures=webhook.features,
        )


class DecentralWebhookCreate(RequestModel):
    webhookUrl: str
    webhookFeatures: Features


class AdvancedApiKey(ResponseModel):
    name: str
    country: str
    description: str
    type: str
    webhookStatus: str | None = None
    url: str
    email: str
    webhookUrl: str
    webhookFeatures: list[str]
    restricted: bool
    secret: str
    status: str
    creationDate: ApiDateTime
    updateDate: ApiDateTime

    @classmethod
    def of(cls, advanced: AdvancedApiKeyRecord) -> AdvancedApiKey:
        key, webhook = advanced.key, advanced.webhook
        return cls(
            name=key.name,
            country=key.country,
            description=key.description,
            type=key.type,
            webhookStatus=webhook.status,
            url=key.url,
            email=key.email,
            webhookUrl=webhook.url,
            webhookFeatures=webhook.features,
            restricted=key.restricted,
            secret=advanced.secret,
            status=key.status,
            creationDate=key.creation_date,
            updateDate=max(key.update_date, webhook.update_date),
        )


class AdvancedApiKeyUpdate(RequestModel):
    webhookUrl: str
    webhookFeatures: Features


class AdvancedApiKeyCreate(AdvancedApiKeyUpdate):
    name: Annotated[str, Field(max_length=200)]
    country: Annotated[str, Field(max_length=100)]
    description: Annotated[str, Field(max_length=5000)]
    type: ApplicationType
    url: Annotated[str, Field(max_length=2000)]
    email: Annotated[str, Field(max_length=254)]
    restricted: bool


class WebhookMessage(ResponseModel):
    headers: dict[str, str]
    body: dict[str, Any] | None = None
    timestamp: ApiDateTime | None = None
    path: str

    @classmethod
    def of(cls, message: dict[str, Any]) -> WebhookMessage:
        """A stored message; a body that is no JSON object (a receiver's text answer) shows
        as ``{"raw": …}``."""
        body = message.get("body")
        if body is not None and not isinstance(body, dict):
            body = {"raw": body}
        return cls(
            headers={str(k): str(v) for k, v in (message.get("headers") or {}).items()},
            body=body,
            timestamp=message.get("timestamp"),
            path=message.get("path") or "/",
        )


class WebhookLog(ResponseModel):
    id: str
    requestId: str | None = None
    succeeded: bool
    responseStatus: int | None = None
    duration: int
    accountId: int
    request: WebhookMessage
    response: WebhookMessage | None = None
    apiKeyId: int
    updated: ApiDateTime
    created: ApiDateTime

    @classmethod
    def of(cls, log: WebhookLogRecord) -> WebhookLog:
        return cls(
            id=log.id,
            requestId=log.request_id,
            succeeded=log.succeeded,
            responseStatus=log.response_status,
            duration=log.duration,
            accountId=log.account_id,
            request=WebhookMessage.of(log.request),
            response=None if log.response is None else WebhookMessage.of(log.response),
            apiKeyId=log.api_key_id,
            updated=log.updated,
            created=log.created,
        )


class NotificationSetting(ResponseModel):
    smartlockId: int | None = None
    triggerEvents: list[str]
    authIds: list[str] | None = None


class Notification(ResponseModel):
    notificationId: str
    referenceId: str | None = None
    pushId: str
    secret: str | None = None
    os: int
    language: str
    status: int
    lastActiveDate: ApiDateTime | None = None
    settings: list[NotificationSetting]

    @classmethod
    def of(cls, notification: NotificationRecord) -> Notification:
        config = notification.config
        return cls(
            notificationId=config.notification_id,
            referenceId=config.reference_id,
            pushId=config.push_id,
            secret=notification.secret,
            os=config.os,
            language=config.language,
            status=config.status,
            lastActiveDate=config.last_active_date,
            settings=[NotificationSetting(**setting) for setting in config.settings],
        )


class NotificationSettingBody(RequestModel):
    smartlockId: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None
    triggerEvents: Annotated[list[str], Field(max_length=20)]
    authIds: (
        Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=1000)] | None
    ) = None


class NotificationBody(RequestModel):
    """A configuration as created or replaced; ``notificationId``, ``secret``, ``status`` and
    ``lastActiveDate`` are nukiweb's and ignored here."""

    referenceId: str | None = None
    pushId: Annotated[str, Field(max_length=2000)]
    os: int
    language: str | None = None
    settings: Annotated[list[NotificationSettingBody], Field(max_length=100)]
