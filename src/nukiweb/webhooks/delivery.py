"""The delivery worker: sends each subscriber its events, signed, in order, at least once.

Every server instance runs one. It leases a subscriber that has events past its cursor, posts
them one by one and moves the cursor after each answer in 2xx; a connection error, a timeout
or any other status ends the turn and schedules a retry with exponential backoff and jitter.
After ``DEACTIVATE_AFTER_FAILURES`` failures in a row the subscriber is DEACTIVATED until it is
reactivated. A crash between a send and the cursor's move sends that event again: receivers
drop duplicates by its ``X-Nuki-Event-Id``. Each subscriber is served by its own task with a
timeout per request, so a slow receiver delays only itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import time
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from nukiweb.domain import webhooks as rules
from nukiweb.domain.readers import readable_features
from nukiweb.secrets import new_object_id
from nukiweb.services.context import ServiceContext
from nukiweb.store import outbox
from nukiweb.store.readers import reader_grant
from nukiweb.store.webhooks import NOTIFICATION, insert_log

log = logging.getLogger(__name__)

# How long a subscriber stays with an instance that stopped answering (it crashed); renewed
# with every attempt, so it only needs to outlast one request.
LEASE = timedelta(seconds=15)
EVENTS_PER_TURN = 50
REQUEST_TIMEOUT = 5.0


class UnsafeAddress(Exception):
    """The webhook's host resolves to an address webhooks may not go to."""


