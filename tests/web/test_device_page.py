"""A device's page over HTTP, against the real server: what it shows of the device, its log
and its authorizations; each settings form writes what the API's config operation writes
(seen through ``GET /smartlock/{id}``) and refuses what it refuses, nothing changed; another
account's device, a form without the CSRF token and a sub-account without the right are
refused."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.contract.validation import ContractValidator
from tests.devices import (
    MOTOR_TIME,
    UNLATCH_HOLD,
    act,
    add_device,
    advance,
    device,
    set_bridge_online,
    state,
)
from tests.support import AccountFixture, RunningServer, make_account
from tests.web.support import WebClient, csrf_token
from tests.web.test_access_pages import create_auth, create_user, sub_account
from tests.web.test_device_pages import alert

SMARTLOCKS = "/web/smartlocks"
LOCKED, UNLOCKED = 1, 3
# The settings forms each device type has (the box: config and web config, as in the API).
FORMS = {
    0: {"config", "advanced", "web"},
    1: {"config", "web"},
    2: {"config", "opener", "web"},
    3: {"config", "smartdoor", "web"},
    4: {"config", "advanced", "web"},
}
# Each form's block in GET /smartlock/{id}, and the API operation that writes it.
BLOCK_OF = {
    "config": "config",
    "advanced": "advancedConfig",
    "opener": "openerAdvancedConfig",
    "smartdoor": "smartdoorAdvancedConfig",
    "web": "webConfig",
}
API_PATH_OF = {
    "config": "config",
    "advanced": "advanced/config",
    "opener": "advanced/openerconfig",
    "smartdoor": "advanced/smartdoorconfig",
}


@pytest.fixture
def client(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    with WebClient(server) as web:
        web.sign_in(account.email, account.password)
        yield web


def page_of(smartlock_id: int) -> str:
    return f"{SMARTLOCKS}/{smartlock_id}"


def fact(page: str, name: str) -> str:
    """The text of the summary's value of class ``name``."""
    found = re.search(rf'<dd class="{name}">(.*?)</dd>', page, re.DOTALL)
    assert found, f"no {name} in the summary"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def forms_shown(page: str) -> set[str]:
    return set(re.findall(r'action="/web/smartlocks/\d+/settings/([a-z]+)"', page))


def save(client: WebClient, smartlock_id: int, form: str, fields: dict[str, Any]) -> httpx.Response:
    """Posts ``fields`` to a settings form of the device's page."""
    action = f"{page_of(smartlock_id)}/settings/{form}"
    return client.submit(page_of(smartlock_id), action, fields)


def live_region(page: str, region_id: str) -> str:
    found = re.search(rf'<div id="{region_id}" data-live>(.*?)\n  </div>', page, re.DOTALL)
    assert found, f"no live region {region_id}"
    return found.group(1)


# --- what the page shows ---------------------------------------------------------------------


def test_the_page_shows_the_device(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4, name="Front door", firmwareVersion="4.2.1")
    act(account.api, lock, 1)
    advance(account.api, MOTOR_TIME)

    response = client.get(page_of(lock))

    assert response.status_code == 200
    page = response.text
    assert "<h1>Front door</h1>" in page
    assert fact(page, "type") == "Smart Lock 3.0/Pro/4th gen"
    assert fact(page, "state") == "unlocked"
    assert fact(page, "battery") == f"{state(account.api, lock)['batteryCharge']} %"
    assert fact(page, "door") == "unavailable"
    assert fact(page, "keypad-battery") == "ok"
    assert fact(page, "firmware") == "4.2.1"
    assert re.fullmatch(r"Simulated bridge \(id \d+, online\)", fact(page, "bridge"))
    assert fact(page, "server-state") == "ok"
    assert fact(page, "connection") == "online"
    assert forms_shown(page) == set(FORMS[4])
    # The state, the log and the authorizations refresh by themselves; the forms do not.
    for region in ("device-state", "device-log", "device-authorizations"):
        assert "<form" not in live_region(page, region)
    assert "unlocked" in live_region(page, "device-state")


