"""The Simulator panel over HTTP, against the real server: each button does what the simulator
control API's operation does (seen through the API), only the buttons a device type has are
offered, bad input and another account's device are refused with the panel and a 4xx, and a
server without the simulator has no panel at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from nukiweb.services import accounts
from tests.api.test_authorizations import confirmed_auth
from tests.devices import (
    MOTOR_TIME,
    UNLATCH_HOLD,
    act,
    add_device,
    advance,
    bridge_id,
    device,
    logs,
    state,
)
from tests.support import AccountFixture, RunningServer, running_server, unique_email
from tests.web.support import WebClient, csrf_token
from tests.web.test_device_pages import alert

PANEL = "/web/simulator"
LOCKED, UNLOCKED, MOTOR_BLOCKED = 1, 3, 254
DOOR_CLOSED, DOOR_OPENED = 2, 3
DOORBELL, DOOR_OPENED_LOG = 224, 240  # SmartlockLog.action
MANUAL, KEYPAD = 1, 255  # SmartlockLog.trigger
SUCCESS, REJECTED = 0, 9  # SmartlockLog.state
OFFLINE = 4  # serverState


@pytest.fixture
def client(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    """The web pages, signed in as ``account``."""
    with WebClient(server) as web:
        web.sign_in(account.email, account.password)
        yield web


def press(client: WebClient, path: str, /, **fields: Any) -> httpx.Response:
    """A button or form of the panel: posted with its CSRF token."""
    return client.submit(PANEL, f"{PANEL}/{path}", {k: str(v) for k, v in fields.items()})


def notice_after(client: WebClient, response: httpx.Response) -> str:
    """The notice of the page the redirect after a button leads to."""
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', page.text, re.DOTALL)
    assert found, "the page shows no notice"
    return found.group(1)


def section(page: str, smartlock_id: int) -> str:
    """The HTML of a device's section on the panel."""
    found = re.search(
        rf'<section class="card sim-device" id="device-{smartlock_id}".*?</section>',
        page,
        re.DOTALL,
    )
    assert found, f"no section for {smartlock_id}"
    return found.group(0)


def buttons(html: str) -> list[str]:
    """The texts of the buttons in ``html``, in order."""
    found = re.findall(r"<button[^>]*>(.*?)</button>", html, re.DOTALL)
    return [" ".join(text.split()) for text in found]


