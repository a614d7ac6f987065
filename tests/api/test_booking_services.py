"""Tag Service over HTTP: booking services linked through iCal feeds that a real local HTTP
server serves, synced into reservations whose guests' access follows them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.identity import acting_for
from nukiweb.services import booking_services
from tests.api.test_short_rental import (
    DAY,
    LOCKED,
    UNLOCKED,
    create_address,
    issued,
    keypad_locks,
    today,
    type_code,
    until_check_in,
)
from tests.booking_feeds import FeedServer, booking, feed_server
from tests.devices import advance, state
from tests.support import AccountFixture, ApiClient, run_on_a_loop_of_its_own


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with feed_server() as server:
        yield server


def link(account: AccountFixture, address_id: int, url: str, service: str = "airbnb") -> int:
    """Links the feed as the link page does."""
    ctx = account.api.server.ctx
    caller = acting_for(account.account_id, "test")
    return run_on_a_loop_of_its_own(
        lambda: booking_services.link_feed(ctx, caller, service, address_id, url)
    )


def reservations(api: ApiClient, address_id: int) -> list[dict]:
    response = api.get(f"/address/{address_id}/reservation")
    assert response.status_code == 200, response.text
    found: list[dict] = response.json()
    return found


def in_days(api: ApiClient, days: int) -> date:
    return today(api) + timedelta(days=days)


def test_the_services_and_where_to_link_them(account: AccountFixture) -> None:
    services = account.api.get("/service").json()
    assert [(s["id"], s["linked"], s["listings"]) for s in services] == [
        ("airbnb", False, []),
        ("bookingsync", False, []),
    ]
    only = account.api.get("/service", params={"serviceIds": "bookingsync,guesty"}).json()
    assert [s["id"] for s in only] == ["bookingsync"]
    assert account.api.get("/service/airbnb").json()["name"] == "Airbnb"
    assert account.api.get("/service/guesty").status_code == 404

    response = account.api.post("/service/airbnb/link")
    assert response.status_code == 200, response.text
    assert response.json() == f"{account.api.server.base_url}/web/short-rental/services/airbnb/link"
    assert account.api.post("/service/guesty/link").status_code == 400
    assert account.api.post("/service/airbnb/sync").status_code == 400  # not linked
    assert account.api.post("/service/airbnb/unlink").status_code == 204


def test_a_feeds_booking_is_followed_to_check_out_and_cancellation(
    account: AccountFixture, feeds: FeedServer
) -> None:
    api = account.api
    locks = keypad_locks(account)
    address = create_address(account, locks)
    address_id = address["addressId"]
    stay = booking("feed-stay@example", in_days(api, 2), name="Lin Guest", email="lin@example.com")
    later = booking("feed-later@example", in_days(api, 9), nights=1, name="Lin Guest")
    feeds.bookings = [stay, later]
    link(account, address_id, feeds.url)

    [service] = [s for s in api.get("/service").json() if s["id"] == "airbnb"]
    assert service["linked"] is True
    [listing] = service["listings"]
    assert (listing["addressId"], listing["host"]) == (address_id, "127.0.0.1")
    assert "syncError" not in listing
    assert api.get("/address").json()[0]["serviceId"] == "airbnb"
    first, second = reservations(api, address_id)
    assert (first["name"], first["email"], first["guests"]) == ("Lin Guest", "lin@example.com", 2)
    assert (first["serviceId"], first["state"], second["email"]) == ("airbnb", "accepted", "")

    # A day before check-in the code reaches both locks; it opens them during the stay.
    advance(api, until_check_in(api, address, stay.start_day) - DAY + 1)
    advance(api, 0)
    codes = [auth for auth in issued(api, locks, "Lin Guest") if auth["type"] == 13]
    assert len(codes) == len(locks)
    advance(api, DAY)
    assert type_code(api, locks[0], codes[0]["code"])["state"] == 0
    assert state(api, locks[0])["state"] == UNLOCKED

    # The platform cancels the stay and drops the later booking: a sync revokes the access.
    feeds.bookings = [
        booking("feed-stay@example", in_days(api, 2), name="Lin Guest", canceled=True)
    ]
    assert api.post("/service/airbnb/sync").status_code == 204
    advance(api, 0)
    advance(api, 0)
    assert [r["state"] for r in reservations(api, address_id)] == ["canceled", "canceled"]
    assert issued(api, locks, "Lin Guest") == []
    assert type_code(api, locks[1], codes[0]["code"])["state"] != 0
    assert state(api, locks[1])["state"] == LOCKED


def test_feeds_that_fail(account: AccountFixture, feeds: FeedServer) -> None:
    api = account.api
    address_id = create_address(account, keypad_locks(account, 1))["addressId"]
    for status, body in [(200, b"<html>Sign in</html>"), (404, b"gone"), (200, b"")]:
        feeds.status, feeds.broken = status, body
        with pytest.raises(InvalidParameter, match="url"):
            link(account, address_id, feeds.url)
    assert api.get("/service/airbnb").json()["linked"] is False

    feeds.status, feeds.broken = 200, None
    feeds.bookings = [booking("kept@example", in_days(api, 5))]
    link(account, address_id, feeds.url)
    feeds.status, feeds.broken = 500, b""
    assert api.post("/service/airbnb/sync").status_code == 204
    [listing] = api.get("/service/airbnb").json()["listings"]
    assert "500" in listing["syncError"]
    [kept] = reservations(api, address_id)
    assert kept["state"] == "accepted"

    assert api.post("/service/airbnb/unlink").status_code == 204
    assert api.get("/service/airbnb").json()["linked"] is False
    assert api.get("/address").json()[0].get("serviceId") is None
    assert [r["state"] for r in reservations(api, address_id)] == ["accepted"]


def test_the_feed_is_fetched_again_on_its_own(account: AccountFixture, feeds: FeedServer) -> None:
    api = account.api
    address_id = create_address(account, [])["addressId"]
    feeds.bookings = [booking("first@example", in_days(api, 5))]
    link(account, address_id, feeds.url)
    feeds.bookings.append(booking("second@example", in_days(api, 8), nights=1))
    fetched = feeds.requests
    advance(api, api.server.ctx.feed_sync_interval + 1)
    assert feeds.requests > fetched
    assert len(reservations(api, address_id)) == 2
