"""The delivery worker: sends each subscriber its events, signed, in order, at least once.

Every server instance runs one. It leases a subscriber that has events past its cursor and
posts them one by one, each once the previous one was answered in 2xx; a connection error, a
timeout, any other status, or anything else that goes wrong with the delivery ends the turn and
schedules a retry with exponential backoff and jitter. The outcomes (the cursor past the
delivered events, statistics, webhook log rows) are recorded a batch of up to ``RECORD_EVERY``
attempts at a time, in one transaction, and the cursor only ever moves past events that were
delivered. After ``DEACTIVATE_AFTER_FAILURES`` failures in a row the subscriber is DEACTIVATED
until it is reactivated. A crash before a batch is recorded sends its events again (at most
``RECORD_EVERY``): receivers drop duplicates by their ``X-Nuki-Event-Id``. Each subscriber is
served by its own task with a timeout per request, so a slow receiver delays only itself.

When the store cannot answer (``StoreUnavailable``), the worker waits, longer each time up to a
bound and with jitter (``Backoff``), and carries on when it answers again: a turn cut short
records nothing more, so the events it had not recorded are sent again then (and its lease, if
it could not be released, is this instance's to take again at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import httpcore
import httpx

from nukiweb.domain import webhooks as rules
from nukiweb.domain.readers import readable_features
from nukiweb.secrets import new_object_id
from nukiweb.services.context import ServiceContext
from nukiweb.store import outbox
from nukiweb.store.faults import Backoff, StoreUnavailable
from nukiweb.store.readers import reader_grant
from nukiweb.store.webhooks import NOTIFICATION, insert_logs
from nukiweb.webhooks.addresses import Resolver, UnsafeAddress, resolve_with_system
from nukiweb.webhooks.posting import BadAnswer, Poster

log = logging.getLogger(__name__)
_Result = TypeVar("_Result")

# How long a subscriber stays with an instance that stopped answering (it crashed); renewed
# with every record of outcomes, at least every RENEW_LEASE_AFTER before a request starts, so
# it only needs to outlast that and one request.
LEASE = timedelta(seconds=15)
EVENTS_PER_TURN = 50
# The outcomes of this many attempts (their cursor move and webhook log rows) are recorded in
# one transaction: a crash re-sends at most this many delivered events. Recorded sooner if the
# lease is this old, so that it never runs out while the turn sends.
RECORD_EVERY = 50
RENEW_LEASE_AFTER = LEASE.total_seconds() / 3
STORE_THREADS_POSTGRESQL = 4
REQUEST_TIMEOUT = 5.0
MAX_ERROR_LENGTH = 500  # of the reason a failed attempt's log shows


# Failures of a receiver (unreachable, refused, no such host, ...): the webhook log says what
# went wrong. Anything else fails the delivery too, with a line in the server's log.
EXPECTED_FAILURES = (
    BadAnswer,
    httpcore.ConnectError,  # a name that resolves to nothing
    httpcore.ConnectTimeout,
    httpx.InvalidURL,
    UnsafeAddress,
    OSError,  # refused, reset, timed out, TLS failed
)


class DeliveryWorker:
    def __init__(
        self,
        ctx: ServiceContext,
        *,
        poll_interval: float = 1.0,
        concurrency: int = 32,
        resolve: Resolver = resolve_with_system,
    ) -> None:
        self._ctx = ctx
        self._owner = str(uuid.uuid4())
        self._poll = poll_interval
        self._slots = asyncio.Semaphore(concurrency)
        self._serving: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._poster = Poster(
            resolve, allow_local=ctx.allow_local_webhooks, timeout=REQUEST_TIMEOUT
        )
        self._store = ThreadPoolExecutor(
            max_workers=STORE_THREADS_POSTGRESQL if ctx.db.is_postgresql else 1,
            thread_name_prefix="webhook-store",
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
        outage = Backoff()
        while not self._stopping.is_set():
            wait = self._poll
            try:
                self._start_due()
                self._prune_now_and_then()
            except StoreUnavailable as error:
                wait = outage.wait()
                log.warning(
                    "webhook delivery: the store is unavailable (%s): looking again in %.1f s",
                    error.reason,
                    wait,
                )
            except Exception:
                log.exception("webhook delivery: a turn failed")
            else:
                if outage.failures:
                    log.warning("webhook delivery: the store answers again")
                outage.reset()
            # Woken by a new event, by a retry falling due (the poll), or stopped.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), wait)
            self._woken.clear()

    async def stop(self) -> None:
        self._stopping.set()
        self._woken.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._poster.aclose()
        self._store.shutdown(wait=True)

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
                if not await self._in_store(partial(self._lease, subscriber_id)):
                    return
                released = False
                try:
                    released = await self._deliver_pending(subscriber_id)
                finally:
                    if not released:
                        await self._in_store(partial(self._release, subscriber_id))
        except StoreUnavailable as error:
            # What the turn had not recorded is not lost: the next look at the store, once it
            # answers, takes the subscriber again and sends those events again.
            log.warning(
                "webhook delivery to subscriber %s paused: the store is unavailable (%s)",
                subscriber_id,
                error.reason,
            )
        except Exception:
            # The store failed (a delivery's own failures are recorded, not raised): not woken
            # again, the next poll looks again, so a store that keeps failing is not hammered.
            log.exception("webhook delivery to subscriber %s failed", subscriber_id)
        else:
            self._woken.set()  # events may have come in meanwhile: look again
        finally:
            self._serving.discard(subscriber_id)

    # The worker's store work runs in threads of its own: a turn's reads and records are
    # longer than an API request's queries (50 events, 50 log rows), and a write may wait for
    # another process's lock; the API's requests go on meanwhile. On SQLite in one thread, as
    # several would wait for its one writer in the busy handler's sleeps instead of for each
    # other; PostgreSQL serves several at once (bench/README.md, "Webhooks").

    async def _in_store(self, work: Callable[[], _Result]) -> _Result:
        return await self._loop.run_in_executor(self._store, work)

    def _lease(self, subscriber_id: int) -> bool:
        now = self._ctx.clock.now()
        with self._ctx.db.transaction() as conn:
            return outbox.lease(conn, subscriber_id, self._owner, now, now + LEASE)

    def _release(self, subscriber_id: int) -> None:
        with self._ctx.db.transaction() as conn:
            outbox.release(conn, subscriber_id, self._owner)

    def _pending(self, subscriber_id: int) -> tuple[_Turn, list[Any]] | None:
        """The subscriber's next events, if it is active, and what it may read of them."""
        with self._ctx.db.read() as conn:
            subscriber = outbox.subscriber(conn, subscriber_id)
            if subscriber is None or subscriber.status != "ACTIVE":
                return None
            events = outbox.events_after(
                conn, subscriber.account_id, subscriber.cursor, EVENTS_PER_TURN
            )
            # What the subscriber may read now, looked up after the events: never older than
            # any of them. Events it may not read are passed, not kept for later.
            grant = reader_grant(
                conn, subscriber.reader_account_id, subscriber.api_key_id, self._ctx.clock.now()
            )
        return _Turn(subscriber, readable_features(grant.scopes, grant.rights)), events

    async def _deliver_pending(self, subscriber_id: int) -> bool:
        """Sends the subscriber's next events; whether the lease was released with the last
        record of their outcomes."""
        pending = await self._in_store(partial(self._pending, subscriber_id))
        if pending is None:
            return False
        turn, events = pending
        for event in events:
            if turn.record_due():
                held = await self._in_store(partial(self._record, turn, last=False))
                if not held:
                    return True  # the lease went to another instance: it carries on
            attempt = await self._attempt(turn, event)
            if attempt is not None:
                turn.attempts.append((event, attempt))
                if not attempt.succeeded:
                    break
            turn.cursor = event.seq
        if turn.attempts or turn.cursor != turn.recorded_cursor:
            await self._in_store(partial(self._record, turn, last=True))
            return True
        return False

    async def _attempt(self, turn: _Turn, event: Any) -> _Attempt | None:
        """Sends ``event`` if the subscriber wants it: the attempt (``None``: not wanted).
        Whatever goes wrong while preparing or sending it is this delivery's failure, recorded
        and retried like any other, so that no subscriber's data can make the worker spin."""
        subscriber = turn.subscriber
        attempt = _Attempt(subscriber.url)
        try:
            if not _wants(subscriber, event, turn.readable):
                return None
            payload = outbox.opened_payload(self._ctx.secrets, event.feature, event.payload)
            if turn.secret is None:  # opened once a turn: decrypting it is no cheap step
                turn.secret = self._ctx.secrets.open(subscriber.secret_box)
            await self._send(subscriber, turn.secret, event.id, payload, attempt)
        except Exception as error:
            if not isinstance(error, EXPECTED_FAILURES):
                log.warning(
                    "webhook delivery to subscriber %s failed", subscriber.id, exc_info=True
                )
            attempt.fail(error)
        attempt.duration = int((time.monotonic() - attempt.started) * 1000)
        attempt.at = self._ctx.clock.now()
        return attempt

    async def _send(
        self,
        subscriber: Any,
        secret: str,
        event_id: str,
        payload: dict[str, Any],
        attempt: _Attempt,
    ) -> None:
        attempt.payload = payload
        if subscriber.kind == "notification":
            attempt.payload = {"notificationId": subscriber.notification_id, **payload}
        body = json.dumps(attempt.payload, separators=(",", ":")).encode()
        attempt.headers = {
            "Content-Type": "application/json; charset=UTF-8",
            rules.SIGNATURE_HEADER: rules.sign(secret, body),
            rules.EVENT_ID_HEADER: event_id,
        }
        answer = await self._poster.post(attempt.url, body, attempt.headers, rules.MAX_STORED_BODY)
        kept_headers = rules.stored_headers(answer.headers)
        stored = rules.stored_answer(answer.start, complete=answer.complete)
        attempt.answer = _message(kept_headers, stored, attempt.url)
        attempt.status = answer.status

    def _record(self, turn: _Turn, *, last: bool) -> bool:
        """The outcomes of the turn's attempts since the last record, and the cursor past
        them, in one transaction that renews the lease, or releases it after the ``last``
        attempt; whether this instance still held it. If the webhook log's rows cannot be
        stored, the outcomes are recorded without them."""
        try:
            held = self._record_outcomes(turn, last=last, keep_log=True)
        except StoreUnavailable:
            raise  # nothing can be stored now: the turn ends, its events are sent again
        except Exception:
            log.exception("webhook log of subscriber %s not stored", turn.subscriber.id)
            held = self._record_outcomes(turn, last=last, keep_log=False)
        turn.attempts = []
        turn.recorded_cursor = turn.cursor
        turn.renewed = time.monotonic()
        return held

    def _record_outcomes(self, turn: _Turn, *, last: bool, keep_log: bool) -> bool:
        subscriber = turn.subscriber
        now = self._ctx.clock.now()
        with self._ctx.db.transaction() as conn:
            current = outbox.subscriber(conn, subscriber.id)
            if current is None:
                return False
            values = _outcome(current, turn, now)
            if last:
                values |= {"lease_owner": None, "lease_until": None}
            else:
                values["lease_until"] = now + LEASE
            if not outbox.record_attempt(conn, subscriber.id, self._owner, values):
                return False
            if subscriber.api_key_id is None or subscriber.kind == NOTIFICATION or not keep_log:
                return True
            insert_logs(conn, [_log_row(subscriber, e, a) for e, a in turn.attempts])
        return True


