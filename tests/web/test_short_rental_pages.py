"""The Short rental pages over HTTP, against the real server: addresses made, changed and deleted
through their forms; a booking feed served by a real local HTTP server linked through the page
``POST /service/{id}/link`` answers; reservations whose Issue and Revoke buttons move the guest's
access. Signing in and the CSRF token are required everywhere; bad input is the form again with
the service's message (400) and nothing changed; another account's address is 404."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.api.test_short_rental import (
    TIME_ZONE,
    book,
    create_address,
    keypad_locks,
    reservation,
    today,
)
from tests.booking_feeds import FeedServer, booking, feed_server
from tests.devices import add_device, advance, set_bridge_online
from tests.support import AccountFixture, RunningServer, unique_email
from tests.web.support import WebClient, csrf_token
from tests.web.test_device_pages import alert, rows

ADDRESSES = "/web/short-rental"


@pytest.fixture
def client(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    """The web pages, signed in as ``account``."""
    with WebClient(server) as web:
        web.sign_in(account.email, account.password)
        yield web


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    with feed_server() as served:
        yield served


def addresses(account: AccountFixture) -> list[dict[str, Any]]:
    response = account.api.get("/address")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def address_form(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Seaside flat",
        "smartlock_ids": [],
        "time_zone": TIME_ZONE,
        "check_in": "16:00",
        "check_out": "10:30",
    } | fields


def link_page(server: RunningServer, account: AccountFixture, service_id: str = "airbnb") -> str:
    """The path of the link page, as ``POST /service/{id}/link`` answers it."""
    response = account.api.post(f"/service/{service_id}/link")
    assert response.status_code == 200, response.text
    url: str = response.json()
    assert url.startswith(server.base_url)
    return url.removeprefix(server.base_url)


def cell(row: str, name: str) -> str:
    """The text of the row's cell of class ``name`` (whatever other attributes it has)."""
    found = re.search(rf'<td class="{name}"[^>]*>(.*?)</td>', row, re.DOTALL)
    assert found, f"no {name} cell in {row}"
    text = re.sub(r"<[^>]+>", " ", found.group(1))
    return " ".join(html.unescape(text).split())


def notice(page: str) -> str:
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', page, re.DOTALL)
    assert found, "the page shows no notice"
    return html.unescape(found.group(1))


def follow(client: WebClient, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


# --- sign-in and CSRF ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [ADDRESSES, f"{ADDRESSES}/1", f"{ADDRESSES}/1/delete", f"{ADDRESSES}/services/airbnb/link"],
)
def test_pages_without_a_session_send_to_sign_in(server: RunningServer, path: str) -> None:
    with WebClient(server) as web:
        response = web.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/web/login?next={quote(path, safe='')}"


def test_the_link_page_comes_back_after_signing_in(
    server: RunningServer, account: AccountFixture
) -> None:
    path = link_page(server, account, "bookingsync")
    with WebClient(server) as web:
        bounced = web.get(path)
        assert bounced.status_code == 303
        next_url = re.sub(r"^/web/login\?next=", "", bounced.headers["location"])
        signed_in = web.sign_in(account.email, account.password, next_url=path)
        assert signed_in.headers["location"] == path == f"{ADDRESSES}/services/bookingsync/link"
        assert quote(path, safe="") == next_url
        page = web.get(path)
    assert page.status_code == 200
    assert "<h1>Link a listing from BookingSync</h1>" in page.text


def test_a_form_without_a_session_does_nothing(
    server: RunningServer, account: AccountFixture
) -> None:
    with WebClient(server) as web:
        response = web.http.post(ADDRESSES, data={"csrf_token": "x"} | address_form())
    assert response.status_code == 303
    assert response.headers["location"].startswith("/web/login?next=")
    assert addresses(account) == []