def test_the_list_links_each_device_to_its_page(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4, name="Front door")
    assert f'<a href="{page_of(lock)}">Front door</a>' in client.get(SMARTLOCKS).text


def test_the_log_and_the_authorizations_of_the_device_only(
    client: WebClient, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    other = add_device(account, 4, name="Back door")
    user, _email = create_user(account, "Alice")
    create_auth(account, lock, "Alice's fob", type=2, accountUserId=user)
    create_auth(account, other, "Bob's fob", type=2, accountUserId=user)
    act(account.api, lock, 1)
    act(account.api, other, 1)
    advance(account.api, MOTOR_TIME)

    page = client.get(page_of(lock)).text

    log = live_region(page, "device-log")
    assert log.count("<tr data-log-id=") == 1
    assert '<td class="action">unlock</td>' in log
    assert f'href="/web/activity?device={lock}"' in page
    auths = live_region(page, "device-authorizations")
    assert "Alice&#39;s fob" in auths
    assert '<td class="user">Alice</td>' in auths
    assert "Bob" not in auths
    assert 'href="/web/users"' in page


@pytest.mark.parametrize("device_type", sorted(FORMS))
def test_each_type_shows_its_own_settings_forms(
    client: WebClient, account: AccountFixture, device_type: int
) -> None:
    smartlock_id = add_device(account, device_type)
    assert forms_shown(client.get(page_of(smartlock_id)).text) == set(FORMS[device_type])


def test_another_accounts_device_is_404(client: WebClient, other_account: AccountFixture) -> None:
    theirs = add_device(other_account, 4, name="Their door")
    for path in (page_of(theirs), f"{SMARTLOCKS}/999999999999999999999", f"{SMARTLOCKS}/x1"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Their door" not in response.text


def test_another_accounts_device_cannot_be_configured(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    mine = add_device(account, 4)
    theirs = add_device(other_account, 4, name="Their door")
    token = csrf_token(client.get(page_of(mine)).text)

    response = client.http.post(
        f"{page_of(theirs)}/settings/config", data={"csrf_token": token, "name": "Mine now"}
    )

    assert response.status_code == 404
    assert device(other_account.api, theirs)["name"] == "Their door"


# --- settings forms --------------------------------------------------------------------------

# A valid change and a refused value per form; (form, field, posted, stored, refused value).
CHANGES = [
    (4, "config", "name", "Garden gate", "Garden gate", "x" * 33),
    (4, "config", "ledBrightness", "5", 5, "6"),
    (4, "config", "latitude", "48.2", 48.2, "91"),
    (4, "advanced", "lngTimeout", "45", 45, "25"),
    (4, "advanced", "autoLockTimeout", "120", 120, "-1"),
    (0, "advanced", "unlatchDuration", "10", 10, "11"),
    (2, "opener", "soundLevel", "200", 200, "256"),
    (2, "opener", "singleButtonPressAction", "7", 7, "8"),
    (3, "smartdoor", "buzzerVolume", "1", 1, "3"),
    (3, "smartdoor", "batteryType", "255", 255, "4"),
]


@pytest.mark.parametrize(
    ("device_type", "form", "field", "posted", "stored"), [c[:5] for c in CHANGES]
)
def test_a_setting_is_saved_as_the_api_saves_it(
    client: WebClient,
    account: AccountFixture,
    device_type: int,
    form: str,
    field: str,
    posted: str,
    stored: object,
) -> None:
    smartlock_id = add_device(account, device_type)
    block = BLOCK_OF[form]

    response = save(client, smartlock_id, form, {field: posted})

    assert response.status_code == 303
    assert response.headers["location"] == f"{page_of(smartlock_id)}?saved={form}"
    assert device(account.api, smartlock_id)[block][field] == stored
    shown = client.get(response.headers["location"]).text
    assert '<p class="notice" role="status">' in shown
    assert f'name="{field}"' in shown


@pytest.mark.parametrize(
    ("device_type", "form", "field", "refused"), [(t, f, n, r) for t, f, n, _p, _s, r in CHANGES]
)
def test_a_refused_value_is_a_400_page_and_nothing_changes(
    client: WebClient,
    account: AccountFixture,
    device_type: int,
    form: str,
    field: str,
    refused: str,
) -> None:
    smartlock_id = add_device(account, device_type)
    block = BLOCK_OF[form]
    before = device(account.api, smartlock_id)[block]
    # The API refuses it too.
    api_path = f"/smartlock/{smartlock_id}/{API_PATH_OF[form]}"
    assert account.api.post(api_path, json={field: refused}).status_code == 400

    # A valid change beside it is not made either.
    response = save(client, smartlock_id, form, {field: refused, "autoUpdateEnabled": "false"})

    assert response.status_code == 400
    assert f"'{field}'" in alert(response.text)
    assert device(account.api, smartlock_id)[block] == before
    # The form comes back with what was typed, to correct it.
    assert f'value="{html.escape(refused)}"' in response.text


def test_checkboxes_switch_on_and_off(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4)
    assert device(account.api, lock)["advancedConfig"]["autoLock"] is False

    # As a browser posts a checked box: its hidden "false", then "true".
    page = client.get(page_of(lock)).text
    token = csrf_token(page)
    checked = {"csrf_token": token, "autoLock": ["false", "true"]}
    response = client.http.post(f"{page_of(lock)}/settings/advanced", data=checked)
    assert response.status_code == 303
    assert device(account.api, lock)["advancedConfig"]["autoLock"] is True

    response = save(client, lock, "advanced", {"autoLock": "false"})
    assert response.status_code == 303
    assert device(account.api, lock)["advancedConfig"]["autoLock"] is False


def test_the_whole_form_posted_back_unchanged_changes_nothing(
    client: WebClient, account: AccountFixture
) -> None:
    opener = add_device(account, 2)
    before = device(account.api, opener)
    page = client.get(page_of(opener)).text
    fields = dict(
        re.findall(r'<input type="number" id="opener-[^"]+" name="([^"]+)" value="([^"]*)"', page)
    )
    assert "electricStrikeDuration" in fields

    response = save(client, opener, "opener", fields)

    assert response.status_code == 303
    assert device(account.api, opener)["openerAdvancedConfig"] == before["openerAdvancedConfig"]


def test_the_web_config_is_saved(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4)
    response = save(client, lock, "web", {"batteryWarningPerMailEnabled": "true"})
    assert response.status_code == 303
    assert device(account.api, lock)["webConfig"]["batteryWarningPerMailEnabled"] is True


def test_a_block_the_device_has_not_is_404(client: WebClient, account: AccountFixture) -> None:
    opener = add_device(account, 2)
    response = save(client, opener, "advanced", {"lngTimeout": "10"})
    assert response.status_code == 404
    assert device(account.api, opener).get("advancedConfig") is None


def test_a_form_without_the_csrf_token_is_403(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4, name="Front door")
    response = client.http.post(f"{page_of(lock)}/settings/config", data={"name": "Changed"})
    assert response.status_code == 403
    assert device(account.api, lock)["name"] == "Front door"


def test_an_offline_device_is_not_changed(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4)
    set_bridge_online(account.api, online=False)

    response = save(client, lock, "advanced", {"lngTimeout": "45"})

    assert response.status_code == 503
    assert "bridge is offline" in alert(response.text)
    assert device(account.api, lock)["advancedConfig"]["lngTimeout"] == 20


def test_a_busy_device_shows_pending_and_refuses_a_change(
    client: WebClient, account: AccountFixture
) -> None:
    lock = add_device(account, 4)
    act(account.api, lock, 1)

    page = client.get(page_of(lock)).text
    assert "pending" in fact(page, "state")
    response = save(client, lock, "config", {"ledBrightness": "1"})

    assert response.status_code == 423
    assert "busy" in alert(response.text)
    advance(account.api, MOTOR_TIME)
    assert device(account.api, lock)["config"]["ledBrightness"] == 3


# --- lock and unlock from the page -----------------------------------------------------------


def test_lock_and_unlock_come_back_to_the_page(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 4, name="Front door")
    action = f"{SMARTLOCKS}/{lock}/unlock"

    response = client.submit(page_of(lock), action, {"next": page_of(lock)})

    assert response.status_code == 303
    assert response.headers["location"] == f"{page_of(lock)}?sent=unlock&smartlockId={lock}"
    shown = client.get(response.headers["location"]).text
    assert "Unlock command sent to Front door." in shown
    advance(account.api, MOTOR_TIME + UNLATCH_HOLD)
    assert state(account.api, lock)["state"] == UNLOCKED


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_lock_never_sends_anyone_elsewhere(
    client: WebClient, account: AccountFixture, next_url: str
) -> None:
    lock = add_device(account, 4)
    response = client.submit(page_of(lock), f"{SMARTLOCKS}/{lock}/lock", {"next": next_url})
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{SMARTLOCKS}?sent=lock")


def test_a_refused_lock_is_explained_on_the_page_it_came_from(
    client: WebClient, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    act(account.api, lock, 1)

    busy = client.submit(page_of(lock), f"{SMARTLOCKS}/{lock}/lock", {"next": page_of(lock)})

    assert busy.status_code == 423
    assert "busy" in alert(busy.text)
    assert "<h1>Front door</h1>" in busy.text  # the device's page, not the list
    advance(account.api, MOTOR_TIME + UNLATCH_HOLD)
    set_bridge_online(account.api, online=False)

    offline = client.submit(page_of(lock), f"{SMARTLOCKS}/{lock}/lock", {"next": page_of(lock)})

    assert offline.status_code == 503
    assert "offline" in alert(offline.text)
    assert "<h1>Front door</h1>" in offline.text
    set_bridge_online(account.api, online=True)


def test_another_accounts_device_named_as_next_gets_the_list(
    client: WebClient, account: AccountFixture, server: RunningServer, contract: ContractValidator
) -> None:
    other = make_account(server, contract)
    theirs = add_device(other, 4)
    own = add_device(account, 4)

    response = client.submit(page_of(own), f"{SMARTLOCKS}/{theirs}/lock", {"next": page_of(theirs)})

    assert response.status_code == 404
    assert "<h1>Smart Locks</h1>" in response.text
    other.api.close()


# --- sub-accounts ----------------------------------------------------------------------------


def test_a_sub_account_without_the_config_right_is_refused(
    server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4, name="Front door")
    email = sub_account(account, 2)  # operate only

    with WebClient(server) as sub:
        sub.sign_in(email, "sub password")
        page = sub.get(page_of(lock))
        response = save(sub, lock, "config", {"name": "Renamed"})

    assert page.status_code == 200
    assert forms_shown(page.text) == set()
    assert "needs the right to manage the configuration" in page.text
    assert "needs the right to view logs" in page.text
    assert "needs the right to manage them" in page.text
    assert response.status_code == 403
    assert "rights" in alert(response.text)
    assert device(account.api, lock)["name"] == "Front door"


def test_a_sub_account_with_the_config_right_saves(
    server: RunningServer, account: AccountFixture
) -> None:
    lock = add_device(account, 4)
    email = sub_account(account, 4)

    with WebClient(server) as sub:
        sub.sign_in(email, "sub password")
        assert forms_shown(sub.get(page_of(lock)).text) == set(FORMS[4])
        response = save(sub, lock, "advanced", {"motorSpeed": "2"})

    assert response.status_code == 303
    assert device(account.api, lock)["advancedConfig"]["motorSpeed"] == 2


def test_locked_device_state_is_words(client: WebClient, account: AccountFixture) -> None:
    lock = add_device(account, 0)
    assert fact(client.get(page_of(lock)).text, "state") == "locked"
    assert state(account.api, lock)["state"] == LOCKED