@dataclass
class _Turn:
    """One subscriber's events of one turn: what it may read, and the attempts whose outcome
    is not recorded yet."""

    subscriber: Any
    readable: frozenset[str]
    secret: str | None = None
    attempts: list[tuple[Any, _Attempt]] = field(default_factory=list)
    cursor: int = 0  # past every event sent or passed so far
    recorded_cursor: int = 0
    renewed: float = field(default_factory=time.monotonic)  # when the lease was last renewed

    def __post_init__(self) -> None:
        self.cursor = self.recorded_cursor = self.subscriber.cursor

    def record_due(self) -> bool:
        """Whether the outcomes so far are to be recorded before the next attempt."""
        return bool(self.attempts) and (
            len(self.attempts) >= RECORD_EVERY
            or time.monotonic() - self.renewed > RENEW_LEASE_AFTER
        )


@dataclass
class _Attempt:
    """One delivery: what was sent, and what came back."""

    url: str
    started: float = field(default_factory=time.monotonic)
    headers: dict[str, str] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    answer: dict[str, Any] | None = None
    duration: int = 0  # milliseconds
    at: datetime | None = None  # when it ended, by the service's clock

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300  # noqa: PLR2004

    def fail(self, error: Exception) -> None:
        self.status = None
        reason = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        self.answer = _message({}, {"error": reason}, self.url)