@pytest.mark.parametrize(
    "action",
    [
        "",
        "/{a}",
        "/{a}/delete",
        "/{a}/feed",
        "/{a}/sync",
        "/{a}/unlink",
        "/{a}/reservations/{r}/issue",
        "/{a}/reservations/{r}/revoke",
        "/{a}/reservations/{r}/access-times",
        "/{a}/units",
        "/{a}/units/{u}/delete",
        "/services/airbnb/link",
    ],
)
@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_every_form_needs_the_csrf_token(
    client: WebClient,
    account: AccountFixture,
    feed: FeedServer,
    action: str,
    token: str | None,
) -> None:
    """Each form's action refuses a POST without the session's token, and changes nothing."""
    lock = add_device(account, 4, name="Door")
    address_id = create_address(account, [lock])["addressId"]
    reservation_id = book(account.api, address_id, "stay-csrf", today(account.api), nights=2)
    unit = account.api.put(f"/address/{address_id}/unit", json={"name": "Room 1"}).json()
    advance(account.api, 0)
    before = (addresses(account), reservation(account.api, address_id, reservation_id))
    feed.bookings = [booking("other", today(account.api))]
    path = ADDRESSES + action.format(a=address_id, r=reservation_id, u=unit["id"])
    fields = address_form(name="Changed", smartlock_ids=[lock]) | {
        "url": feed.url,
        "service_id": "airbnb",
        "address_id": address_id,
    }
    data = fields if token is None else {"csrf_token": token, **fields}

    response = client.http.post(path, data=data)

    assert response.status_code == 403
    assert "This form has expired" in response.text
    advance(account.api, 0)
    assert (addresses(account), reservation(account.api, address_id, reservation_id)) == before
    assert len(account.api.get(f"/address/{address_id}/unit").json()) == 1


# --- addresses -------------------------------------------------------------------------------


def test_create_an_address_with_two_devices(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    front = add_device(account, 4, name="Front door")
    back = add_device(account, 0, name="Back door")
    add_device(other_account, 4, name="Their door")
    page = client.get(ADDRESSES)
    assert page.status_code == 200
    assert "No addresses yet." in page.text
    assert "Their door" not in page.text
    assert '<option value="Europe/Vienna">' in page.text  # the time zone's suggestions
    assert 'name="time_zone" value="UTC"' in page.text

    response = client.submit(
        ADDRESSES, ADDRESSES, address_form(smartlock_ids=[str(front), str(back)])
    )

    [created] = addresses(account)
    assert response.headers["location"] == f"{ADDRESSES}/{created['addressId']}?notice=created"
    assert created["name"] == "Seaside flat"
    assert sorted(created["smartlockIds"]) == sorted([front, back])
    assert (created["timeZone"], created["checkInTime"], created["checkOutTime"]) == (
        TIME_ZONE,
        16 * 60,
        10 * 60 + 30,
    )
    assert notice(follow(client, response)) == "The address is created."
    [row] = rows(client.get(ADDRESSES).text, "data-address-id").values()
    shown = [cell(row, name) for name in ("name", "devices", "time-zone", "check-in", "check-out")]
    assert shown == ["Seaside flat", "Back door, Front door", TIME_ZONE, "16:00", "10:30"]
    assert cell(row, "feed") == "none"


def test_empty_times_and_time_zone_take_the_defaults(
    client: WebClient, account: AccountFixture
) -> None:
    fields = address_form(time_zone="", check_in="", check_out="")
    assert client.submit(ADDRESSES, ADDRESSES, fields).status_code == 303
    [created] = addresses(account)
    assert (created["timeZone"], created["checkInTime"], created["checkOutTime"]) == (
        "UTC",
        15 * 60,
        11 * 60,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time_zone": "Europe/Atlantis"}, "'timeZone' is not valid. An IANA time zone"),
        ({"time_zone": "CEST"}, "'timeZone' is not valid"),
        ({"check_in": "25:00"}, "'checkInTime' is not valid. Expected a time of day"),
        ({"check_out": "noon"}, "'checkOutTime' is not valid"),
        ({"name": ""}, "'name' is not valid. A name has 1 to 100 characters."),
        ({"name": "x" * 101}, "'name' is not valid"),
        ({"smartlock_ids": ["front"]}, "'smartlockIds' is not valid"),
        ({"smartlock_ids": ["123456789"]}, "There is no such smartlock."),
    ],
)
def test_bad_input_is_the_form_again_with_the_message_and_nothing_made(
    client: WebClient, account: AccountFixture, fields: dict[str, Any], message: str
) -> None:
    lock = add_device(account, 4, name="Front door")
    entered = address_form(name="Attic", smartlock_ids=[str(lock)]) | fields

    response = client.submit(ADDRESSES, ADDRESSES, entered)

    assert response.status_code == 400
    assert message in alert(response.text)
    assert addresses(account) == []
    # The form shows what was entered.
    page = response.text
    assert f'name="name" value="{entered["name"]}"' in page
    assert f'name="time_zone" value="{entered["time_zone"]}"' in page
    if "smartlock_ids" not in fields:
        assert f'value="{lock}" checked>' in page


