"""Short-rental automation across two ``nukiweb serve`` instances on one store (real processes,
on SQLite and on PostgreSQL): a feed linked with ``nukiweb admin link-feed`` while clients make
both instances sync it and issue its reservations over and over, and both instances' job
runners at work — every guest gets exactly one keypad code and one app invite on every lock,
never two.

Deadlines below only bound how long a test waits; no assertion is about how long anything
took."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from nukiweb.domain.bookings import Booking
from tests.booking_feeds import feed_server
from tests.databases import BACKENDS
from tests.processes import (
    SETTLE_DEADLINE_S,
    Server,
    Store,
    bearer,
    made_store,
    serving,
    wait_until,
)

GUESTS = 3
SYNCS_PER_CLIENT = 3
CLIENTS_PER_INSTANCE = 4
KEYPAD, APP = 13, 0


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with made_store(request.param, tmp_path) as made:
        yield made


def _call(server: Server, store: Store, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(
        method, f"{server.base_url}{path}", headers=bearer(store.token), timeout=60, **kwargs
    )


def _bookings() -> list[Booking]:
    """Arriving in a week: automation leaves them be, and the clients' issues race."""
    arrival = datetime.now(UTC).date() + timedelta(days=7)
    return [
        Booking(
            uid=f"guest-{n}@platform",
            name=f"Guest {n}",
            email=f"guest{n}@example.com",
            guests=1,
            reference=None,
            start_day=arrival,
            end_day=arrival + timedelta(days=2 + n),
            canceled=False,
        )
        for n in range(GUESTS)
    ]


def _all_issued(server: Server, store: Store, address_id: int) -> bool:
    found = _call(server, store, "GET", f"/address/{address_id}/reservation").json()
    return len(found) == GUESTS and all(
        r["keypadIssued"] and r["guestsIssued"] == 1 and not r["isCurrentlyIssuingAuth"]
        for r in found
    )


def test_two_instances_issue_each_guests_access_once(store: Store) -> None:
    with (
        feed_server() as feeds,
        serving(store, "--allow-local-webhooks") as first,
        serving(store, "--allow-local-webhooks") as second,
    ):
        for smartlock_id in store.device_ids:
            response = _call(
                first, store, "POST", f"/simulator/smartlocks/{smartlock_id}/keypad",
                json={"paired": True},
            )  # fmt: skip
            assert response.status_code == 204, response.text
        response = _call(
            second, store, "PUT", "/address",
            json={"name": "Block", "smartlockIds": store.device_ids, "timeZone": "UTC",
                  "checkInTime": 0},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        address_id = response.json()["addressId"]
        feeds.bookings = _bookings()
        url = feeds.url

        linked = subprocess.run(
            [
                sys.executable, "-m", "nukiweb", "admin", "link-feed",
                "--email", "workers@example.com", "--address", str(address_id), "--url", url,
                "--allow-local-webhooks",
                "--database-url", store.url, "--data-dir", str(store.data_dir),
            ],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        assert linked.returncode == 0, linked.stderr
        assert linked.stdout.strip() == "airbnb"

        reservation_ids = [
            r["id"] for r in _call(first, store, "GET", f"/address/{address_id}/reservation").json()
        ]
        statuses: list[int] = []
        start = threading.Barrier(2 * CLIENTS_PER_INSTANCE)

        def sync_and_issue(server: Server) -> None:
            """Issues every reservation by hand, all clients at the same instant (each instance
            reconciles them itself, as the job runners do), then syncs over and over."""
            start.wait()
            for reservation_id in reservation_ids:
                path = f"/address/{address_id}/reservation/{reservation_id}/issue"
                statuses.append(_call(server, store, "POST", path).status_code)
            statuses.extend(
                _call(server, store, "POST", "/service/airbnb/sync").status_code
                for _ in range(SYNCS_PER_CLIENT)
            )

        clients = [
            threading.Thread(target=sync_and_issue, args=(server,))
            for server in (first, second)
            for _ in range(CLIENTS_PER_INSTANCE)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        assert set(statuses) == {204}

        wait_until(lambda: _all_issued(first, store, address_id), SETTLE_DEADLINE_S, first)
        auths = _call(second, store, "GET", "/smartlock/auth").json()
        per_lock = Counter((auth["smartlockId"], auth["name"], auth["type"]) for auth in auths)
        expected = {
            (smartlock_id, f"Guest {n}", kind): 1
            for smartlock_id in store.device_ids
            for n in range(GUESTS)
            for kind in (KEYPAD, APP)
        }
        assert dict(per_lock) == expected
        for n in range(GUESTS):
            codes = {
                auth["code"]
                for auth in auths
                if auth["name"] == f"Guest {n}" and auth["type"] == KEYPAD
            }
            assert len(codes) == 1  # the same code on every lock
        users = _call(first, store, "GET", "/account/user").json()
        assert sorted(user["email"] for user in users) == [
            f"guest{n}@example.com" for n in range(GUESTS)
        ]