class DeliveryWorker:
    def __init__(
        self,
        ctx: ServiceContext,
        *,
        poll_interval: float = 1.0,
        concurrency: int = 32,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._ctx = ctx
        self._owner = str(uuid.uuid4())
        self._poll = poll_interval
        self._slots = asyncio.Semaphore(concurrency)
        self._serving: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._client = httpx.AsyncClient(
            timeout=REQUEST_TIMEOUT, follow_redirects=False, transport=transport
        )
        self._stopping = asyncio.Event()
        self._woken = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._last_prune = 0.0

    def wake(self) -> None:
        """An event was written: look for work now rather than at the next poll (callable
        from any thread)."""
        self._loop.call_soon_threadsafe(self._woken.set)

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._start_due()
                self._prune_now_and_then()
            except Exception:
                log.exception("webhook delivery: a turn failed")
            # Woken by a new event, by a retry falling due (the poll), or stopped.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self._poll)
            self._woken.clear()

    async def stop(self) -> None:
        self._stopping.set()
        self._woken.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    def _start_due(self) -> None:
        now = self._ctx.clock.now()
        with self._ctx.db.read() as conn:
            due = outbox.due_subscribers(conn, now, limit=100)
        for subscriber_id in due:
            if subscriber_id in self._serving:
                continue
            self._serving.add(subscriber_id)
            task = asyncio.create_task(self._serve(subscriber_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._last_prune > 60:  # noqa: PLR2004 - once a minute
            self._last_prune = time.monotonic()
            with self._ctx.db.transaction() as conn:
                outbox.prune(conn)

    async def _serve(self, subscriber_id: int) -> None:
        try:
            async with self._slots:
                now = self._ctx.clock.now()
                with self._ctx.db.transaction() as conn:
                    leased = outbox.lease(conn, subscriber_id, self._owner, now, now + LEASE)
                if not leased:
                    return
                try:
                    await self._deliver_pending(subscriber_id)
                finally:
                    with self._ctx.db.transaction() as conn:
                        outbox.release(conn, subscriber_id, self._owner)
        except Exception:
            log.exception("webhook delivery to subscriber %s failed", subscriber_id)
        finally:
            self._serving.discard(subscriber_id)
            self._woken.set()  # events may have come in meanwhile: look again

    async def _deliver_pending(self, subscriber_id: int) -> None:
        with self._ctx.db.read() as conn:
            subscriber = outbox.subscriber(conn, subscriber_id)
            if subscriber is None or subscriber.status != "ACTIVE":
                return
            events = outbox.events_after(
                conn, subscriber.account_id, subscriber.cursor, EVENTS_PER_TURN
            )
            # What the subscriber may read now, looked up after the events: never older than
            # any of them. Events it may not read are passed, not kept for later.
            grant = reader_grant(
                conn, subscriber.reader_account_id, subscriber.api_key_id, self._ctx.clock.now()
            )
        readable = readable_features(grant.scopes, grant.rights)
        cursor = subscriber.cursor
        for event in events:
            if not _wants(subscriber, event, readable):
                cursor = event.seq
                continue
            if cursor != subscriber.cursor:
                self._record(subscriber_id, {"cursor": cursor})
            delivered = await self._send(subscriber, event)
            if not delivered:
                return
            cursor = event.seq
        self._record(subscriber_id, {"cursor": cursor})

    async def _send(self, subscriber: Any, event: Any) -> bool:
        secret = self._ctx.secrets.open(subscriber.secret_box)
        payload = dict(event.payload)
        if subscriber.kind == "notification":
            payload = {"notificationId": subscriber.notification_id, **payload}
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json; charset=UTF-8",
            rules.SIGNATURE_HEADER: rules.sign(secret, body),
            rules.EVENT_ID_HEADER: event.id,
        }
        started = time.monotonic()
        status: int | None = None
        answer: dict[str, Any] | None = None
        try:
            await self._check_address(subscriber.url)
            response = await self._client.post(subscriber.url, content=body, headers=headers)
            status = response.status_code
            answer = _message(dict(response.headers), _json_or_text(response), subscriber.url)
        except (httpx.HTTPError, UnsafeAddress, OSError) as error:
            answer = _message({}, {"error": f"{type(error).__name__}: {error}"}, subscriber.url)
        duration = int((time.monotonic() - started) * 1000)
        succeeded = status is not None and 200 <= status < 300  # noqa: PLR2004
        self._after_attempt(
            subscriber, event, succeeded, status, duration, headers, payload, answer
        )
        return succeeded

    async def _check_address(self, url: str) -> None:
        """The host is resolved here again: a name may point to a private address."""
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        infos = await asyncio.get_running_loop().getaddrinfo(host, port)
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if rules.is_forbidden_address(address, allow_local=self._ctx.allow_local_webhooks):
                raise UnsafeAddress(f"{host} resolves to {address}, which webhooks may not reach")

    def _after_attempt(
        self,
        subscriber: Any,
        event: Any,
        succeeded: bool,
        status: int | None,
        duration: int,
        headers: dict[str, str],
        payload: dict[str, Any],
        answer: dict[str, Any] | None,
    ) -> None:
        now = self._ctx.clock.now()
        with self._ctx.db.transaction() as conn:
            current = outbox.subscriber(conn, subscriber.id)
            if current is None:
                return
            if succeeded:
                values: dict[str, Any] = {
                    "cursor": event.seq,
                    "failures": 0,
                    "next_attempt_at": None,
                    "sent_ok": current.sent_ok + 1,
                    "last_success": now,
                }
            else:
                failures = current.failures + 1
                values = {
                    "failures": failures,
                    "next_attempt_at": now + timedelta(seconds=rules.retry_delay(failures)),
                    "sent_failed": current.sent_failed + 1,
                }
                if failures >= rules.DEACTIVATE_AFTER_FAILURES:
                    values["status"] = "DEACTIVATED"
            values |= {
                "last_duration": duration,
                "last_ok": succeeded,
                "update_date": now,
                "lease_until": now + LEASE,
            }
            outbox.record_attempt(conn, subscriber.id, self._owner, values)
            if subscriber.api_key_id is not None and subscriber.kind != NOTIFICATION:
                insert_log(
                    conn,
                    {
                        "id": new_object_id(),
                        "api_key_id": subscriber.api_key_id,
                        "account_id": subscriber.account_id,
                        "subscriber_id": subscriber.id,
                        "feature": event.feature,
                        "request_id": payload.get("requestId"),
                        "succeeded": succeeded,
                        "response_status": status,
                        "duration": duration,
                        "request": _message(headers, payload, subscriber.url, now),
                        "response": answer,
                        "created": now,
                        "updated": now,
                    },
                )

    def _record(self, subscriber_id: int, values: dict[str, Any]) -> None:
        with self._ctx.db.transaction() as conn:
            outbox.record_attempt(conn, subscriber_id, self._owner, values)


def _wants(subscriber: Any, event: Any, readable: frozenset[str]) -> bool:
    if event.feature == rules.API_TRIGGERED:
        return bool(subscriber.kind == "central" and subscriber.api_key_id == event.api_key_id)
    if event.feature not in (subscriber.features or []) or event.feature not in readable:
        return False
    if subscriber.kind == "notification":
        log_entry = event.payload.get("smartlockLog") or {}
        return rules.notification_wants(subscriber.settings or [], log_entry)
    return True


def _json_or_text(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"text": response.text[:2000]}
    return body if isinstance(body, dict) else {"json": body}


def _message(
    headers: dict[str, str], body: dict[str, Any], path: str, at: Any = None
) -> dict[str, Any]:
    """A ``WebhookMessage`` as the webhook log keeps it."""
    message: dict[str, Any] = {"headers": headers, "body": body, "path": path}
    if at is not None:
        message["timestamp"] = at.isoformat()
    return message