def test_another_accounts_device_cannot_be_chosen(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    theirs = add_device(other_account, 4)
    response = client.submit(ADDRESSES, ADDRESSES, address_form(smartlock_ids=[str(theirs)]))
    assert response.status_code == 400
    assert "There is no such smartlock." in alert(response.text)
    assert addresses(account) == []


def test_edit_an_address(client: WebClient, account: AccountFixture) -> None:
    front = add_device(account, 4, name="Front door")
    back = add_device(account, 4, name="Back door")
    address_id = create_address(account, [front])["addressId"]
    path = f"{ADDRESSES}/{address_id}"
    page = client.get(path).text
    assert f'value="{front}" checked>' in page
    assert f'value="{back}">' in page
    assert 'name="check_in" value="15:00"' in page

    fields = address_form(name="Attic", smartlock_ids=[str(back)], time_zone="America/New_York")
    response = client.submit(path, path, fields | {"check_in": "14:15", "check_out": "09:00"})

    assert response.headers["location"] == f"{path}?notice=saved"
    [changed] = addresses(account)
    assert (changed["name"], changed["smartlockIds"], changed["timeZone"]) == (
        "Attic",
        [back],
        "America/New_York",
    )
    assert (changed["checkInTime"], changed["checkOutTime"]) == (14 * 60 + 15, 9 * 60)
    assert "<h1>Attic</h1>" in follow(client, response)

    # No device checked: the address has none.
    assert client.submit(path, path, address_form(name="Attic")).status_code == 303
    assert addresses(account)[0]["smartlockIds"] == []


def test_a_bad_edit_changes_nothing(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4)
    address_id = create_address(account, [lock])["addressId"]
    before = addresses(account)
    path = f"{ADDRESSES}/{address_id}"

    response = client.submit(path, path, address_form(name="Attic", time_zone="Mars/Olympus"))

    assert response.status_code == 400
    assert "'timeZone' is not valid" in alert(response.text)
    assert 'name="time_zone" value="Mars/Olympus"' in response.text
    assert addresses(account) == before


def test_delete_an_address_after_confirming(client: WebClient, account: AccountFixture) -> None:
    locks = keypad_locks(account, 1)
    address_id = create_address(account, locks, name="Attic")["addressId"]
    book(account.api, address_id, "stay-delete", today(account.api), nights=2)
    path = f"{ADDRESSES}/{address_id}"
    assert f'href="{path}/delete"' in client.get(path).text

    confirm = client.get(f"{path}/delete")
    assert confirm.status_code == 200
    assert "Delete “Attic”?" in confirm.text
    assert "Its 1 reservation," in confirm.text
    assert addresses(account) != []

    response = client.submit(f"{path}/delete", f"{path}/delete", {})

    assert response.headers["location"] == f"{ADDRESSES}?notice=deleted"
    assert "being revoked" in notice(follow(client, response))
    assert addresses(account) == []
    assert client.get(path).status_code == 404


def test_another_accounts_address_is_404_and_untouched(
    client: WebClient, account: AccountFixture, other_account: AccountFixture, feed: FeedServer
) -> None:
    create_address(account, [])
    theirs = create_address(other_account, [], name="Their flat")["addressId"]
    stay = book(other_account.api, theirs, "their-stay", today(other_account.api) + timedelta(5), 2)
    before = (addresses(other_account), reservation(other_account.api, theirs, stay))
    token = csrf_token(client.get(ADDRESSES).text)
    base = f"{ADDRESSES}/{theirs}"

    for path in (base, f"{base}/delete"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "Their flat" not in page.text
    for path, fields in [
        (base, address_form(name="Mine")),
        (f"{base}/delete", {}),
        (f"{base}/feed", {"service_id": "airbnb", "url": feed.url}),
        (f"{base}/reservations/{stay}/issue", {}),
        (f"{base}/reservations/{stay}/revoke", {}),
        (f"{base}/reservations/{stay}/access-times", {"check_in": "08:00"}),
        (f"{base}/units", {"name": "Room"}),
        (f"{ADDRESSES}/services/airbnb/link", {"url": feed.url, "address_id": theirs}),
    ]:
        response = client.http.post(path, data={"csrf_token": token, **fields})
        assert response.status_code == 404, (path, response.text)
        assert "Their flat" not in response.text
    advance(other_account.api, 0)
    assert (addresses(other_account), reservation(other_account.api, theirs, stay)) == before
    assert other_account.api.get(f"/address/{theirs}/unit").json() == []


@pytest.mark.parametrize("address_id", ["abc", "-1", "99999999999", "2147483648"])
def test_a_malformed_address_id_is_a_404_page(client: WebClient, address_id: str) -> None:
    response = client.get(f"{ADDRESSES}/{address_id}")
    assert response.status_code == 404
    assert f"The address '{address_id}' was not found." in html.unescape(response.text)


# --- booking feeds ---------------------------------------------------------------------------


def test_link_a_feed_through_the_link_page(
    client: WebClient, server: RunningServer, account: AccountFixture, feed: FeedServer
) -> None:
    locks = keypad_locks(account, 2)
    address_id = create_address(account, locks)["addressId"]
    create_address(account, [], name="Attic")
    start = today(account.api) + timedelta(days=5)
    feed.bookings = [booking("abnb-1", start, nights=3, name="Grace Hopper", guests=3)]
    path = link_page(server, account)
    page = client.get(path).text
    assert "<h1>Link a listing from Airbnb</h1>" in page
    assert f'<option value="{address_id}">Seaside flat</option>' in page

    response = client.submit(path, path, {"url": feed.url, "address_id": str(address_id)})

    assert response.headers["location"] == f"{ADDRESSES}/{address_id}?notice=linked"
    page = follow(client, response)
    [row] = rows(page, "data-reservation-id").values()
    assert [cell(row, name) for name in ("guest", "email", "guests", "state", "access")] == [
        "Grace Hopper",
        "—",
        "3",
        "accepted",
        "none",
    ]
    # The stay in the address's time zone, at its check-in and check-out times.
    assert cell(row, "check-in") == f"{start.isoformat()} 15:00"
    assert cell(row, "check-out") == f"{(start + timedelta(days=3)).isoformat()} 11:00"
    assert '<dd class="host">127.0.0.1</dd>' in page
    assert addresses(account)[0]["serviceId"] == "airbnb"
    listed = rows(client.get(ADDRESSES).text, "data-address-id")
    assert cell(listed[str(address_id)], "feed").startswith("Airbnb · 127.0.0.1 synced ")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": ""}, "Paste the listing's iCal export link."),
        ({"address_id": ""}, "Choose the address to link."),
        ({"broken": b"<html>Not a calendar</html>"}, "'url' is not valid"),
    ],
)
def test_the_link_page_refuses_what_it_cannot_link(
    client: WebClient,
    server: RunningServer,
    account: AccountFixture,
    feed: FeedServer,
    fields: dict[str, Any],
    message: str,
) -> None:
    address_id = create_address(account, [])["addressId"]
    feed.broken = fields.get("broken")
    entered = {"url": feed.url, "address_id": address_id} | fields
    path = link_page(server, account)
    response = client.submit(path, path, {k: v for k, v in entered.items() if k != "broken"})
    assert response.status_code == 400
    assert message in alert(response.text)
    assert addresses(account)[0].get("serviceId") is None