def test_each_device_type_gets_the_buttons_it_has(
    client: WebClient, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    box = add_device(account, 1, name="Garden box")
    opener = add_device(account, 2, name="Entrance")
    page = client.get(PANEL)
    assert page.status_code == 200
    assert '<a href="/web/simulator" aria-current="page">Simulator</a>' in page.text
    assert buttons(section(page.text, lock)) == [
        "Press the button",
        "Press the button twice",
        "Turn by hand to unlock",
        "Turn by hand to lock",
        "Open the door",
        "Close the door",
        "Block the motor on its next action",
        "Unpair the keypad",  # a lock comes with one
        "Enter the code",
        "Set the battery",
    ]
    assert buttons(section(page.text, box)) == ["Press the button", "Press the button twice"]
    assert buttons(section(page.text, opener)) == [
        "Ring the doorbell",
        "Press the button",
        "Press the button twice",
        "Pair a keypad",
        "Set the battery",
    ]
    # The device summaries refresh by themselves (static/live.js).
    for smartlock_id in (lock, box, opener):
        assert f'id="sim-device-{smartlock_id}" data-live' in page.text
    bridge = account.api.get("/simulator/bridges").json()[0]
    assert f'data-bridge-id="{bridge["bridgeId"]}"' in page.text
    assert f"Take {bridge['name']} offline" in buttons(page.text)


def test_ring_logs_the_doorbell(client: WebClient, account: AccountFixture) -> None:
    opener = add_device(account, 2, name="Entrance")
    response = press(client, f"smartlocks/{opener}/ring")
    assert notice_after(client, response) == "Rang the doorbell of Entrance."
    assert response.headers["location"].endswith(f"#device-{opener}")
    assert [entry["action"] for entry in logs(account.api, opener)] == [DOORBELL]


def test_door_sensor_and_battery(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4, name="Front door")
    response = press(client, f"smartlocks/{lock}/door", open="true")
    assert notice_after(client, response) == "Opened the door of Front door."
    assert state(account.api, lock)["doorState"] == DOOR_OPENED
    assert logs(account.api, lock)[0]["action"] == DOOR_OPENED_LOG
    press(client, f"smartlocks/{lock}/door", open="false")
    assert state(account.api, lock)["doorState"] == DOOR_CLOSED

    response = press(client, f"smartlocks/{lock}/battery", charge="15")
    assert notice_after(client, response) == "Set the battery charge of Front door."
    shown = state(account.api, lock)
    assert (shown["batteryCharge"], shown["batteryCritical"]) == (15, True)
    assert "critical, 15 %" in section(client.get(PANEL).text, lock)


def test_turn_by_hand_and_the_button(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4, name="Front door")
    assert state(account.api, lock)["state"] == LOCKED
    response = press(client, f"smartlocks/{lock}/turn", action=1)
    assert notice_after(client, response) == "Turned Front door by hand to unlock it."
    advance(account.api, MOTOR_TIME)
    assert state(account.api, lock)["state"] == UNLOCKED
    entry = logs(account.api, lock)[0]
    assert (entry["action"], entry["trigger"]) == (1, MANUAL)

    # Pressed once, a lock's button is "intelligent": it locks an unlocked door.
    response = press(client, f"smartlocks/{lock}/button", presses=1)
    assert notice_after(client, response) == "Pressed the button of Front door."
    advance(account.api, MOTOR_TIME)
    assert state(account.api, lock)["state"] == LOCKED


def test_a_blocked_motor_fails_the_next_action(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4, name="Front door")
    response = press(client, f"smartlocks/{lock}/fault", fault="motor_blocked")
    blocking = "The motor of Front door will block on its next action."
    assert notice_after(client, response) == blocking
    act(account.api, lock, 1)
    advance(account.api, MOTOR_TIME)
    blocked = device(account.api, lock)
    assert blocked["state"]["state"] == MOTOR_BLOCKED
    assert blocked["error"]
    assert "motor blocked" in section(client.get(PANEL).text, lock)


def test_a_bridge_goes_offline_and_back(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4, name="Front door")
    bridge = bridge_id(account.api)
    response = press(client, f"bridges/{bridge}/online", online="false")
    assert notice_after(client, response).endswith("is offline now.")
    assert device(account.api, lock)["serverState"] == OFFLINE
    page = client.get(PANEL).text
    assert "Bring " in page
    assert '<span class="badge offline">offline</span>' in section(page, lock)

    response = press(client, f"bridges/{bridge}/online", online="true")
    assert notice_after(client, response).endswith("is online again.")
    assert device(account.api, lock)["serverState"] == 0


def test_a_keypad_code_typed_on_the_panel_opens_the_lock(
    client: WebClient, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    response = press(client, f"smartlocks/{lock}/keypad", paired="false")
    assert notice_after(client, response) == "Unpaired the keypad of Front door."
    assert "Keypad code" not in section(client.get(PANEL).text, lock)
    response = press(client, f"smartlocks/{lock}/keypad", paired="true")
    assert notice_after(client, response) == "Paired a keypad with Front door."
    assert "Keypad code" in section(client.get(PANEL).text, lock)
    confirmed_auth(account, lock, "Cleaner", type=13, code=345678)

    response = press(client, f"smartlocks/{lock}/code", code=999999)
    assert notice_after(client, response).startswith("Typed a code on the keypad of Front door")
    entry = logs(account.api, lock)[0]
    assert (entry["trigger"], entry["state"]) == (KEYPAD, REJECTED)
    assert state(account.api, lock)["state"] == LOCKED

    press(client, f"smartlocks/{lock}/code", code=345678)
    advance(account.api, MOTOR_TIME + UNLATCH_HOLD)
    entry = logs(account.api, lock)[0]
    assert (entry["trigger"], entry["state"], entry["name"]) == (KEYPAD, SUCCESS, "Cleaner")
    assert state(account.api, lock)["state"] == UNLOCKED


def test_the_manual_clock_advances(client: WebClient, account: AccountFixture) -> None:
    before = datetime.fromisoformat(account.api.get("/simulator/clock").json()["now"])
    page = client.get(PANEL).text
    assert 'id="sim-clock" data-live' in page
    response = press(client, "clock/advance", seconds=90)
    assert "simulated clock moved on" in notice_after(client, response)
    after = datetime.fromisoformat(account.api.get("/simulator/clock").json()["now"])
    assert (after - before).total_seconds() == 90


@pytest.mark.parametrize(
    ("device_type", "action", "fields", "named"),
    [
        (4, "battery", {"charge": "150"}, "charge"),
        (4, "battery", {"charge": "lots"}, "charge"),
        (4, "battery", {}, "charge"),
        (4, "turn", {"action": "3"}, "action"),
        (4, "turn", {"action": "9"}, "action"),
        (4, "button", {"presses": "3"}, "presses"),
        (4, "door", {"open": "maybe"}, "open"),
        (4, "fault", {"fault": "on_fire"}, "fault"),
        (2, "code", {"code": "345678"}, "code"),  # no keypad paired
        (4, "code", {"code": "12a45"}, "code"),
        (1, "door", {"open": "true"}, "open"),  # a box has no door sensor
        (1, "battery", {"charge": "50"}, "charge"),  # nor a battery
        (1, "fault", {"fault": "motor_blocked"}, "fault"),  # nor a motor
        (4, "ring", {}, "smartlockId"),  # only an opener has a doorbell
    ],
)
def test_bad_input_is_the_panel_with_an_error(
    client: WebClient,
    account: AccountFixture,
    device_type: int,
    action: str,
    fields: dict[str, str],
    named: str,
) -> None:
    smartlock_id = add_device(account, device_type, name="Front door")
    before = device(account.api, smartlock_id)
    response = press(client, f"smartlocks/{smartlock_id}/{action}", **fields)
    assert response.status_code == 400, response.text
    message = alert(response.text)
    assert f"'{named}'" in message
    assert "12a45" not in message  # a code is never repeated
    assert "Simulator" in response.text
    advance(account.api, 0)
    assert device(account.api, smartlock_id) == before
    assert logs(account.api, smartlock_id) == []


def test_bad_clock_and_bridge_input(client: WebClient, account: AccountFixture) -> None:
    add_device(account, 4)
    assert press(client, "clock/advance", seconds="-1").status_code == 400
    assert press(client, "clock/advance", seconds="soon").status_code == 400
    response = press(client, f"bridges/{bridge_id(account.api)}/online", online="perhaps")
    assert response.status_code == 400
    assert "'online'" in alert(response.text)


def test_a_form_without_the_csrf_token_is_refused(
    client: WebClient, account: AccountFixture
) -> None:
    opener = add_device(account, 2)
    response = client.http.post(f"{PANEL}/smartlocks/{opener}/ring", data={})
    assert response.status_code == 403
    response = client.http.post(f"{PANEL}/smartlocks/{opener}/ring", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert logs(account.api, opener) == []


def test_another_accounts_devices_and_bridges_are_not_found(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    add_device(account, 4)
    theirs = add_device(other_account, 2, name="Not yours")
    their_bridge = bridge_id(other_account.api)
    page = client.get(PANEL).text
    assert "Not yours" not in page
    for action, fields in [("ring", {}), ("door", {"open": "true"}), ("battery", {"charge": 5})]:
        response = press(client, f"smartlocks/{theirs}/{action}", **fields)
        assert response.status_code == 404, action
        assert "Not yours" not in response.text
    response = press(client, f"bridges/{their_bridge}/online", online="false")
    assert response.status_code == 404
    assert device(other_account.api, theirs)["serverState"] == 0
    assert logs(other_account.api, theirs) == []
    for path in ("smartlocks/99999999999999999999/ring", f"smartlocks/{theirs}/explode"):
        assert press(client, path).status_code == 404, path
    # A notice names only the account's own device, whatever the URL says.
    page = client.get(f"{PANEL}?done=ring&smartlockId={theirs}").text
    assert 'class="notice"' not in page


def test_without_the_simulator_there_is_no_panel(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'plain.db'}", simulator_api=False) as server:
        email, password = unique_email(), "correct horse"
        accounts.create_account(server.ctx, email, password, "Plain")
        with WebClient(server) as web:
            assert web.get(PANEL).status_code == 404
            web.sign_in(email, password)
            home = web.get("/web/smartlocks")
            assert home.status_code == 200
            assert "/web/simulator" not in home.text
            assert web.get(PANEL).status_code == 404
            token = csrf_token(home.text)
            for path in ("smartlocks/1/ring", "bridges/1/online", "clock/advance"):
                response = web.http.post(f"{PANEL}/{path}", data={"csrf_token": token})
                assert response.status_code == 404, path
