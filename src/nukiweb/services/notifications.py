"""Use cases of the Notification tag (deprecated by the vendor, still part of the API).

A configuration with ``os`` 2 is a webhook: ``pushId`` is its URL, it is signed with a 40-hex
secret (shown in every answer) and has a webhook subscriber of kind "notification" hearing
DEVICE_LOGS, which the delivery worker filters by the configuration's settings; like every
subscriber it hears as the caller that created or last changed it, through the API key of that
caller's token. ``os`` 0 and 1 (Android and iOS push) are stored and listed, and nothing is
sent.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from nukiweb.domain.errors import InvalidParameter, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.limits import check_limit
from nukiweb.domain.readers import require_readable
from nukiweb.domain.webhooks import Feature, check_webhook_url
from nukiweb.secrets import new_object_id
from nukiweb.services.context import ServiceContext
from nukiweb.services.webhook_subscriptions import new_subscriber
from nukiweb.store import accounts as account_store
from nukiweb.store import smartlocks as device_store
from nukiweb.store import webhooks as store
from nukiweb.store.webhooks import NotificationConfig

ANDROID, IOS, WEBHOOK = 0, 1, 2
ACTIVE = 1
LANGUAGES = frozenset({"cs", "de", "en", "es", "fr", "it", "nl", "sk"})
TRIGGER_EVENTS = frozenset(
    {"lock", "unlock", "unlatch", "lockngo", "open", "ring", "doorsensor", "warnings", "smartlock"}
)
MAX_PUSH_ID = 2000
MAX_REFERENCE_ID = 100


@dataclass(frozen=True, slots=True)
class Notification:
    config: NotificationConfig
    secret: str | None


@dataclass(frozen=True, slots=True)
class _Checked:
    push_id: str
    os: int
    language: str
    reference_id: str | None
    settings: list[dict[str, Any]]


def list_notifications(
    ctx: ServiceContext, caller: Caller, reference_id: str | None
) -> list[Notification]:
    with ctx.db.read() as conn:
        configs = store.list_notifications(
            conn, caller.owner_account_id, reference_id, caller.own_subscriptions_only
        )
    return [_shown(ctx, config) for config in configs]


def get_notification(ctx: ServiceContext, caller: Caller, notification_id: str) -> Notification:
    with ctx.db.read() as conn:
        config = _notification(conn, caller, notification_id)
    return _shown(ctx, config)


def create_notification(
    ctx: ServiceContext, caller: Caller, body: Mapping[str, Any]
) -> Notification:
    notification_id = new_object_id()
    with ctx.db.transaction() as conn:
        account_store.lock_account(conn, caller.owner_account_id)
        held = store.count_notifications(conn, caller.owner_account_id)
        check_limit(held, ctx.limits.notifications, "notifications")
        checked = _check(ctx, conn, caller, body)
        sealed = ctx.secrets.seal(secrets.token_hex(20)) if checked.os == WEBHOOK else None
        store.insert_notification(
            conn,
            {
                "notification_id": notification_id,
                "account_id": caller.owner_account_id,
                "reader_account_id": caller.account_id,
                "reference_id": checked.reference_id,
                "push_id": checked.push_id,
                "os": checked.os,
                "language": checked.language,
                "status": ACTIVE,
                "last_active_date": None,
                "settings": checked.settings,
                "secret_box": sealed,
                "creation_date": ctx.clock.now(),
            },
        )
        if sealed is not None:
            _subscribe(ctx, conn, caller, notification_id, checked.push_id, sealed)
        config = _notification(conn, caller, notification_id)
    return _shown(ctx, config)


def update_notification(
    ctx: ServiceContext, caller: Caller, notification_id: str, body: Mapping[str, Any]
) -> Notification:
    """Replaces the configuration; a webhook keeps its secret while it stays one."""
    with ctx.db.transaction() as conn:
        current = _notification(conn, caller, notification_id)
        checked = _check(ctx, conn, caller, body)
        sealed = None
        if checked.os == WEBHOOK:
            sealed = current.secret_box or ctx.secrets.seal(secrets.token_hex(20))
        store.update_notification(
            conn,
            notification_id,
            {
                "reader_account_id": caller.account_id,
                "reference_id": checked.reference_id,
                "push_id": checked.push_id,
                "os": checked.os,
                "language": checked.language,
                "settings": checked.settings,
                "secret_box": sealed,
            },
        )
        subscriber = store.notification_subscriber(conn, notification_id)
        if sealed is None:
            if subscriber is not None:
                store.delete_subscriber(conn, subscriber.id)
        elif subscriber is None:
            _subscribe(ctx, conn, caller, notification_id, checked.push_id, sealed)
        else:
            store.update_subscriber(
                conn,
                subscriber.id,
                {
                    "url": checked.push_id,
                    "reader_account_id": caller.account_id,
                    "api_key_id": caller.api_key_id,
                    "update_date": ctx.clock.now(),
                },
            )
        config = _notification(conn, caller, notification_id)
    return _shown(ctx, config)


def delete_notification(ctx: ServiceContext, caller: Caller, notification_id: str) -> None:
    with ctx.db.transaction() as conn:
        _notification(conn, caller, notification_id)
        store.delete_notification(conn, notification_id)


def _subscribe(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    notification_id: str,
    url: str,
    sealed: str,
) -> None:
    new_subscriber(
        ctx,
        conn,
        caller,
        api_key_id=caller.api_key_id,
        kind=store.NOTIFICATION,
        notification_id=notification_id,
        url=url,
        features=[Feature.DEVICE_LOGS.value],
        secret_box=sealed,
    )


def _notification(conn: Connection, caller: Caller, notification_id: str) -> NotificationConfig:
    config = store.get_notification(
        conn, caller.owner_account_id, notification_id, caller.own_subscriptions_only
    )
    if config is None:
        raise NotFound("notification", notification_id)
    return config


def _shown(ctx: ServiceContext, config: NotificationConfig) -> Notification:
    secret = None if config.secret_box is None else ctx.secrets.open(config.secret_box)
    return Notification(config, secret)


def _check(
    ctx: ServiceContext, conn: Connection, caller: Caller, body: Mapping[str, Any]
) -> _Checked:
    os = body["os"]
    if os not in (ANDROID, IOS, WEBHOOK):
        raise InvalidParameter("os", os, "It must be 0 (Android), 1 (iOS) or 2 (web hook).")
    push_id = str(body["pushId"]).strip()
    if os == WEBHOOK:
        push_id = check_webhook_url(
            push_id, allow_local=ctx.allow_local_webhooks, parameter="pushId"
        )
        require_readable(caller.scopes, caller.rights, [Feature.DEVICE_LOGS.value])
    elif not push_id or len(push_id) > MAX_PUSH_ID:
        raise InvalidParameter("pushId", body["pushId"])
    language = body.get("language") or "en"
    if language not in LANGUAGES:
        raise InvalidParameter("language", language, f"It must be one of {sorted(LANGUAGES)}.")
    reference_id = body.get("referenceId")
    if reference_id is not None and len(reference_id) > MAX_REFERENCE_ID:
        raise InvalidParameter("referenceId", reference_id[:20] + "…", "It is too long.")
    owned = {
        device.smartlock_id for device in device_store.list_devices(conn, caller.owner_account_id)
    }
    settings = [_setting(setting, owned) for setting in body["settings"]]
    return _Checked(push_id, os, language, reference_id, settings)


def _setting(setting: Mapping[str, Any], owned: set[int]) -> dict[str, Any]:
    smartlock_id = setting.get("smartlockId")
    if smartlock_id is not None and smartlock_id not in owned:
        raise InvalidParameter("settings.smartlockId", smartlock_id, "No such smartlock.")
    events = _unique(setting["triggerEvents"])
    unknown = [event for event in events if event not in TRIGGER_EVENTS]
    if unknown:
        raise InvalidParameter("settings.triggerEvents", unknown[0])
    result: dict[str, Any] = {"triggerEvents": events}
    if smartlock_id is not None:
        result["smartlockId"] = smartlock_id
    auth_ids = setting.get("authIds")
    if auth_ids is not None:
        result["authIds"] = _unique(auth_ids)
    return result


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