def test_the_link_page_of_an_unknown_service_is_404(client: WebClient) -> None:
    response = client.get(f"{ADDRESSES}/services/vrbo/link")
    assert response.status_code == 404
    assert "The service 'vrbo' was not found." in html.unescape(response.text)


def test_the_link_page_without_addresses_offers_to_make_one(
    client: WebClient, server: RunningServer, account: AccountFixture
) -> None:
    page = client.get(link_page(server, account)).text
    assert "There is no address to link the listing to yet." in page
    assert f'href="{ADDRESSES}#new-address"' in page


def test_link_sync_and_unlink_from_the_address_page(
    client: WebClient, account: AccountFixture, feed: FeedServer
) -> None:
    address_id = create_address(account, [])["addressId"]
    path = f"{ADDRESSES}/{address_id}"
    start = today(account.api) + timedelta(days=5)
    feed.bookings = [booking("first", start, name="First Guest")]
    fields = {"service_id": "bookingsync", "url": feed.url}
    assert client.submit(path, f"{path}/feed", fields).status_code == 303

    def guests() -> list[str]:
        listed = rows(client.get(path).text, "data-reservation-id")
        return [cell(row, "guest") for row in listed.values()]

    assert guests() == ["First Guest"]
    assert '<dd class="service">BookingSync</dd>' in client.get(path).text

    # A new booking arrives at the source: Sync now reads it.
    feed.bookings.append(booking("second", start + timedelta(days=7), name="Second Guest"))
    response = client.submit(path, f"{path}/sync", {})
    assert notice(follow(client, response)) == "The booking feed was fetched."
    assert sorted(guests()) == ["First Guest", "Second Guest"]

    # A fetch that fails shows why, and leaves the reservations as they were.
    feed.broken = b"<html>Maintenance</html>"
    page = follow(client, client.submit(path, f"{path}/sync", {}))
    assert re.search(r'<dd class="sync-error warning">.+</dd>', page)
    assert sorted(guests()) == ["First Guest", "Second Guest"]

    response = client.submit(path, f"{path}/unlink", {})
    page = follow(client, response)
    assert notice(page) == "The booking feed is unlinked; its reservations stay."
    assert "No booking feed is linked." in page
    assert addresses(account)[0].get("serviceId") is None
    assert sorted(guests()) == ["First Guest", "Second Guest"]