def _outcome(current: Any, turn: _Turn, now: datetime) -> dict[str, Any]:
    """The subscriber's new delivery state after the turn's attempts since the last record:
    all of them delivered but perhaps the last, and the cursor past those delivered."""
    delivered = [attempt for _event, attempt in turn.attempts if attempt.succeeded]
    values: dict[str, Any] = {"cursor": turn.cursor, "update_date": now}
    if not turn.attempts:  # only events the subscriber does not want were passed
        return values
    last = turn.attempts[-1][1]
    values |= {"sent_ok": current.sent_ok + len(delivered), "last_duration": last.duration}
    if delivered:
        values["last_success"] = delivered[-1].at
    if last.succeeded:
        return values | {"failures": 0, "next_attempt_at": None, "last_ok": True}
    failures = current.failures + 1
    values |= {
        "failures": failures,
        "next_attempt_at": now + timedelta(seconds=rules.retry_delay(failures)),
        "sent_failed": current.sent_failed + 1,
        "last_ok": False,
    }
    if failures >= rules.DEACTIVATE_AFTER_FAILURES:
        values["status"] = "DEACTIVATED"
    return values


def _log_row(subscriber: Any, event: Any, attempt: _Attempt) -> dict[str, Any]:
    """The webhook log's row of one attempt."""
    return {
        "id": new_object_id(),
        "api_key_id": subscriber.api_key_id,
        "account_id": subscriber.account_id,
        "subscriber_id": subscriber.id,
        "feature": event.feature,
        "request_id": attempt.payload.get("requestId"),
        "succeeded": attempt.succeeded,
        "response_status": attempt.status,
        "duration": attempt.duration,
        "request": _message(
            attempt.headers,
            rules.without_keypad_codes(attempt.payload),
            attempt.url,
            attempt.at,
        ),
        "response": attempt.answer,
        "created": attempt.at,
        "updated": attempt.at,
    }


def _wants(subscriber: Any, event: Any, readable: frozenset[str]) -> bool:
    if event.feature == rules.API_TRIGGERED:
        return bool(subscriber.kind == "central" and subscriber.api_key_id == event.api_key_id)
    if event.feature not in (subscriber.features or []) or event.feature not in readable:
        return False
    if subscriber.kind == "notification":  # it hears DEVICE_LOGS, whose payloads are not sealed
        log_entry = event.payload.get("smartlockLog") or {}
        return rules.notification_wants(subscriber.settings or [], log_entry)
    return True


def _message(
    headers: dict[str, str], body: dict[str, Any], path: str, at: Any = None
) -> dict[str, Any]:
    """A ``WebhookMessage`` as the webhook log keeps it."""
    message: dict[str, Any] = {"headers": headers, "body": body, "path": path}
    if at is not None:
        message["timestamp"] = at.isoformat()
    return message
