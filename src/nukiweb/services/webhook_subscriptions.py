"""Use cases of webhook subscriptions: decentral webhooks (tag AdvancedApi), an API key's
advanced API key with its central webhook (tag ApiKey), and the webhook logs of an API key.

Subscribers hear only the events written after they subscribe: their cursor starts at the
newest event. A caller subscribes only to what it may read (domain.readers); the subscriber
keeps who subscribed and under which API key, and the delivery worker (nukiweb.webhooks)
checks again, at each delivery, what they may read then.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from nukiweb.domain.errors import Conflict, InvalidParameter, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.limits import check_limit
from nukiweb.domain.readers import readable_features, require_readable
from nukiweb.domain.webhooks import API_TRIGGERED, check_webhook_url, parse_features
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as account_store
from nukiweb.store import api_keys as key_store
from nukiweb.store import webhooks as store
from nukiweb.store.webhooks import AdvancedKey, Subscriber, WebhookLog

ACTIVE = "ACTIVE"
DEACTIVATED = "DEACTIVATED"
ONLY_SECRET = "ONLY_SECRET"  # noqa: S105 - an application type, not a secret
MAX_LOGS_PAGE = 100


@dataclass(frozen=True, slots=True)
class DecentralWebhook:
    id: int
    secret: str
    url: str
    features: list[str]


@dataclass(frozen=True, slots=True)
class AdvancedApiKey:
    key: AdvancedKey
    secret: str
    webhook: Subscriber


def new_subscriber(
    ctx: ServiceContext,
    conn: Connection,
    caller: Caller,
    *,
    api_key_id: int | None,
    kind: str,
    url: str,
    features: list[str],
    secret_box: str,
    notification_id: str | None = None,
) -> int:
    """A subscriber row, ACTIVE, hearing what happens from now on in the caller's account,
    as far as the caller may read it with its credentials under ``api_key_id``."""
    now = ctx.clock.now()
    return store.insert_subscriber(
        conn,
        {
            "account_id": caller.owner_account_id,
            "reader_account_id": caller.account_id,
            "api_key_id": api_key_id,
            "kind": kind,
            "notification_id": notification_id,
            "url": url,
            "features": features,
            "secret_box": secret_box,
            "status": ACTIVE,
            "cursor": store.current_event_seq(conn),
            "failures": 0,
            "next_attempt_at": None,
            "sent_ok": 0,
            "sent_failed": 0,
            "creation_date": now,
            "update_date": now,
        },
    )


# --- decentral webhooks --------------------------------------------------------------------


def list_decentral(ctx: ServiceContext, caller: Caller) -> list[DecentralWebhook]:
    """With their secrets, as the vendor lists them."""
    with ctx.db.read() as conn:
        subscribers = store.list_subscribers(
            conn, caller.owner_account_id, store.DECENTRAL, caller.own_subscriptions_only
        )
    return [_decentral(ctx, subscriber) for subscriber in subscribers]


def create_decentral(
    ctx: ServiceContext, caller: Caller, url: str, features: list[str] | None
) -> DecentralWebhook:
    checked_url = check_webhook_url(url, allow_local=ctx.allow_local_webhooks)
    parsed = parse_features(features)
    require_readable(caller.scopes, caller.rights, parsed)
    secret = secrets.token_hex(32)
    with ctx.db.transaction() as conn:
        account_store.lock_account(conn, caller.owner_account_id)
        held = store.count_subscribers(conn, caller.owner_account_id, store.DECENTRAL)
        check_limit(held, ctx.limits.decentral_webhooks, "decentral webhooks")
        subscriber_id = new_subscriber(
            ctx,
            conn,
            caller,
            api_key_id=caller.api_key_id,
            kind=store.DECENTRAL,
            url=checked_url,
            features=parsed,
            secret_box=ctx.secrets.seal(secret),
        )
    return DecentralWebhook(subscriber_id, secret, checked_url, parsed)


def delete_decentral(ctx: ServiceContext, caller: Caller, webhook_id: int) -> None:
    with ctx.db.transaction() as conn:
        subscriber = store.get_subscriber(
            conn,
            caller.owner_account_id,
            store.DECENTRAL,
            webhook_id,
            caller.own_subscriptions_only,
        )
        if subscriber is None:
            raise NotFound("decentral webhook", webhook_id)
        store.delete_subscriber(conn, webhook_id)


def _decentral(ctx: ServiceContext, subscriber: Subscriber) -> DecentralWebhook:
    return DecentralWebhook(
        subscriber.id, ctx.secrets.open(subscriber.secret_box), subscriber.url, subscriber.features
    )


# --- advanced API keys ---------------------------------------------------------------------


def _central_features(application_type: str, features: list[str] | None) -> list[str]:
    """The central webhook's features; an ONLY_SECRET application may name none (it then
    hears only the answers to its advanced actions)."""
    if application_type == ONLY_SECRET and not features:
        return []
    return parse_features(features)


def create_advanced_key(
    ctx: ServiceContext, caller: Caller, api_key_id: int, application: Mapping[str, Any]
) -> None:
    """Applies for an advanced API key, which nukiweb approves at once (status ACTIVE)."""
    url = check_webhook_url(application["webhookUrl"], allow_local=ctx.allow_local_webhooks)
    features = _central_features(application["type"], application["webhookFeatures"])
    require_readable(caller.scopes, caller.rights, features)
    for field in ("name", "country", "description", "url", "email"):
        if not str(application[field]).strip():
            raise InvalidParameter(field, application[field], "It must not be empty.")
    sealed = ctx.secrets.seal(secrets.token_hex(32))
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        _api_key(conn, caller, api_key_id)
        if store.get_advanced_key(conn, api_key_id) is not None:
            raise Conflict(f"The api key '{api_key_id}' has an advanced api key already.")
        store.insert_advanced_key(
            conn,
            {
                "api_key_id": api_key_id,
                "name": application["name"].strip(),
                "country": application["country"].strip(),
                "description": application["description"].strip(),
                "type": application["type"],
                "url": application["url"].strip(),
                "email": application["email"].strip(),
                "restricted": application["restricted"],
                "status": ACTIVE,
                "secret_box": sealed,
                "creation_date": now,
                "update_date": now,
            },
        )
        new_subscriber(
            ctx,
            conn,
            caller,
            api_key_id=api_key_id,
            kind=store.CENTRAL,
            url=url,
            features=features,
            secret_box=sealed,
        )


def get_advanced_key(ctx: ServiceContext, caller: Caller, api_key_id: int) -> AdvancedApiKey:
    with ctx.db.read() as conn:
        key, webhook = _advanced(conn, caller, api_key_id)
    return AdvancedApiKey(key, ctx.secrets.open(key.secret_box), webhook)


def update_advanced_key(
    ctx: ServiceContext, caller: Caller, api_key_id: int, url: str, features: list[str] | None
) -> None:
    checked_url = check_webhook_url(url, allow_local=ctx.allow_local_webhooks)
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        key, webhook = _advanced(conn, caller, api_key_id)
        parsed = _central_features(key.type, features)
        require_readable(caller.scopes, caller.rights, parsed)
        store.update_subscriber(
            conn, webhook.id, {"url": checked_url, "features": parsed, "update_date": now}
        )
        store.update_advanced_key(conn, api_key_id, {"update_date": now})


def delete_advanced_key(ctx: ServiceContext, caller: Caller, api_key_id: int) -> None:
    with ctx.db.transaction() as conn:
        _advanced(conn, caller, api_key_id)
        store.delete_advanced_key(conn, api_key_id)


def reactivate_advanced_key(ctx: ServiceContext, caller: Caller, api_key_id: int) -> None:
    """The central webhook is ACTIVE again and retried at once."""
    with ctx.db.transaction() as conn:
        _key, webhook = _advanced(conn, caller, api_key_id)
        store.update_subscriber(
            conn,
            webhook.id,
            {
                "status": ACTIVE,
                "failures": 0,
                "next_attempt_at": None,
                "update_date": ctx.clock.now(),
            },
        )


def _api_key(conn: Connection, caller: Caller, api_key_id: int) -> None:
    if key_store.get_api_key(conn, caller.account_id, api_key_id) is None:
        raise NotFound("api key", api_key_id)


def _advanced(conn: Connection, caller: Caller, api_key_id: int) -> tuple[AdvancedKey, Subscriber]:
    _api_key(conn, caller, api_key_id)
    key = store.get_advanced_key(conn, api_key_id)
    webhook = store.central_subscriber(conn, api_key_id)
    if key is None or webhook is None:
        raise NotFound("advanced api key", api_key_id)
    return key, webhook


# --- webhook logs --------------------------------------------------------------------------


def list_logs(
    ctx: ServiceContext, caller: Caller, api_key_id: int, older_than: str | None, limit: int
) -> list[WebhookLog]:
    """The key's delivery attempts, newest first; ``older_than`` names a log: only older
    ones."""
    if not 1 <= limit <= MAX_LOGS_PAGE:
        raise InvalidParameter("limit", limit, f"It must be between 1 and {MAX_LOGS_PAGE}.")
    with ctx.db.read() as conn:
        _api_key(conn, caller, api_key_id)
        before = None
        if older_than:
            before = store.log_seq(conn, api_key_id, older_than)
            if before is None:
                raise InvalidParameter("id", older_than, "No such webhook log.")
        logs = store.list_logs(conn, api_key_id, before, limit)
    # Advanced API results answer the key's own requests.
    readable = readable_features(caller.scopes, caller.rights) | {API_TRIGGERED}
    return [_shown(log, readable) for log in logs]


def _shown(log: WebhookLog, readable: frozenset[str]) -> WebhookLog:
    """The log as a caller that may read ``readable`` sees it: of an event it may not read
    (now), the request's body names only the feature, and the response has no body (a
    receiver may echo what it was sent)."""
    # Logs written before their feature was kept: their body names it.
    feature = log.feature or (log.request.get("body") or {}).get("feature")
    if feature in readable:
        return log
    request = {name: value for name, value in log.request.items() if name != "body"}
    if feature is not None:
        request["body"] = {"feature": feature}
    response = log.response
    if response is not None:
        response = {name: value for name, value in response.items() if name != "body"}
    return replace(log, request=request, response=response)