def test_a_bad_feed_on_the_address_page_is_400_and_nothing_is_linked(
    client: WebClient, account: AccountFixture, feed: FeedServer
) -> None:
    address_id = create_address(account, [])["addressId"]
    path = f"{ADDRESSES}/{address_id}"
    feed.broken = b"BEGIN:NOTHING"
    response = client.submit(path, f"{path}/feed", {"service_id": "airbnb", "url": feed.url})
    assert response.status_code == 400
    assert "'url' is not valid" in alert(response.text)
    assert f'name="url" value="{feed.url}"' in response.text
    response = client.submit(path, f"{path}/feed", {"service_id": "vrbo", "url": feed.url})
    assert response.status_code == 400
    assert "'serviceId' is not valid" in alert(response.text)
    assert addresses(account)[0].get("serviceId") is None
    sync = client.submit(path, f"{path}/sync", {})
    assert sync.status_code == 400
    assert "The address has no booking feed linked." in alert(sync.text)


# --- reservations ----------------------------------------------------------------------------


def reservation_row(client: WebClient, address_id: int, reservation_id: str) -> str:
    return rows(client.get(f"{ADDRESSES}/{address_id}").text, "data-reservation-id")[reservation_id]


def test_issue_and_revoke_buttons_move_the_guests_access(
    client: WebClient, account: AccountFixture
) -> None:
    api = account.api
    locks = keypad_locks(account, 2)
    address_id = create_address(account, locks)["addressId"]
    start = today(api) + timedelta(days=10)
    reservation_id = book(api, address_id, "stay-hand", start, nights=2, email="ada@example.com")
    path = f"{ADDRESSES}/{address_id}"
    action = f"{path}/reservations/{reservation_id}"
    row = reservation_row(client, address_id, reservation_id)
    assert cell(row, "access") == "none"
    assert cell(row, "email") == "ada@example.com"

    response = client.submit(path, f"{action}/issue", {})

    assert notice(follow(client, response)) == "The guest's access is being issued."
    assert reservation(api, address_id, reservation_id)["automation"] == 1
    assert cell(reservation_row(client, address_id, reservation_id), "access") == "issuing…"
    advance(api, 0)
    assert cell(reservation_row(client, address_id, reservation_id), "access") == (
        "keypad code issued, app invite issued"
    )
    shown = reservation(api, address_id, reservation_id)
    assert (shown["keypadIssued"], shown["guestsIssued"]) == (True, 1)

    response = client.submit(path, f"{action}/revoke", {})

    assert notice(follow(client, response)) == "The guest's access is being revoked."
    assert "revoking…" in cell(reservation_row(client, address_id, reservation_id), "access")
    advance(api, 0)
    assert cell(reservation_row(client, address_id, reservation_id), "access") == (
        "revoked by hand"
    )
    shown = reservation(api, address_id, reservation_id)
    assert (shown["automation"], shown["keypadIssued"], shown["guestsIssued"]) == (2, False, 0)


