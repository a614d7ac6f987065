"""Events for bench/webhooks.py's throughput part, written straight into the outbox.

Usage: python bench/webhooks_seed.py DATABASE_URL ACCOUNT_ID SMARTLOCK_ID COUNT

Runs in a process of its own, against the database the server under test serves, while it
runs: ``COUNT`` DEVICE_LOGS events of the account, ``BATCH`` to a transaction, each batch in
one statement through nukiweb's own ``store.outbox.append_many`` (rows made as
``services.events`` makes them), as fast as the store takes them. So the deliveries are bound
neither by how many actions a second the API accepts nor by a round trip per event written.
The i-th event's log entry has the id ``i`` (24 hex digits), which the benchmark checks the
order of arrival by. Prints one JSON line: when writing started and ended
(``time.monotonic()``, comparable across processes) and how many events were written.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import UTC, datetime

from nukiweb.domain.webhooks import Feature
from nukiweb.services.context import ServiceContext
from nukiweb.store import outbox
from nukiweb.store.database import Database

BATCH = 500  # events a transaction
FEATURE = Feature.DEVICE_LOGS.value


def log_entry(index: int, smartlock_id: int, now: datetime) -> dict[str, object]:
    """A DEVICE_LOGS payload as the vendor shapes it: a lock (or unlock) from the web."""
    return {
        "smartlockLog": {
            "id": f"{index:024x}",
            "smartlockId": smartlock_id,
            "deviceType": 4,
            "name": "Bench",
            "action": 2 - index % 2,
            "trigger": 4,
            "state": 0,
            "autoUnlock": False,
            "date": now.isoformat().replace("+00:00", "Z"),
        }
    }


def main(database_url: str, account_id: int, smartlock_id: int, count: int) -> None:
    ctx = ServiceContext(db=Database(database_url))
    started = time.monotonic()
    for first in range(0, count, BATCH):
        now = datetime.now(UTC)
        rows = []
        for index in range(first, min(first + BATCH, count)):
            payload = {"feature": FEATURE, **log_entry(index, smartlock_id, now)}
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "account_id": account_id,
                    "api_key_id": None,
                    "feature": FEATURE,
                    "smartlock_id": smartlock_id,
                    "payload": outbox.stored_payload(ctx.secrets, FEATURE, payload),
                    "created": now,
                }
            )
        with ctx.db.transaction() as conn:
            outbox.append_many(conn, rows)
    ended = time.monotonic()
    ctx.db.dispose()
    print(json.dumps({"started": started, "ended": ended, "events": count}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