def test_custom_access_times(client: WebClient, account: AccountFixture) -> None:
    api = account.api
    address_id = create_address(account, [])["addressId"]
    start = today(api) + timedelta(days=10)
    reservation_id = book(api, address_id, "stay-times", start, nights=1)
    path = f"{ADDRESSES}/{address_id}"
    action = f"{path}/reservations/{reservation_id}/access-times"

    response = client.submit(path, action, {"check_in": "08:00", "check_out": ""})

    assert notice(follow(client, response)) == "The reservation's access times are saved."
    row = reservation_row(client, address_id, reservation_id)
    assert cell(row, "check-in") == f"{start.isoformat()} 08:00"
    assert cell(row, "check-out") == f"{(start + timedelta(days=1)).isoformat()} 11:00"
    assert 'name="check_in" value="08:00"' in row
    assert reservation(api, address_id, reservation_id)["hasCustomAccessTimes"] is True

    bad = client.submit(path, action, {"check_in": "8 o'clock", "check_out": ""})
    assert bad.status_code == 400
    assert "'checkInTime' is not valid" in alert(bad.text)
    # Both empty: the address's times again.
    client.submit(path, action, {"check_in": "", "check_out": ""})
    assert reservation(api, address_id, reservation_id)["hasCustomAccessTimes"] is False


def test_a_cancelled_booking_cannot_be_issued(client: WebClient, account: AccountFixture) -> None:
    api = account.api
    address_id = create_address(account, [])["addressId"]
    reservation_id = book(api, address_id, "stay-off", today(api) + timedelta(days=3), nights=1)
    path = f"{ADDRESSES}/{address_id}"
    token = csrf_token(client.get(path).text)
    assert api.delete(f"/simulator/addresses/{address_id}/reservations/stay-off").status_code == 204
    row = reservation_row(client, address_id, reservation_id)
    assert cell(row, "state") == "canceled"
    assert "/issue" not in row  # no buttons for a stay that will not be

    response = client.http.post(
        f"{path}/reservations/{reservation_id}/issue", data={"csrf_token": token}
    )

    assert response.status_code == 400
    assert "The reservation is cancelled." in alert(response.text)
    missing = client.http.post(f"{path}/reservations/nothing/issue", data={"csrf_token": token})
    assert missing.status_code == 404
    assert "The reservation 'nothing' was not found." in alert(missing.text)


def test_an_offline_lock_shows_the_access_error(client: WebClient, account: AccountFixture) -> None:
    api = account.api
    locks = keypad_locks(account, 1)
    address_id = create_address(account, locks)["addressId"]
    set_bridge_online(api, online=False)
    try:
        reservation_id = book(api, address_id, "stay-offline", today(api), nights=2)
        row = reservation_row(client, address_id, reservation_id)
        assert cell(row, "access").startswith("issuing… Door 0: ")
        assert 'class="warning"' in row
    finally:
        set_bridge_online(api, online=True)


# --- units -----------------------------------------------------------------------------------


def test_add_and_delete_a_unit(client: WebClient, account: AccountFixture) -> None:
    address_id = create_address(account, [])["addressId"]
    path = f"{ADDRESSES}/{address_id}"

    response = client.submit(path, f"{path}/units", {"name": "Flat 1"})

    assert notice(follow(client, response)) == "The unit is added."
    [unit] = account.api.get(f"/address/{address_id}/unit").json()
    row = rows(client.get(path).text, "data-unit-id")[unit["id"]]
    assert [cell(row, name) for name in ("name", "token", "redeemed")] == [
        "Flat 1",
        unit["addressTokenId"],
        "no",
    ]
    bad = client.submit(path, f"{path}/units", {"name": ""})
    assert bad.status_code == 400
    assert "'name' is not valid" in alert(bad.text)

    response = client.submit(path, f"{path}/units/{unit['id']}/delete", {})

    assert notice(follow(client, response)) == "The unit is being deleted."
    assert account.api.get(f"/address/{address_id}/unit").json() == []
    gone = client.submit(path, f"{path}/units/{unit['id']}/delete", {})
    assert gone.status_code == 404


# --- sub-accounts ----------------------------------------------------------------------------


def test_a_sub_account_needs_the_right_to_manage_smartlocks(
    server: RunningServer, account: AccountFixture
) -> None:
    """As in the API: the Address, AddressReservation and Service tags need right 1."""
    address_id = create_address(account, [])["addressId"]
    email = unique_email("sub")
    body = {"email": email, "password": "sub password", "name": "Sub", "rights": 2}
    assert account.api.put("/account/sub", json=body | {"language": "en"}).status_code == 200
    with WebClient(server) as sub:
        sub.sign_in(email, "sub password")
        assert sub.get(ADDRESSES).status_code == 403
        assert sub.get(f"{ADDRESSES}/{address_id}").status_code == 403
        token = csrf_token(sub.get("/web/smartlocks").text)
        response = sub.http.post(ADDRESSES, data={"csrf_token": token} | address_form())
    assert response.status_code == 403
    assert len(addresses(account)) == 1
